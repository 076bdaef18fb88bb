import { existsSync } from "node:fs";
import { queryAudit } from "../audit/query.js";
import { type Project, projectAuditFile } from "../project/open.js";
import { h, table } from "./html.js";

/** The audit tail (newest first, filtered by name and outcome) under a chart of the last 14 days. */
export function auditPage(
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
  const { rows: recent, nav } = paged(events, url, { outcome, name });
  const filters = `<form method="get" action="audit"><label>name <input name="name" value="${h(name ?? "")}"></label>
<label>outcome <select name="outcome">${["", "ok", "denied", "error", "missing"]
    .map((o) => `<option${o === (outcome ?? "") ? " selected" : ""}>${o}</option>`)
    .join("")}</select></label><button>filter</button></form>`;
  return `${filters}${chart(events, options.now?.() ?? new Date())}${nav}${table(
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

/** Records shown on one page of the tail. */
export const AUDIT_PAGE_SIZE = 100;

/**
 * One page of the tail, newest first (`?page=2` is the next older one), and
 * the links between pages, which keep the filters: a long log is read page by
 * page instead of ending at its newest records.
 */
function paged<T>(
  events: readonly T[],
  url: URL,
  filters: { outcome: string | undefined; name: string | undefined },
): { rows: T[]; nav: string } {
  const pages = Math.max(1, Math.ceil(events.length / AUDIT_PAGE_SIZE));
  const asked = Number.parseInt(url.searchParams.get("page") ?? "1", 10);
  const page = Number.isInteger(asked) ? Math.min(Math.max(asked, 1), pages) : 1;
  const end = events.length - (page - 1) * AUDIT_PAGE_SIZE;
  const start = Math.max(0, end - AUDIT_PAGE_SIZE);
  const rows = events.slice(start, end).reverse();
  const link = (to: number, label: string, rel: string) => {
    const query = new URLSearchParams();
    if (filters.name) query.set("name", filters.name);
    if (filters.outcome) query.set("outcome", filters.outcome);
    query.set("page", String(to));
    return `<a rel="${rel}" href="audit?${h(query.toString())}">${label}</a>`;
  };
  const nav = `<p class="pager" id="pager">${page > 1 ? `${link(page - 1, "← newer", "prev")} · ` : ""}records ${events.length === 0 ? 0 : events.length - end + 1}–${events.length - start} of ${events.length} (page ${page} of ${pages})${page < pages ? ` · ${link(page + 1, "older →", "next")}` : ""}</p>`;
  return { rows, nav };
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
