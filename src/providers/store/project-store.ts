import { resolve } from "node:path";
import { auditFileFor } from "../../audit/audit.js";
import { findConfigIfAny } from "../../config/find-config.js";
import { loadConfigFile } from "../../config/load-file.js";
import { storeDirectory } from "./directory.js";

/**
 * Which store a command outside resolution works on, and where its access is
 * recorded: `store` (a `--store` given, relative to `cwd`), else
 * `STRONGBOX_STORE_DIR`, else the config's `store.path` when a config is
 * found (`configPath`, or searched from `cwd`), else `.strongbox` in `cwd`.
 * The audit file: the one rule of `auditFileFor` (the config's `audit.file`, else
 * `STRONGBOX_AUDIT_FILE`).
 */
export async function projectStore(options: {
  readonly cwd: string;
  readonly env: Readonly<Record<string, string | undefined>>;
  readonly store?: string | undefined;
  readonly configPath?: string | undefined;
}): Promise<{ readonly dir: string; readonly auditFile?: string }> {
  const audit = (file: string | undefined) => (file === undefined ? {} : { auditFile: file });
  if (options.store !== undefined)
    return {
      dir: resolve(options.cwd, options.store),
      ...audit(auditFileFor(undefined, options.cwd, options.env)),
    };
  const configPath = findConfigIfAny(options.cwd, options.configPath);
  if (configPath === undefined)
    return {
      dir: storeDirectory({}, options.cwd, options.env),
      ...audit(auditFileFor(undefined, options.cwd, options.env)),
    };
  const config = await loadConfigFile(configPath, options.env);
  const base = resolve(configPath, "..");
  return {
    dir: storeDirectory(config, base, options.env),
    ...audit(auditFileFor(config, base, options.env)),
  };
}
