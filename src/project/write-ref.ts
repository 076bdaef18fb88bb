import { dirname } from "node:path";
import type { AuditEvent, AuditSink } from "../audit/event.js";
import { openAuditSink } from "../audit/open-sink.js";
import { findConfigIfAny } from "../config/find-config.js";
import { loadConfigFile } from "../config/load-file.js";
import { StrongboxError } from "../errors.js";
import { canWrite } from "../providers/provider.js";
import { providerFor } from "../providers/registry.js";
import { formatRef, parseRef, type Ref } from "../refs/ref.js";

/** Where {@link writeToRef} runs: the config it reads provider settings from, and the environment. */
export interface WriteToRefOptions {
  readonly cwd: string;
  readonly env: Readonly<Record<string, string | undefined>>;
  /** An explicit config; else the one found from `cwd`, if any (a write needs none). */
  readonly configPath?: string | undefined;
  /** Write only if the current version is this one (0: only if nothing is there). */
  readonly expectedVersion?: number | undefined;
  /** Where the write is recorded; by default the audit sink of the one rule. */
  readonly audit?: AuditSink | undefined;
}

/**
 * Writes `value` through the write capability of the provider `target`
 * names (`strongbox set NAME --to REF`): any provider that can write is a
 * target, with its own settings from the config when there is one. A target
 * short of a name means the secret named `name`: the key `#name` of a Vault
 * path, the entry `/name` of a Key Vault. Returns
 * the ref written and the version the source gave it.
 */
export async function writeToRef(
  target: string,
  name: string,
  value: string,
  options: WriteToRefOptions,
): Promise<{ readonly ref: Ref; readonly version?: number | undefined }> {
  let ref = parseRef(target, "--to");
  const definition = providerFor(ref.scheme);
  if (definition === undefined)
    throw new StrongboxError("E_REF", `--to: unknown reference scheme "${ref.scheme}://"`);
  try {
    definition.validateRef(ref, "--to");
  } catch (error) {
    // A target short of a name means the secret named like the variable: a key of the
    // path (`vault://secret/app` -> `#NAME`) or an entry under it (`azure-kv://shop` -> `/NAME`).
    if (ref.key !== undefined || Object.keys(ref.params).length > 0) throw error;
    const completed = [`${target}#${name}`, `${target.replace(/\/+$/, "")}/${name}`]
      .map((text) => parseRef(text, "--to"))
      .find((candidate) => {
        try {
          definition.validateRef(candidate, "--to");
          return true;
        } catch {
          return false;
        }
      });
    if (completed === undefined) throw error;
    ref = completed;
  }
  const provider = await definition.create();
  if (!canWrite(provider))
    throw new StrongboxError(
      "E_USAGE",
      `set: ${ref.scheme}:// is a source Strongbox cannot write to`,
      {
        hint: "store it where it is read from with that source's own tools",
      },
    );
  const path = findConfigIfAny(options.cwd, options.configPath);
  const config = path === undefined ? undefined : await loadConfigFile(path, options.env);
  const sections = (config ?? {}) as unknown as Readonly<Record<string, unknown>>;
  const baseDir = path === undefined ? options.cwd : dirname(path);
  const audit =
    options.audit ??
    openAuditSink({ config, baseDir, env: options.env, cwd: options.cwd, stdoutIsData: true });
  const record = (outcome: AuditEvent["outcome"], extra: Partial<AuditEvent>) =>
    audit?.write([
      {
        time: new Date().toISOString(),
        action: "write",
        secret: name,
        source: definition.kind,
        ref: formatRef(ref),
        outcome,
        ...extra,
        pid: process.pid,
      },
    ]);
  let written: { readonly version?: number | undefined };
  try {
    written = await provider.write(
      ref,
      value,
      {
        baseDir,
        processEnv: options.env,
        config: (key) => (Object.hasOwn(sections, key) ? sections[key] : undefined),
      },
      options.expectedVersion === undefined ? {} : { expectedVersion: options.expectedVersion },
    );
  } catch (error) {
    record("error", { code: error instanceof StrongboxError ? error.code : "E_PROVIDER" });
    throw error;
  }
  record("ok", {
    ...(written.version === undefined ? {} : { version: written.version }),
    ...(audit?.digest === undefined ? {} : { valueMac: audit.digest(value) }),
  });
  return { ref, version: written.version };
}
