import { resolve } from "node:path";
import type { AuditSink } from "../audit/event.js";
import { openAuditSink } from "../audit/open-sink.js";
import { findConfigIfAny } from "../config/find-config.js";
import { loadConfigFile } from "../config/load-file.js";
import { canonicalEnvironment } from "../environments/aliases.js";
import { chooseEnvironment } from "../environments/select.js";
import { type Issue, StrongboxError } from "../errors.js";
import { variablesStoredAs } from "../providers/store/declared-as.js";
import {
  environmentStore,
  environmentStoreOrRoot,
  storeDirectory,
} from "../providers/store/directory.js";
import { registerSecret } from "../redact/registry.js";
import { validateValue } from "../resolve/validate-value.js";
import type { ConfigSpec } from "../schema/types.js";

/**
 * Which store a command outside resolution works on, and where its access is
 * recorded: `store` (a `--store` given, relative to `cwd`), else
 * `STRONGBOX_STORE_DIR`, else the config's `store.path` when a config is
 * found (`configPath`, or searched from `cwd`), else `.strongbox` in `cwd`.
 * With `environment`, that environment's own store when it has one. The audit
 * sink follows the one rule of `auditTarget`.
 */
export async function projectStore(options: {
  readonly cwd: string;
  readonly env: Readonly<Record<string, string | undefined>>;
  readonly store?: string | undefined;
  readonly configPath?: string | undefined;
  readonly stdoutIsData?: boolean;
  /**
   * `--env`. Without it the environment is chosen as resolution chooses it
   * (`STRONGBOX_ENV`, the config's `environmentVariable`, `defaultEnvironment`,
   * `local`), and its own store (`<store>/envs/<name>`) is used when it has one.
   */
  readonly environment?: string | undefined;
  /** `init --env`: the environment's store directory even though it does not exist yet. */
  readonly creating?: boolean;
}): Promise<{ readonly dir: string; readonly audit?: AuditSink; readonly project?: string }> {
  const sink = (config: Parameters<typeof openAuditSink>[0]["config"], baseDir: string) => {
    const audit = openAuditSink({
      config,
      baseDir,
      env: options.env,
      cwd: options.cwd,
      stdoutIsData: options.stdoutIsData ?? true,
    });
    return audit === undefined ? {} : { audit };
  };
  const configPath = findConfigIfAny(options.cwd, options.configPath);
  // Loaded under --store too: its environmentVariable and aliases name the environment as they do for export.
  const config =
    configPath === undefined ? undefined : await loadConfigFile(configPath, options.env);
  const pick = (dir: string) => environmentDirectory(dir, config, options);
  if (options.store !== undefined)
    return { dir: pick(resolve(options.cwd, options.store)), ...sink(undefined, options.cwd) };
  if (configPath === undefined || config === undefined)
    return {
      dir: pick(storeDirectory({}, options.cwd, options.env)),
      ...sink(undefined, options.cwd),
    };
  const base = resolve(configPath, "..");
  return {
    dir: pick(storeDirectory(config, base, options.env)),
    ...sink(config, base),
    // The store's place came from the config: a new store at a new place is not trusted on first use.
    ...(options.env.STRONGBOX_STORE_DIR ? {} : { project: base }),
  };
}

/**
 * The one rule for which store inside `dir` a store command works on: the
 * environment {@link chooseEnvironment} picks — the chooser resolution uses,
 * so `set` writes where `export` reads however the environment was named
 * (`--env`, an alias, `STRONGBOX_ENV`, `environmentVariable`,
 * `defaultEnvironment`). `init` makes the root store unless `--env` names one.
 */
function environmentDirectory(
  dir: string,
  config: ConfigSpec | undefined,
  options: {
    readonly env: Readonly<Record<string, string | undefined>>;
    readonly environment?: string | undefined;
    readonly creating?: boolean;
  },
): string {
  if (options.creating === true) {
    if (options.environment === undefined) return dir;
    return environmentStore(dir, canonicalEnvironment(config, options.environment));
  }
  const { name } = chooseEnvironment(config ?? { variables: {} }, options.environment, options.env);
  return environmentStoreOrRoot(dir, name, options.env);
}

/**
 * Refuses a value the schema would refuse at start-up: each variable that
 * reads this store secret validates it with its own type (a port, a URL, a
 * Standard Schema). Secrets' values are never quoted in the error. `set`
 * checks here before it stores anything.
 */
export async function checkStoreValue(options: {
  readonly name: string;
  readonly value: Buffer;
  readonly cwd: string;
  readonly env: Readonly<Record<string, string | undefined>>;
  /** `--config`: the config to check against; else one is searched from `cwd`. */
  readonly configPath?: string | undefined;
}): Promise<void> {
  const { name, value } = options;
  // A store value is a secret: no message of this process prints it, a validator's included.
  registerSecret(name, value.toString("utf8"));
  const configPath = findConfigIfAny(options.cwd, options.configPath);
  if (configPath === undefined) return;
  const config = await loadConfigFile(configPath, options.env);
  const problems: Issue[] = [];
  for (const [variable, spec] of variablesStoredAs(config, name)) {
    const checked = await validateValue(
      variable,
      spec,
      value.toString("utf8"),
      "the value given to set",
    );
    if (!checked.ok) {
      const { hint: _place, ...problem } = checked.issue;
      problems.push(problem);
    }
  }
  if (problems.length > 0) {
    const error = new StrongboxError(
      "E_INVALID",
      `set: ${name} was not stored: the schema refuses the value`,
      {
        hint: "give a value of the variable's type, or change the type in the schema",
      },
    );
    Object.defineProperty(error, "issues", { value: problems });
    throw error;
  }
}
