import { type Issue, issue } from "../../errors.js";
import { parseDuration } from "../../schema/coerce.js";
import { isCredentialVariable } from "../../security/credentials.js";
import { publicKeyFrom } from "../../security/provenance.js";

const VAULT_KEYS: Readonly<Record<string, string>> = {
  address: "string",
  namespace: "string",
  auth: "object",
  allowInsecure: "boolean",
  agentPublicKey: "string",
  agentMaxAge: "string",
};
const AUTH_KEYS: Readonly<Record<string, string>> = {
  method: "string",
  mount: "string",
  role: "string",
  tokenVariables: "object",
};

/**
 * `vault.auth.tokenVariables`: a list of names, each one the credential rule
 * (security/credentials.ts) already classifies, so a variable that carries a
 * Vault token is scrubbed from every child and refused in templates like
 * `VAULT_TOKEN`: naming it in the config never makes a token an ordinary value.
 */
function checkTokenVariables(auth: unknown): Issue[] {
  const names = (auth as { tokenVariables?: unknown } | null)?.tokenVariables;
  if (names === undefined) return [];
  if (!Array.isArray(names) || names.some((name) => typeof name !== "string"))
    return [issue("E_SCHEMA", "vault.auth.tokenVariables: must be a list of variable names")];
  return (names as string[]).flatMap((name) =>
    /^[A-Za-z_][A-Za-z0-9_]*$/.test(name) && isCredentialVariable(name)
      ? []
      : [
          issue(
            "E_SCHEMA",
            `vault.auth.tokenVariables: ${name} is not a credential by Strongbox's rule, so its token would reach child processes and templates`,
            {
              hint: "name a VAULT_* or BAO_* variable whose last word is TOKEN (VAULT_APP_TOKEN, VAULT_ROOT_TOKEN, VAULT__TOKEN)",
            },
          ),
        ],
  );
}

/** Checks the config's `vault:` section: known fields of the right kinds. */
export function validateVaultConfig(value: unknown): Issue[] {
  if (value === undefined) return [];
  if (typeof value !== "object" || value === null)
    return [
      issue("E_SCHEMA", "vault: must be a mapping (address, namespace, auth, allowInsecure)"),
    ];
  const check = (
    section: Record<string, unknown>,
    known: Readonly<Record<string, string>>,
    at: string,
  ) =>
    Object.entries(section).flatMap(([key, field]) =>
      known[key] === undefined
        ? [
            issue("E_SCHEMA", `${at}.${key}: unknown field`, {
              hint: `known: ${Object.keys(known).join(", ")}`,
            }),
          ]
        : typeof field !== known[key]
          ? [issue("E_SCHEMA", `${at}.${key}: must be a ${known[key]}`)]
          : [],
    );
  const section = value as Record<string, unknown>;
  const auth = section.auth;
  return [
    ...check(section, VAULT_KEYS, "vault"),
    ...(typeof auth === "object" && auth !== null
      ? check(auth as Record<string, unknown>, AUTH_KEYS, "vault.auth")
      : []),
    ...(typeof auth === "object" &&
    auth !== null &&
    (auth as { method?: unknown }).method !== undefined &&
    !["token", "approle", "kubernetes", "userpass"].includes(
      String((auth as { method?: unknown }).method),
    )
      ? [issue("E_SCHEMA", "vault.auth.method: must be token, approle, kubernetes or userpass")]
      : []),
    ...(typeof auth === "object" && auth !== null ? checkTokenVariables(auth) : []),
    ...checkAgentTrust(section),
  ];
}

/** `vault.agentPublicKey` (the agent's Ed25519 key) and `vault.agentMaxAge` (a duration) parse. */
function checkAgentTrust(section: Record<string, unknown>): Issue[] {
  const problems: Issue[] = [];
  if (typeof section.agentPublicKey === "string")
    try {
      publicKeyFrom(section.agentPublicKey, "vault.agentPublicKey");
    } catch (error) {
      problems.push(
        issue("E_SCHEMA", (error as Error).message, {
          hint: (error as { hint?: string }).hint ?? "",
        }),
      );
    }
  if (typeof section.agentMaxAge === "string" && !parseDuration(section.agentMaxAge).ok)
    problems.push(issue("E_SCHEMA", "vault.agentMaxAge: must be a duration such as 1h"));
  return problems;
}
