import { createHmac, randomBytes } from "node:crypto";
import { existsSync, readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { queryAudit } from "../audit/audit.js";
import { selectEnvironment } from "../environments/select.js";
import { concreteEnvironmentNames } from "../lifecycle/environments.js";
import { inventory } from "../lifecycle/inventory.js";
import { type Project, projectAuditFile, resolveProject } from "../project/open.js";
import { providerFor } from "../providers/registry.js";
import { environmentStore, storeDirectory } from "../providers/store/directory.js";
import { isVaultRefText } from "../providers/vault/index.js";
import { redactMessage } from "../redact/registry.js";
import { schemaRefFor } from "../refs/template.js";
import { isRequired } from "../resolve/candidates.js";
import type { VariableSpec } from "../schema/types.js";
import { peekKeyring } from "../store/keyring.js";
import { recipientsOf } from "../store/recipients/wrapper.js";
import type { PageHandler } from "./server.js";

/**
 * The dashboard's pages, rendered on the server as plain HTML (no script, so
 * the Content-Security-Policy allows none): the environment × variable
 * matrix, the rotation inventory, an audit tail with a chart, one variable's
 * provenance, the store and its recipients. Every page is built from names,
 * sources, versions and times; no page reads a value into its HTML.
 */
export function dashboardPages(
  project: Project,
  options: {
    readonly processEnv: Readonly<Record<string, string | undefined>>;
    readonly cwd: string;
    readonly now?: () => Date;
    /** Resolve every environment for the matrix (status, and which values are equal). */
    readonly live?: boolean;
    /**
     * How long one live resolution serves the matrix (default 30 s); the page's
     * "resolve again" link (`?refresh=<nonce>`, one use) resolves again.
     */
    readonly liveTtlMs?: number;
  },
): PageHandler {
  const environments = concreteEnvironmentNames(project.config);
  // One live resolution serves page loads for a while: every resolution reads every
  // secret of every environment (each read an audit record), and reloading a page
  // should not multiply them. Only statuses and letters are kept, never a value or a hash.
  let resolved: { at: Date; columns: Promise<LiveColumns> } | undefined;
  // A forced resolution reads every secret again, so it takes a nonce only a page of this
  // dashboard holds, used once: a request another page could make (an <img>, a replayed
  // link) does not force one.
  const refreshNonces = new Set<string>();
  const mintRefresh = () => {
    const nonce = randomBytes(16).toString("base64url");
    refreshNonces.add(nonce);
    if (refreshNonces.size > 64)
      refreshNonces.delete(refreshNonces.values().next().value as string);
    return nonce;
  };
  const takeRefresh = (given: string | null) => given !== null && refreshNonces.delete(given);
  const live = (refresh: boolean) => {
    const now = options.now?.() ?? new Date();
    if (
      refresh ||
      resolved === undefined ||
      now.getTime() - resolved.at.getTime() > (options.liveTtlMs ?? 30_000)
    ) {
      const columns = liveColumns(project, environments, options);
      resolved = { at: now, columns };
      // A failed resolution is not kept: the next load tries again.
      columns.catch(() => {
        if (resolved?.columns === columns) resolved = undefined;
      });
    }
    return resolved;
  };
  return async (url) => {
    switch (url.pathname) {
      case "/": {
        const current =
          options.live === true ? live(takeRefresh(url.searchParams.get("refresh"))) : undefined;
        return layout(
          "Environments",
          matrix(
            project,
            environments,
            options.processEnv,
            current === undefined
              ? undefined
              : { at: current.at, columns: await current.columns, refresh: mintRefresh() },
          ),
        );
      }
      case "/vault":
        return layout("Vault", await vaultPage(project, environments, options.processEnv));
      case "/inventory":
        return layout("Inventory", await inventoryPage(project, environments, options));
      case "/audit":
        return layout("Audit", auditPage(project, url, options));
      case "/explain":
        return layout("Provenance", await explainPage(project, url, environments, options));
      case "/store":
        return layout("Store", storePage(project, environments, options.processEnv));
      default:
        return undefined;
    }
  };
}

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
const h = (text: string) => escapeHtml(redactMessage(text));

function layout(title: string, body: string): string {
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

function table(headers: readonly string[], rows: readonly string[][], id: string): string {
  return `<table id="${id}"><thead><tr>${headers.map((x) => `<th>${h(x)}</th>`).join("")}</tr></thead><tbody>${rows
    .map((cells) => `<tr>${cells.join("")}</tr>`)
    .join("")}</tbody></table>`;
}

/** The environment × variable matrix: where each variable comes from in each environment, and what is wrong. */
function matrix(
  project: Project,
  environments: readonly string[],
  processEnv: Readonly<Record<string, string | undefined>>,
  live?: { readonly at: Date; readonly columns: LiveColumns; readonly refresh: string },
): string {
  const policies = new Map(
    environments.map((name) => [name, selectEnvironment(project.config, name, processEnv)]),
  );
  const rows = Object.entries(project.config.variables).map(([name, spec]) => {
    const cells = environments.map((environment) => {
      const { text, state } = cell(
        spec,
        environment,
        policies.get(environment)?.secretSources ?? [],
      );
      const first = cell(spec, environments[0] as string, []).text;
      const differs = state === "ok" && text !== first ? " different" : "";
      const found = live?.columns.get(environment)?.get(name);
      const status =
        found === undefined
          ? ""
          : found.status === "ok"
            ? ` <span class="value-group" title="environments with the same letter have equal values">${h(found.group ?? "")}</span>`
            : ` <span class="status-${found.status}">${h(found.status === "problem" ? (found.code ?? "problem") : "unset")}</span>`;
      return `<td class="${state}${differs}" data-env="${h(environment)}">${h(text)}${status}</td>`;
    });
    const link = `<a href="explain?name=${encodeURIComponent(name)}">${h(name)}</a>`;
    return [
      `<th scope="row">${link}${spec.secret === true ? ' <span class="tag">secret</span>' : ""}</th>`,
      ...cells,
    ];
  });
  const legend =
    (live === undefined
      ? ""
      : `<p class="legend" id="live">Resolved live at <time datetime="${h(live.at.toISOString())}">${h(live.at.toISOString().slice(11, 19))} UTC</time> (<a href="./?refresh=${h(live.refresh)}">resolve again</a>): cells with the same letter hold equal values (compared by HMAC under a key made for that resolution and then dropped).</p>`) +
    '<p class="legend"><span class="missing">missing</span> required, nothing declared · <span class="forbidden">forbidden</span> its source is not allowed there · <span class="ok different">different</span> declared otherwise than in the first environment</p>';
  return `${legend}${table(["variable", ...environments], rows, "matrix")}`;
}

type LiveColumns = ReadonlyMap<
  string,
  ReadonlyMap<string, { status: "ok" | "unset" | "problem"; code?: string; group?: string }>
>;

/**
 * Every environment resolved (each under its own policy), and for each variable
 * a letter per distinct value: equal values share a letter. The letters come
 * from HMACs under a key drawn for this page and dropped with it, so nothing on
 * the page, or across pages, lets anyone test a guess.
 */
async function liveColumns(
  project: Project,
  environments: readonly string[],
  options: { processEnv: Readonly<Record<string, string | undefined>>; cwd: string },
): Promise<LiveColumns> {
  const key = randomBytes(32);
  const resolutions = await Promise.all(
    environments.map((environment) =>
      resolveProject(project, {
        environment,
        processEnv: options.processEnv,
        cwd: options.cwd,
        isolateCredentials: true,
      }),
    ),
  );
  const columns = new Map<
    string,
    Map<string, { status: "ok" | "unset" | "problem"; code?: string; group?: string }>
  >();
  const letters = new Map<string, Map<string, string>>();
  for (const [i, environment] of environments.entries()) {
    const resolution = resolutions[i] as (typeof resolutions)[number];
    const column = new Map<
      string,
      { status: "ok" | "unset" | "problem"; code?: string; group?: string }
    >();
    for (const name of Object.keys(project.config.variables)) {
      const problem = resolution.issues.find((issue) => issue.variable === name);
      const raw = resolution.entries.find((entry) => entry.name === name)?.raw;
      if (problem !== undefined) column.set(name, { status: "problem", code: problem.code });
      else if (raw === undefined) column.set(name, { status: "unset" });
      else {
        const mac = createHmac("sha256", key).update(raw).digest("base64");
        const seen = letters.get(name) ?? new Map<string, string>();
        letters.set(name, seen);
        if (!seen.has(mac)) seen.set(mac, String.fromCharCode(65 + (seen.size % 26)));
        column.set(name, { status: "ok", group: seen.get(mac) as string });
      }
    }
    columns.set(environment, column);
  }
  key.fill(0);
  return columns;
}

/** Each environment's Vault: reachable, sealed, version, and the token's policies (never the token). */
async function vaultPage(
  project: Project,
  environments: readonly string[],
  processEnv: Readonly<Record<string, string | undefined>>,
): Promise<string> {
  const uses = environments.filter((environment) =>
    Object.values(project.config.variables).some((spec) =>
      isVaultRefText(schemaRefFor(spec, environment)),
    ),
  );
  if (uses.length === 0) return "<p>No environment reads from Vault.</p>";
  const { vaultClientFor } = await import("../project/vault-client.js");
  // Each environment's own server and credential (its vault: settings, its credentialPrefix).
  const rows = await Promise.all(
    uses.map(async (environment) => {
      const name = `<th scope="row">${h(environment)}</th>`;
      let client: ReturnType<typeof vaultClientFor>;
      try {
        client = vaultClientFor(project.config, environment, processEnv, { isolated: true });
      } catch (error) {
        const code = (error as { code?: string }).code ?? "error";
        return [name, `<td class="missing" colspan="3">not configured: ${h(code)}</td>`];
      }
      try {
        const health = await client
          .health()
          .catch((error: { code?: string }) => ({ error: error.code ?? "E_VAULT_UNAVAILABLE" }));
        const token = await client
          .lookupSelf()
          .catch((error: { code?: string }) => ({ error: error.code ?? "E_VAULT" }));
        const source = await client.session().then(
          (session) => session.source,
          () => undefined,
        );
        return [
          name,
          `<td>${h(client.http.connection.address)}</td>`,
          "error" in health
            ? `<td class="missing">${h(String(health.error))}</td>`
            : `<td class="${health.sealed === true ? "missing" : "ok"}">${health.sealed === true ? "sealed" : "unsealed"}, ${h(String(health.version ?? "?"))}</td>`,
          "error" in token
            ? `<td class="missing">${h(String(token.error))}</td>`
            : `<td>${h(`${source ?? token.method ?? "token"}${token.role === undefined ? "" : ` (${token.role})`}: ${token.policies.join(", ")}, ttl ${token.ttl}s`)}</td>`,
        ];
      } finally {
        await client.close();
      }
    }),
  );
  return table(["environment", "address", "server", "credential"], rows, "vault");
}

function cell(
  spec: VariableSpec,
  environment: string,
  allowed: readonly string[],
): { text: string; state: "ok" | "missing" | "forbidden" | "optional" } {
  const ref = schemaRefFor(spec, environment);
  const required = isRequired(spec, environment);
  const hasDefault = "default" in spec && spec.default !== undefined;
  if (ref === undefined) {
    if (hasDefault) return { text: "default", state: "ok" };
    return required
      ? { text: "environment only", state: spec.secret === true ? "missing" : "ok" }
      : { text: "optional", state: "optional" };
  }
  const scheme = ref.slice(0, Math.max(0, ref.indexOf("://")));
  const kind = providerFor(scheme)?.kind ?? scheme;
  if (spec.secret === true && allowed.length > 0 && !allowed.includes(kind))
    return { text: `${ref} (not allowed here)`, state: "forbidden" };
  return { text: ref, state: required ? "ok" : "optional" };
}

async function inventoryPage(
  project: Project,
  environments: readonly string[],
  options: { processEnv: Readonly<Record<string, string | undefined>>; now?: () => Date },
): Promise<string> {
  const rows = await inventory({
    config: project.config,
    baseDir: project.baseDir,
    environment: environments[0] as string,
    processEnv: options.processEnv,
    isolateCredentials: true,
    ...(options.now === undefined ? {} : { now: options.now }),
  });
  if (rows.length === 0) return "<p>No variable declares a rotation or an expiry.</p>";
  return `${rotationChart(rows, options.now?.() ?? new Date())}${table(
    ["secret", "owner", "every", "last rotated", "next due", "expires", "state"],
    rows.map((row) => [
      `<th scope="row">${h(row.name)}</th>`,
      `<td>${h(row.owner ?? "")}</td>`,
      `<td>${h(row.every ?? "")}</td>`,
      `<td>${h(row.lastRotated ?? "never")}</td>`,
      `<td>${h(row.nextDue ?? "")}</td>`,
      `<td>${h(row.expires ?? "")}</td>`,
      `<td class="${row.overdue || row.expired ? "missing" : "ok"}">${row.expired ? "expired" : row.overdue ? "overdue" : "ok"}</td>`,
    ]),
    "inventory",
  )}`;
}

/**
 * Each rotating secret on a time line from 90 days ago to 90 days ahead: its last
 * rotation, its next due date, the span between in green (red once overdue), and
 * a line for today. An inline SVG, like the audit chart.
 */
function rotationChart(
  rows: ReadonlyArray<{ name: string; lastRotated?: string; nextDue?: string; overdue: boolean }>,
  now: Date,
): string {
  const rotating = rows.filter((row) => row.nextDue !== undefined);
  if (rotating.length === 0) return "";
  const day = 86_400_000;
  const start = now.getTime() - 90 * day;
  const width = 560;
  const x = (time: number) =>
    120 + Math.max(0, Math.min(width, ((time - start) / (180 * day)) * width));
  const lines = rotating
    .map((row, i) => {
      const y = 20 + i * 22;
      const from = row.lastRotated === undefined ? start : Date.parse(row.lastRotated);
      const due = Date.parse(row.nextDue as string);
      return `<g><title>${h(row.name)}: last rotated ${h(row.lastRotated ?? "never")}, due ${h(row.nextDue as string)}</title>
<text x="0" y="${y + 12}">${h(row.name.slice(0, 18))}</text>
<rect class="${row.overdue ? "bar-bad" : "bar-ok"}" x="${x(from)}" y="${y}" width="${Math.max(2, x(due) - x(from))}" height="14"/></g>`;
    })
    .join("");
  const today = x(now.getTime());
  const height = 30 + rotating.length * 22;
  return `<figure><svg id="rotations" viewBox="0 0 700 ${height}" role="img" aria-label="rotations: last rotated to next due, 90 days either side of today">${lines}<line class="today" x1="${today}" x2="${today}" y1="10" y2="${height - 10}"/></svg><figcaption>Last rotation to next due date, 90 days either side of today (red: overdue)</figcaption></figure>`;
}

function auditPage(
  project: Project,
  url: URL,
  options: { processEnv: Readonly<Record<string, string | undefined>>; now?: () => Date },
): string {
  const file = projectAuditFile(project, options.processEnv);
  if (file === undefined || !existsSync(file)) return "<p>No audit log yet.</p>";
  const outcome = url.searchParams.get("outcome") ?? undefined;
  const name = url.searchParams.get("name") ?? undefined;
  const { events } = queryAudit(file, {
    ...(outcome === undefined || outcome === "" ? {} : { outcome: outcome as "ok" }),
    ...(name === undefined || name === "" ? {} : { names: [name] }),
  });
  const recent = events.slice(-200).reverse();
  const filters = `<form method="get" action="audit"><label>name <input name="name" value="${h(name ?? "")}"></label>
<label>outcome <select name="outcome">${["", "ok", "denied", "error", "missing"]
    .map((o) => `<option${o === (outcome ?? "") ? " selected" : ""}>${o}</option>`)
    .join("")}</select></label><button>filter</button></form>`;
  return `${filters}${chart(events, options.now?.() ?? new Date())}${table(
    ["time", "action", "who", "environment", "name", "source", "outcome"],
    recent.map((event) => [
      `<td>${h(event.time)}</td>`,
      `<td>${h(event.action)}</td>`,
      `<td>${h(event.actor?.user ?? "")}</td>`,
      `<td>${h(event.environment ?? "")}</td>`,
      `<td>${h(event.variable ?? event.secret ?? "")}</td>`,
      `<td>${h(event.source)}</td>`,
      `<td class="${event.outcome === "ok" ? "ok" : "missing"}">${h(event.outcome)}</td>`,
    ]),
    "audit",
  )}`;
}

/** Accesses per day over the last 14 days, refused ones stacked in red: an inline SVG, no script. */
function chart(events: ReadonlyArray<{ time: string; outcome: string }>, now: Date): string {
  const days = Array.from({ length: 14 }, (_, i) => {
    const day = new Date(now.getTime() - (13 - i) * 86_400_000).toISOString().slice(0, 10);
    const on = events.filter((event) => event.time.startsWith(day));
    return {
      day,
      ok: on.filter((e) => e.outcome === "ok").length,
      other: on.filter((e) => e.outcome !== "ok").length,
    };
  });
  const max = Math.max(1, ...days.map((d) => d.ok + d.other));
  const bars = days
    .map((d, i) => {
      const x = 10 + i * 40;
      const okHeight = Math.round((d.ok / max) * 120);
      const otherHeight = Math.round((d.other / max) * 120);
      return `<g><title>${d.day}: ${d.ok} ok, ${d.other} refused or failed</title>
<rect class="bar-ok" x="${x}" y="${140 - okHeight - otherHeight}" width="30" height="${okHeight}"/>
<rect class="bar-bad" x="${x}" y="${140 - otherHeight}" width="30" height="${otherHeight}"/>
<text x="${x + 15}" y="155" text-anchor="middle">${d.day.slice(5)}</text></g>`;
    })
    .join("");
  return `<figure><svg id="chart" viewBox="0 0 580 160" role="img" aria-label="accesses per day, last 14 days">${bars}</svg><figcaption>Accesses per day (red: denied, missing or failed)</figcaption></figure>`;
}

async function explainPage(
  project: Project,
  url: URL,
  environments: readonly string[],
  options: { processEnv: Readonly<Record<string, string | undefined>>; cwd: string },
): Promise<string> {
  const name = url.searchParams.get("name") ?? "";
  const environment = url.searchParams.get("env") ?? (environments[0] as string);
  if (!Object.hasOwn(project.config.variables, name))
    return `<p>${h(name)} is not in the schema.</p>`;
  const resolution = await resolveProject(project, {
    environment,
    processEnv: options.processEnv,
    cwd: options.cwd,
  });
  const entry = resolution.entries.find((candidate) => candidate.name === name);
  const issues = resolution.issues.filter((issue) => issue.variable === name);
  const switcher = environments
    .map(
      (env) =>
        `<a href="explain?name=${encodeURIComponent(name)}&amp;env=${encodeURIComponent(env)}"${env === environment ? ' class="here"' : ""}>${h(env)}</a>`,
    )
    .join(" ");
  const winner = entry?.provenance.winner;
  return `<p class="envs">${switcher}</p><h2 id="variable">${h(name)} in ${h(environment)}</h2>
<dl id="provenance"><dt>status</dt><dd>${h(entry?.provenance.status ?? "unset")}</dd>
<dt>from</dt><dd>${h(winner === undefined ? "nowhere" : `${winner.place} (${winner.kind}${winner.ref ? ` ${winner.ref}` : ""}${winner.version === undefined ? "" : ` v${winner.version}`})`)}</dd>
${(entry?.provenance.shadowed ?? []).map((s) => `<dt>shadowed</dt><dd>${h(`${s.place}: ${s.reason}`)}</dd>`).join("")}
${issues.map((issue) => `<dt>problem</dt><dd class="missing">${h(`${issue.code}: ${issue.message}`)}</dd>`).join("")}</dl>`;
}

function storePage(
  project: Project,
  environments: readonly string[],
  processEnv: Readonly<Record<string, string | undefined>>,
): string {
  const sections = [undefined, ...environments].flatMap((environment) => {
    const base = storeDirectory(project.config, project.baseDir, processEnv);
    const dir = environment === undefined ? base : environmentStore(base, environment);
    const keyring = join(dir, "keyring.sbx");
    if (!existsSync(keyring)) return environment === undefined ? ["<p>No store.</p>"] : [];
    const { master } = peekKeyring(readFileSync(keyring), keyring);
    const recipients = master.kind === "recipients" ? recipientsOf(master, keyring) : [];
    const secrets = existsSync(join(dir, "secrets"))
      ? readdirSync(join(dir, "secrets")).filter((file) => file.endsWith(".sbx")).length
      : 0;
    const who =
      master.kind === "recipients"
        ? `<ul class="recipients">${recipients.map((r) => `<li>${h(r.name ?? "-")} · ${h(r.type)} · <code>${h(r.recipient.slice(0, 64))}</code></li>`).join("")}</ul>`
        : `<p>Opened with ${master.kind === "passphrase" ? "a passphrase" : "a master key file"} (no recipients).</p>`;
    return [
      `<section><h2>${h(environment === undefined ? "The project's store" : `${environment}'s own store`)}</h2><p>${secrets} secret(s) · <code>${h(dir)}</code></p>${who}</section>`,
    ];
  });
  return sections.join("");
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
line.today{stroke:#1d2330;stroke-dasharray:3 3}`;
