import { type Issue, issue } from "../../errors.js";
import { parseDuration } from "../../schema/coerce.js";
import { isCredentialVariable } from "../../security/credentials.js";
import { publicKeyFrom } from "../../security/provenance.js";
import { AUTH_METHOD_NAMES } from "../../vault/auth.js";

const VAULT_KEYS: Readonly<Record<string, string>> = {
  address: "string",
  namespace: "string",
  auth: "object",
  allowInsecure: "boolean",
  addressVariables: "object",
  agentPublicKey: "string",
  agentMaxAge: "string",
};
const AUTH_KEYS: Readonly<Record<string, string>> = {
  method: "string",
  mount: "string",
  role: "string",
  audience: "string",
  tokenVariables: "object",
  roleIdVariables: "object",
  secretIdVariables: "object",
};

const NAME = /^[A-Za-z_][A-Za-z0-9_]*$/;

/** What each list of login variables holds, for the hint. */
const LOGIN_LISTS: Readonly<Record<string, string>> = {
  tokenVariables: "TOKEN (VAULT_APP_TOKEN, VAULT_ROOT_TOKEN, VAULT__TOKEN)",
  roleIdVariables: "ROLE_ID (VAULT__ROLE_ID, VAULT_APP_ROLE_ID)",
  secretIdVariables: "SECRET_ID (VAULT__SECRET_ID, VAULT_APP_SECRET_ID)",
};

/** A list of variable names at `at`, or the issue saying it is not one. */
function nameList(value: unknown, at: string): { names: string[] } | { issue: Issue } {
  if (!Array.isArray(value) || value.some((name) => typeof name !== "string" || !NAME.test(name)))
    return { issue: issue("E_SCHEMA", `${at}: must be a list of variable names`) };
  return { names: value as string[] };
}

/**
 * `vault.auth.tokenVariables`, `roleIdVariables`, `secretIdVariables`:
 * lists of names, each one the credential rule (security/credentials.ts)
 * already classifies, so a variable that carries a Vault login is scrubbed
 * from every child and refused in templates like `VAULT_TOKEN`: naming it in
 * the config never makes a credential an ordinary value.
 */
function checkLoginVariables(auth: unknown): Issue[] {
  return Object.entries(LOGIN_LISTS).flatMap(([field, word]) => {
    const value = (auth as Record<string, unknown> | null)?.[field];
    if (value === undefined) return [];
    const list = nameList(value, `vault.auth.${field}`);
    if ("issue" in list) return [list.issue];
    return list.names
      .filter((name) => !isCredentialVariable(name))
      .map((name) =>
        issue(
          "E_SCHEMA",
          `vault.auth.${field}: ${name} is not a credential by Strongbox's rule, so its value would reach child processes and templates`,
          { hint: `name a VAULT_* or BAO_* variable whose last word is ${word}` },
        ),
      );
  });
}

/** `vault.addressVariables`: names only; an address is not a credential, and a credential is not an address. */
function checkAddressVariables(value: unknown): Issue[] {
  if (value === undefined) return [];
  const list = nameList(value, "vault.addressVariables");
  if ("issue" in list) return [list.issue];
  return list.names
    .filter((name) => isCredentialVariable(name))
    .map((name) =>
      issue(
        "E_SCHEMA",
        `vault.addressVariables: ${name} is a credential by Strongbox's rule, not an address`,
        { hint: "name the variable that holds Vault's URL, such as VAULT__ADDR" },
      ),
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
    !AUTH_METHOD_NAMES.includes(String((auth as { method?: unknown }).method))
      ? [issue("E_SCHEMA", `vault.auth.method: must be one of ${AUTH_METHOD_NAMES.join(", ")}`)]
      : []),
    ...(typeof auth === "object" && auth !== null ? checkLoginVariables(auth) : []),
    ...checkAddressVariables(section.addressVariables),
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
