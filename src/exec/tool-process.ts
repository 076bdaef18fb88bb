import {
  type ChildProcess,
  type ExecFileSyncOptions,
  execFileSync,
  type SpawnOptions,
  type SpawnSyncOptions,
  type SpawnSyncReturns,
  spawn,
  spawnSync,
} from "node:child_process";
import { withoutCredentials } from "../security/credentials.js";

/**
 * The one way Strongbox starts a process that is not the user's own command
 * (git, logger, generator commands, render hooks…): its environment is the
 * one given (or Strongbox's own) with every credential variable removed
 * (`withoutCredentials`). Such a process runs code Strongbox does not vouch
 * for — a repository's `core.fsmonitor`, a hook, a generator — and has no
 * use for Vault's token or a store key. The user's command under `run` and
 * the agent's `exec` are started by `exec/spawn-child.ts` and
 * `agent/agent.ts`, which scrub by the same function and keep what the
 * schema declares; test/security/child-processes.test.ts holds this list.
 */
export function toolEnv(
  env: Readonly<Record<string, string | undefined>> = process.env,
): Record<string, string> {
  return withoutCredentials(env);
}

type Env = Readonly<Record<string, string | undefined>>;

/** `spawnSync` with the environment scrubbed (see {@link toolEnv}). */
export function toolSpawnSync(
  command: string,
  args: readonly string[],
  options: Omit<SpawnSyncOptions, "env"> & { env?: Env } = {},
): SpawnSyncReturns<string | Buffer> {
  return spawnSync(command, args, { ...options, env: toolEnv(options.env) });
}

/** `execFileSync` with the environment scrubbed (see {@link toolEnv}). */
export function toolExecFileSync(
  command: string,
  args: readonly string[],
  options: Omit<ExecFileSyncOptions, "env"> & { env?: Env } = {},
): Buffer {
  return execFileSync(command, args, { ...options, env: toolEnv(options.env) }) as Buffer;
}

/** `spawn` with the environment scrubbed (see {@link toolEnv}). */
export function toolSpawn(
  command: string,
  args: readonly string[],
  options: Omit<SpawnOptions, "env"> & { env?: Env } = {},
): ChildProcess {
  return spawn(command, args, { ...options, env: toolEnv(options.env) });
}
