import { dirname } from "node:path";
import { findConfigIfAny } from "../config/find-config.js";
import { loadConfigFile } from "../config/load-file.js";
import { StrongboxError } from "../errors.js";
import { parseRef, type Ref } from "../refs/ref.js";
import { canWrite } from "./provider.js";
import { providerFor } from "./registry.js";

/** Where {@link writeToRef} runs: the config it reads provider settings from, and the environment. */
export interface WriteToRefOptions {
  readonly cwd: string;
  readonly env: Readonly<Record<string, string | undefined>>;
  /** An explicit config; else the one found from `cwd`, if any (a write needs none). */
  readonly configPath?: string | undefined;
  /** Write only if the current version is this one (0: only if nothing is there). */
  readonly expectedVersion?: number | undefined;
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
  const sections =
    path === undefined
      ? {}
      : ((await loadConfigFile(path, options.env)) as unknown as Readonly<Record<string, unknown>>);
  const written = await provider.write(
    ref,
    value,
    {
      baseDir: path === undefined ? options.cwd : dirname(path),
      processEnv: options.env,
      config: (key) => (Object.hasOwn(sections, key) ? sections[key] : undefined),
    },
    options.expectedVersion === undefined ? {} : { expectedVersion: options.expectedVersion },
  );
  return { ref, version: written.version };
}
