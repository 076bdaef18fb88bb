import { selectEnvironment } from "../environments/select.js";
import { StrongboxError } from "../errors.js";
import type { Ref } from "../refs/ref.js";
import type { ConfigSpec } from "../schema/types.js";
import { gatherCandidates } from "./candidates.js";
import { loadDotenvFiles } from "./dotenv-files.js";
import { type Picked, pick } from "./pick.js";

/** Where one variable would be read from, without reading any source. */
export interface WinnerOptions {
  /** The config's directory: the environment's `.env` files are read from there. */
  readonly baseDir: string;
  readonly processEnv: Readonly<Record<string, string | undefined>>;
  /** The environment (else `STRONGBOX_ENV`, the config's default, `local`). */
  readonly environment?: string | undefined;
}

/**
 * Ranks `name`'s candidates exactly as resolution does (process environment,
 * the environment's `.env` files, the schema's ref, the default) and returns
 * the pick, reading no source: which place wins, and the reference it names
 * when the winner is one. Undefined when the schema has no such variable.
 * Commands that act on "where the value lives" (`rotate`, `set`'s warnings)
 * ask here, so they follow the same reference `run` would.
 */
export function plannedPick(
  name: string,
  config: ConfigSpec,
  options: WinnerOptions,
): Picked | undefined {
  const spec = Object.hasOwn(config.variables, name) ? config.variables[name] : undefined;
  if (spec === undefined) return undefined;
  const environment = selectEnvironment(config, options.environment, options.processEnv);
  const { files } = loadDotenvFiles(environment.files, {
    baseDir: options.baseDir,
    cwd: options.baseDir,
    explicit: false,
    processEnv: options.processEnv,
  });
  const candidates = gatherCandidates(name, spec, {
    processEnv: options.processEnv,
    files,
    environment,
    preResolved: false,
  });
  return pick(name, spec, candidates, environment, config, false);
}

/**
 * The reference `name`'s value is read from in the environment, by
 * resolution's precedence: a `.env` line `NAME=store://NAME` (as `import
 * --rewrite` writes) as much as the schema's `ref`. Undefined when the
 * winner is a literal value, a default, or nothing; a malformed reference is
 * its `E_REF`.
 */
export function followedRef(
  name: string,
  config: ConfigSpec,
  options: WinnerOptions,
): Ref | undefined {
  const picked = plannedPick(name, config, options);
  if (picked?.problem !== undefined)
    throw new StrongboxError(picked.problem.code, picked.problem.message, {
      ...(picked.problem.hint === undefined ? {} : { hint: picked.problem.hint }),
    });
  return picked?.pending?.ref;
}
