import { redactMessage } from "../redact/registry.js";

/** Text made safe for HTML. */
export function escapeHtml(text: string): string {
  return text.replace(
    /[&<>"']/g,
    (c) => ({ "&": "&amp;", "<": "&lt;", ">": "&gt;", '"': "&quot;", "'": "&#39;" })[c] as string,
  );
}

/**
 * Every text a page shows, through the process's redaction registry and then
 * made safe for HTML: issue messages (a validator's, a provider's) may quote
 * what they were handling, and no page prints a value on purpose.
 */
export const h = (text: string) => escapeHtml(redactMessage(text));

export function layout(title: string, body: string): string {
  const nav = [
    ["./", "Environments"],
    ["inventory", "Inventory"],
    ["audit", "Audit"],
    ["store", "Store"],
    ["vault", "Vault"],
  ]
    .map(
      ([href, label]) => `<a href="${href}"${label === title ? ' class="here"' : ""}>${label}</a>`,
    )
    .join("");
  return `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>Strongbox · ${h(title)}</title>
<link rel="stylesheet" href="style.css"></head>
<body><header><strong>Strongbox</strong><nav>${nav}</nav></header>
<main><h1>${h(title)}</h1>${body}</main>
<footer>Read-only. No value is ever shown here.</footer></body></html>`;
}

export function table(headers: readonly string[], rows: readonly string[][], id: string): string {
  // A wide table scrolls in its own box, so a narrow window never clips the page.
  return `<div class="scroll"><table id="${id}"><thead><tr>${headers.map((x) => `<th>${h(x)}</th>`).join("")}</tr></thead><tbody>${rows
    .map((cells) => `<tr>${cells.join("")}</tr>`)
    .join("")}</tbody></table></div>`;
}

export const STYLESHEET = `body{font:15px/1.45 system-ui,sans-serif;margin:0;color:#1d2330;background:#f6f7f9}
header{display:flex;gap:2rem;align-items:center;background:#1d2330;color:#fff;padding:.7rem 1.5rem}
nav a{color:#cfd6e4;margin-right:1.2rem;text-decoration:none}nav a.here{color:#fff;font-weight:600}
main{padding:1rem 1.5rem}table{border-collapse:collapse;background:#fff;margin:.5rem 0 1.5rem}
th,td{border:1px solid #d9dde5;padding:.35rem .6rem;text-align:left;font-size:13px}
td.ok{background:#eef8f0}td.missing{background:#fde8e8;color:#8a1c1c}td.forbidden{background:#fff1d6;color:#7a4b00}
td.optional{color:#7a8191}td.different{box-shadow:inset 4px 0 #3b6fd8}.tag{font-size:11px;background:#e3e7f3;padding:0 .3rem;border-radius:3px}
.legend span{padding:0 .3rem}.legend .missing{background:#fde8e8}.legend .forbidden{background:#fff1d6}.legend .different{box-shadow:inset 4px 0 #3b6fd8}
.bar-ok{fill:#5a8f6a}.bar-bad{fill:#c0392b}svg text{font-size:10px;fill:#555}footer{padding:1rem 1.5rem;color:#7a8191;font-size:12px}
form label{margin-right:1rem}a.here{font-weight:600}
.value-group{display:inline-block;min-width:1.2em;text-align:center;background:#3b6fd8;color:#fff;border-radius:3px;font-size:11px;margin-left:.4rem}
.status-unset,.status-problem{font-size:11px;margin-left:.4rem;color:#8a1c1c}
line.today{stroke:#1d2330;stroke-dasharray:3 3}
.scroll{overflow-x:auto;max-width:100%}header,nav{flex-wrap:wrap}nav{display:flex;row-gap:.3rem}
main{min-width:0}svg{max-width:100%;height:auto}form label{display:inline-block}.pager{font-size:13px}
@media (max-width:600px){figure{margin:.5rem 0}header{gap:.6rem;padding:.6rem .8rem}main{padding:.8rem}th,td{padding:.3rem .4rem}}`;
