import type { Project } from "../project/open.js";
import { isVaultRefText } from "../providers/vault/index.js";
import { schemaRefFor } from "../refs/template.js";
import { h, table } from "./html.js";

/** Each environment's Vault: reachable, sealed, version, and the token's policies (never the token). */
export async function vaultPage(
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
