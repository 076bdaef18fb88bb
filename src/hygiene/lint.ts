import { existsSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { parseDotenv } from "../dotenv/parse.js";
import type { Issue } from "../errors.js";
import type { ConfigSpec } from "../schema/types.js";
import { isSafePlaceholder } from "./placeholder.js";
import { type UnignoredRule, unignoredFiles } from "./unignored.js";

/** The rules of `strongbox lint`: each finding's `rule`. */
export type LintRule =
  | UnignoredRule
  | "secret-in-example"
  | "secret-default"
  | "public-name-secret"
  | "root-token-variable"
  | "shared-vault-token";

/** One finding of `strongbox lint`: an `E_LINT` issue with its rule, where, and what to do. Never a value. */
type LintFinding = Issue & { readonly rule: LintRule; readonly hint: string };

const PUBLIC_PREFIX = /^(NEXT_PUBLIC_|VITE_|PUBLIC_|REACT_APP_|NUXT_PUBLIC_|EXPO_PUBLIC_|GATSBY_)/;
const ROOT_TOKEN = /ROOT_TOKEN|ROOT_KEY/;
const VAULT_TOKEN = /^(VAULT|BAO)_.*TOKEN$/;

/**
 * The seeds' DO/DON'T list as checks over a project: files git does not
 * ignore that hold secrets (`.env` files, rendered files, migrate journals), secrets with values in `.env.example`, secrets with schema defaults,
 * secrets whose names publish them into front-end builds, root-token
 * variables in an app's schema, and one Vault token variable shared by
 * several components. Returns every finding at once.
 */
export function lintProject(config: ConfigSpec, baseDir: string): Issue[] {
  const findings: LintFinding[] = [];
  const components = new Set(
    Object.values(config.variables).map((spec) => spec.component ?? "app"),
  );
  for (const [name, spec] of Object.entries(config.variables)) {
    const envName = spec.env ?? name;
    // A local placeholder (`changeme`, a localhost URL) is the safe local default seed 000 asks
    // for; a default that looks like a real credential is a secret committed in the schema.
    if (
      spec.secret === true &&
      spec.default !== undefined &&
      !isSafePlaceholder(String(spec.default))
    ) {
      findings.push({
        code: "E_LINT",
        rule: "secret-default",
        variable: name,
        message: `${name} is a secret whose default in the schema looks like a real credential`,
        hint: "a default is a literal in a committed file: remove it and set the value in the store or Vault, or use a local placeholder",
      });
    }
    if (spec.secret === true && PUBLIC_PREFIX.test(envName)) {
      findings.push({
        code: "E_LINT",
        rule: "public-name-secret",
        variable: name,
        message: `${name} is a secret, but the name ${envName} makes front-end builds bake it into public files`,
        hint: "rename it without the public prefix; only non-secret values may be public",
      });
    }
    if (ROOT_TOKEN.test(envName)) {
      findings.push({
        code: "E_LINT",
        rule: "root-token-variable",
        variable: name,
        message: `${name} looks like a Vault root token in an application's schema`,
        hint: "admin tokens never run applications: use an AppRole or a token with a read-only policy (strongbox vault setup)",
      });
    }
    if (VAULT_TOKEN.test(envName) && spec.component === undefined && components.size > 1) {
      findings.push({
        code: "E_LINT",
        rule: "shared-vault-token",
        variable: name,
        message: `${name} is one Vault token variable shared by ${components.size} components`,
        hint: "give each service its own token (one AppRole per component: strongbox vault setup)",
      });
    }
  }
  findings.push(...secretsInExample(config, baseDir), ...unignoredFiles(baseDir));
  return findings;
}

function secretsInExample(config: ConfigSpec, baseDir: string): LintFinding[] {
  const path = join(baseDir, ".env.example");
  if (!existsSync(path)) return [];
  const secrets = new Set(
    Object.entries(config.variables).flatMap(([name, spec]) =>
      spec.secret === true ? [spec.env ?? name] : [],
    ),
  );
  return parseDotenv(readFileSync(path, "utf8")).entries.flatMap((entry) =>
    secrets.has(entry.key) && !isSafePlaceholder(entry.value)
      ? [
          {
            code: "E_LINT",
            rule: "secret-in-example" as const,
            variable: entry.key,
            message: `.env.example:${entry.line}: the secret ${entry.key} has a value that looks real`,
            hint: "leave secrets empty in .env.example, or use a local placeholder (changeme, localhost URLs)",
          },
        ]
      : [],
  );
}
