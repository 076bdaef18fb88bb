import { existsSync } from "node:fs";
import { resolve } from "node:path";
import { StrongboxError } from "../errors.js";
import { projectStore } from "../project/store.js";
import { openStore } from "../store/open.js";
import type { Store, StoreOptions } from "../store/store.js";
import { type Invocation, stringOption } from "./command.js";
import type { CliIo } from "./io.js";
import { say } from "./io.js";
import { progressReporter } from "./progress.js";
import { promptHidden } from "./prompt.js";

/** The option every store command takes. */
export const STORE_OPTION = {
  store: { type: "string" as const },
  config: { type: "string" as const, short: "c" },
  env: { type: "string" as const, short: "e" },
};
/** The `--store` line alone, for commands whose -e and -c come from RESOLVE_HELP. */
export const STORE_DIR_HELP = `      --store DIR     the store directory (default: $STRONGBOX_STORE_DIR, the config's
                      store.path, or .strongbox beside the config or here)`;
export const STORE_HELP = `${STORE_DIR_HELP}
  -e, --env NAME      use that environment's own store (made by init --env) when it has
                      one (default: the environment resolution picks: $STRONGBOX_ENV,
                      the config's environmentVariable, defaultEnvironment, local)
  -c, --config PATH   the config file that names the store and audit log`;

/**
 * Settles which store a command works on and how it records access: `--store`,
 * else `STRONGBOX_STORE_DIR`, else the config's `store.path` (when a config is
 * found), else `.strongbox` in the working directory.
 */
export async function storeOptions(
  invocation: Invocation,
  io: CliIo,
  options: { creating?: boolean } = {},
): Promise<StoreOptions> {
  // Which environment's store: projectStore's one rule, the chooser resolution uses.
  const { dir, audit, project } = await projectStore({
    cwd: io.cwd,
    env: io.env,
    store: stringOption(invocation, "store"),
    configPath: stringOption(invocation, "config"),
    environment: stringOption(invocation, "env"),
    ...(options.creating === true ? { creating: true } : {}),
  });
  const lockTimeout = Number(io.env.STRONGBOX_LOCK_TIMEOUT_MS);
  return {
    dir,
    env: io.env,
    ...(project === undefined ? {} : { project }),
    // Every store notice is about trust (a pin taken on first use, a pin naming an older key, a
    // stale endorsement): a warning, which --quiet keeps.
    notice: (message: string) => say(io, `strongbox: warning: ${message}`),
    ...(Number.isFinite(lockTimeout) && lockTimeout > 0 ? { lockTimeoutMs: lockTimeout } : {}),
    passphrase: async () => {
      const answer = await promptHidden(io, "store passphrase: ");
      if (answer === undefined) {
        throw new StrongboxError(
          "E_STORE_KEY",
          "the store needs its passphrase and there is no terminal to ask",
          { hint: "set STRONGBOX_PASSPHRASE" },
        );
      }
      return answer;
    },
    ...(audit === undefined ? {} : { audit }),
    ...withProgress(io),
  };
}

/** Opens the store a command names; `extra` adds to the options the command line settles. */
export async function openStoreForCli(
  invocation: Invocation,
  io: CliIo,
  extra: Partial<StoreOptions> = {},
): Promise<Store> {
  return openStore({ ...(await storeOptions(invocation, io)), ...extra });
}

export function storeExists(dir: string): boolean {
  return existsSync(resolve(dir, "keyring.sbx"));
}

function withProgress(io: CliIo): { onProgress?: NonNullable<StoreOptions["onProgress"]> } {
  const onProgress = progressReporter(io);
  return onProgress === undefined ? {} : { onProgress };
}
