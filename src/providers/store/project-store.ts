import { resolve } from "node:path";
import type { AuditSink } from "../../audit/audit.js";
import { openAuditSink } from "../../audit/open-sink.js";
import { findConfigIfAny } from "../../config/find-config.js";
import { loadConfigFile } from "../../config/load-file.js";
import { storeDirectory } from "./directory.js";

/**
 * Which store a command outside resolution works on, and where its access is
 * recorded: `store` (a `--store` given, relative to `cwd`), else
 * `STRONGBOX_STORE_DIR`, else the config's `store.path` when a config is
 * found (`configPath`, or searched from `cwd`), else `.strongbox` in `cwd`.
 * The audit sink follows the one rule of `auditTarget`.
 */
export async function projectStore(options: {
  readonly cwd: string;
  readonly env: Readonly<Record<string, string | undefined>>;
  readonly store?: string | undefined;
  readonly configPath?: string | undefined;
  readonly stdoutIsData?: boolean;
}): Promise<{ readonly dir: string; readonly audit?: AuditSink }> {
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
  if (options.store !== undefined)
    return { dir: resolve(options.cwd, options.store), ...sink(undefined, options.cwd) };
  const configPath = findConfigIfAny(options.cwd, options.configPath);
  if (configPath === undefined)
    return { dir: storeDirectory({}, options.cwd, options.env), ...sink(undefined, options.cwd) };
  const config = await loadConfigFile(configPath, options.env);
  const base = resolve(configPath, "..");
  return { dir: storeDirectory(config, base, options.env), ...sink(config, base) };
}
