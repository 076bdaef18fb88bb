import { randomBytes } from "node:crypto";
import { concreteEnvironmentNames } from "../lifecycle/environments.js";
import type { Project } from "../project/open.js";
import { auditPage } from "./audit-page.js";
import { explainPage } from "./explain-page.js";
import { layout } from "./html.js";
import { inventoryPage } from "./inventory-page.js";
import { type LiveColumns, liveColumns, matrix } from "./matrix.js";
import type { PageHandler } from "./server.js";
import { storePage } from "./store-page.js";
import { vaultPage } from "./vault-page.js";

export { escapeHtml, STYLESHEET } from "./html.js";

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
