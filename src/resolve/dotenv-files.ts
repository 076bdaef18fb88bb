import type { KeyObject } from "node:crypto";
import { readFileSync } from "node:fs";
import { basename, relative, resolve } from "node:path";
import { parseDotenv } from "../dotenv/parse.js";
import { type Issue, issue } from "../errors.js";
import { parseDuration } from "../schema/coerce.js";
import type { VaultSpec } from "../schema/types.js";
import { isCredentialVariable } from "../security/credentials.js";
import {
  PROVENANCE_SUFFIX,
  type ProvenanceKey,
  publicKeyFrom,
  verifyProvenance,
} from "../security/provenance.js";
import { envValue } from "../util/env-value.js";

/** One parsed `.env` file. */
export interface LoadedFile {
  readonly path: string;
  /** The path as shown to people (relative to the working directory). */
  readonly label: string;
  readonly values: ReadonlyMap<string, { value: string; line: number }>;
  /**
   * With a pinned agent key: the keys the file's provenance record vouches for as read
   * from Vault, or why the record is not accepted (security/provenance.ts).
   */
  readonly provenance?:
    | { readonly keys: ReadonlyMap<string, ProvenanceKey> }
    | { readonly why: string };
}

/** The agent key and record age a config pins (`vault.agentPublicKey`, `vault.agentMaxAge`). */
export interface AgentTrust {
  readonly publicKey: KeyObject;
  readonly maxAgeMs: number;
  /** `vault.allowInsecure`: the agent may have read over a connection pure mode would refuse. */
  readonly allowInsecure: boolean;
}

/** The trust a config's `vault:` section pins, if any (the section is checked when the config loads). */
export function agentTrust(vault: VaultSpec | undefined): AgentTrust | undefined {
  if (vault?.agentPublicKey === undefined) return undefined;
  const age = parseDuration(vault.agentMaxAge ?? "1h");
  return {
    publicKey: publicKeyFrom(vault.agentPublicKey, "vault.agentPublicKey"),
    maxAgeMs: age.ok ? (age.value as number) : 3_600_000,
    allowInsecure: vault.allowInsecure === true,
  };
}

/**
 * Reads `.env` files in order. Explicit files (`-f`) must exist; an environment's
 * default files may be absent. `${VAR}` expands from the process environment
 * first, then from files read earlier and the file's own earlier lines.
 */
export function loadDotenvFiles(
  files: readonly string[],
  options: {
    baseDir: string;
    cwd: string;
    explicit: boolean;
    processEnv: Readonly<Record<string, string | undefined>>;
    trust?: AgentTrust | undefined;
  },
): { files: LoadedFile[]; issues: Issue[] } {
  const loaded: LoadedFile[] = [];
  const issues: Issue[] = [];
  const earlier = new Map<string, string>();
  for (const file of files) {
    const path = resolve(options.explicit ? options.cwd : options.baseDir, file);
    const label = relative(options.cwd, path) || basename(path);
    let bytes: Buffer;
    try {
      bytes = readFileSync(path);
    } catch (error) {
      const code = (error as NodeJS.ErrnoException).code;
      if (code === "ENOENT" && !options.explicit) continue;
      issues.push(
        issue(
          "E_IO",
          `cannot read ${label}: ${code === "ENOENT" ? "no such file" : (code ?? "error")}`,
          { hint: "check the path given to -f" },
        ),
      );
      continue;
    }
    const text = bytes.toString("utf8");
    const parsed = parseDotenv(text, {
      source: label,
      lookup: (name) => envValue(options.processEnv, name) ?? earlier.get(name),
      refuse: isCredentialVariable,
    });
    issues.push(...parsed.issues);
    const values = new Map<string, { value: string; line: number }>();
    for (const entry of parsed.entries) {
      values.set(entry.key, { value: entry.value, line: entry.line });
      earlier.set(entry.key, entry.value);
    }
    const provenance =
      options.trust === undefined ? undefined : vouched(path, bytes, values, options.trust);
    loaded.push({ path, label, values, ...(provenance === undefined ? {} : { provenance }) });
  }
  return { files: loaded, issues };
}

/**
 * The keys a file's provenance record vouches for: the record accepted, and each
 * value as the file itself says (a `${VAR}` filled from outside the file is not
 * what the agent signed).
 */
function vouched(
  path: string,
  bytes: Buffer,
  values: ReadonlyMap<string, { value: string }>,
  trust: AgentTrust,
): NonNullable<LoadedFile["provenance"]> {
  let record: string | undefined;
  try {
    record = readFileSync(`${path}${PROVENANCE_SUFFIX}`, "utf8");
  } catch {
    record = undefined;
  }
  const check = verifyProvenance(basename(path), bytes, record, trust);
  if (!check.ok) return { why: check.why };
  const own = new Map(
    parseDotenv(bytes.toString("utf8"), { lookup: () => undefined }).entries.map((e) => [
      e.key,
      e.value,
    ]),
  );
  const keys = new Map<string, ProvenanceKey>();
  for (const [key, from] of Object.entries(check.keys))
    if (own.get(key) !== undefined && own.get(key) === values.get(key)?.value) keys.set(key, from);
  return { keys };
}
