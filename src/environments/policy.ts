import { type Issue, issue } from "../errors.js";
import { pureProvider, sourceWords } from "../providers/registry.js";
import type { SourceKind } from "../schema/types.js";
import type { Environment } from "./select.js";

/** Where a resolved value finally came from, as the policy sees it. */
export interface SourceFacts {
  readonly variable: string;
  readonly secret: boolean;
  /** The source that held the value; `default` for a schema default. */
  readonly source: SourceKind | "default";
  /** Human words for the place, e.g. `.env.example line 4` or `the process environment`. */
  readonly place: string;
  /** The value was a literal in a file git tracks (or a `*.example` file). */
  readonly inline: boolean;
  /** A file `strongbox agent` rendered whose provenance record was not accepted (`place` says why). */
  readonly unvouched?: boolean;
  /** The value was read with an administrator (root) credential. */
  readonly rootCredential?: boolean;
}

/**
 * The one place that decides whether a value may be used in an environment.
 * Returns the problem, or undefined when the value is allowed. Only secrets are
 * restricted; plain configuration may come from anywhere. `breakGlass` (an
 * audited `--break-glass` in a pure-mode environment) lifts the source rule
 * alone: defaults, committed literals and root credentials stay refused.
 */
export function checkPolicy(
  env: Environment,
  facts: SourceFacts,
  breakGlass = false,
): Issue | undefined {
  if (!facts.secret) return undefined;
  const variable = facts.variable;
  if (facts.source === "default") {
    if (env.allowSecretDefaults) return undefined;
    return issue(
      "E_FORBIDDEN_SOURCE",
      `${variable}: a secret may not fall back to its schema default in environment "${env.name}"`,
      {
        variable,
        hint: `set it from ${allowedWords(env)}, or remove the default from the schema`,
      },
    );
  }
  if (facts.rootCredential === true && isPureVault(env)) {
    return issue(
      "E_FORBIDDEN_SOURCE",
      `${variable}: read from Vault with a root token in environment "${env.name}"`,
      {
        variable,
        hint: "admin tokens never run applications: use a token with a read-only policy for this app (AppRole), e.g. from `strongbox vault setup`",
      },
    );
  }
  if (facts.inline && !env.allowInlineSecrets) {
    return issue(
      "E_INLINE_SECRET",
      `${variable}: the secret is written as a literal in ${facts.place}, a committed file`,
      {
        variable,
        hint: "move the value out of committed files (an untracked .env, the store or Vault) and keep only a reference there, e.g. store://NAME",
      },
    );
  }
  if (!breakGlass && !env.secretSources.includes(facts.source)) {
    return issue(
      "E_FORBIDDEN_SOURCE",
      `${variable}: secrets in environment "${env.name}" may only come from ${allowedWords(env)}; this one came from ${facts.place}`,
      {
        variable,
        hint: hintFor(env, facts),
      },
    );
  }
  return undefined;
}

function allowedWords(env: Environment): string {
  if (env.secretSources.length === 0) return "nowhere (the environment allows no secret sources)";
  return env.secretSources.map(sourceWords).join(" or ");
}

function hintFor(env: Environment, facts: SourceFacts): string {
  const pure = pureProvider(env.secretSources);
  if (pure !== undefined && facts.unvouched === true)
    return "let `strongbox agent` render and sign the file again: its record must verify with vault.agentPublicKey, match the file, and be younger than vault.agentMaxAge";
  if (pure !== undefined) {
    return `environment "${env.name}" runs in pure ${pure.words} mode: put the secret in ${pure.words} and reference it as ${pure.syntax.replace("KEY", facts.variable)}`;
  }
  return `unset it in ${facts.place}, or allow ${facts.source} in environments.${env.declaredAs}.secrets.from`;
}

/**
 * Pure mode (pure Vault mode in production): secrets may come from one remote
 * secret manager alone, which claims the mode in its provider definition.
 */
export function isPureVault(env: Environment): boolean {
  return pureProvider(env.secretSources) !== undefined;
}
