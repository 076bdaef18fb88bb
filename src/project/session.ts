import { dirname } from "node:path";
import type { AuditSink } from "../audit/event.js";
import { auditFileFor, openAuditSink } from "../audit/open-sink.js";
import { findConfigIfAny } from "../config/find-config.js";
import { loadConfigFile } from "../config/load-file.js";
import { canonicalEnvironment } from "../environments/aliases.js";
import { BUILTIN_ENVIRONMENTS } from "../environments/defaults.js";
import { selectEnvironment } from "../environments/select.js";
import { storeDirectory } from "../providers/store/directory.js";
import type { ConfigSpec } from "../schema/types.js";
import { VaultClient } from "../vault/client.js";
import { openProject, type Project } from "./open.js";
import { vaultClientFor } from "./vault-client.js";

type Env = Readonly<Record<string, string | undefined>>;

/** What {@link openSession} opens, and how. */
export interface SessionOptions {
  /** Where the config is looked for (this directory and its parents). */
  readonly cwd: string;
  /** The config file the user named (`-c`); otherwise the one found from `cwd`. */
  readonly configPath?: string | undefined;
  readonly processEnv: Env;
  /** The environment the user named (`-e`); the session's default for {@link ProjectSession.vault}. */
  readonly environment?: string | undefined;
  /**
   * Where the audit sink looks up the git author: the project's directory
   * unless given (a command run from elsewhere passes its working directory).
   */
  readonly auditCwd?: string | undefined;
  /**
   * Standard output is the command's data, so a `stdout` audit sink writes to
   * standard error instead (default true: most commands print a report there).
   */
  readonly stdoutIsData?: boolean | undefined;
  /**
   * {@link openSessionIfAny}: check a config it finds against the schema
   * rules as {@link openSession} does (default: loaded only, for its settings).
   */
  readonly checked?: boolean | undefined;
}

/**
 * One project opened for one piece of work: its config, its audit sink and
 * the Vault clients it talks to, closed together by {@link ProjectSession.close}.
 * The audit sink and the clients are opened on first use, so a command that
 * never reads Vault never builds a client, and an error opening the audit log
 * surfaces where the first record would be written.
 */
export interface ProjectSession<P extends Project | undefined = Project> {
  /** The project, or `undefined` for {@link openSessionIfAny} without a config. */
  readonly project: P;
  /** The config, or `undefined` when no config was found. */
  readonly config: P extends Project ? ConfigSpec : ConfigSpec | undefined;
  /** The directory relative paths in the config are read from (the cwd when there is no config). */
  readonly baseDir: string;
  /** The environments the config declares (the built-in ones when it declares none): the names `--env` takes. */
  environments(): string[];
  /** The selected environment's name: `-e`, else `STRONGBOX_ENV`, the config's default or `local`. */
  environmentName(): string;
  /** The audit sink the config and environment name, opened once; `undefined` when the audit is off. */
  audit(): AuditSink | undefined;
  /** The audit log file the config and environment name, or `undefined` when records go to a stream. */
  auditFile(): string | undefined;
  /**
   * The Vault client an environment's secrets are read with (its `vault:`
   * settings and `credentialPrefix`), or, without a config, this process's
   * `VAULT_*` variables. Built once per environment and closed with the session.
   */
  vault(environment?: string | undefined): VaultClient;
  /**
   * The store's directory: `STRONGBOX_STORE_DIR`, else the config's
   * `store.path`, else `.strongbox` beside the config; with `environment`,
   * that environment's own store when it has one.
   */
  storeDir(environment?: string): string;
  /** Closes every client the session opened; safe to call twice. */
  close(): Promise<void>;
}

/** Opens the project a command works on (found, loaded and checked, as {@link openProject}). */
export async function openSession(options: SessionOptions): Promise<ProjectSession<Project>> {
  const project = await openProject({
    cwd: options.cwd,
    configPath: options.configPath,
    processEnv: options.processEnv,
  });
  return session(project, project.config, project.baseDir, options);
}

/** A session over a project already opened (`cwd` and `configPath` are not read again). */
export function sessionOf(
  project: Project,
  options: Omit<SessionOptions, "cwd" | "configPath">,
): ProjectSession<Project> {
  return session(project, project.config, project.baseDir, { ...options, cwd: project.baseDir });
}

/**
 * Like {@link openSession}, for work that also runs without a project: when
 * no config is found the session has none, and the audit and Vault follow the
 * process's variables alone. A config that is found is loaded but not checked
 * against the schema rules (it is read for its audit and Vault settings).
 */
export async function openSessionIfAny(
  options: SessionOptions,
): Promise<ProjectSession<Project | undefined>> {
  const configPath = findConfigIfAny(options.cwd, options.configPath);
  if (configPath === undefined) return session(undefined, undefined, options.cwd, options);
  if (options.checked === true) return openSession({ ...options, configPath });
  const config = await loadConfigFile(configPath, options.processEnv);
  const baseDir = dirname(configPath);
  return session({ configPath, baseDir, config }, config, baseDir, options);
}

function session<P extends Project | undefined>(
  project: P,
  config: ConfigSpec | undefined,
  baseDir: string,
  options: SessionOptions,
): ProjectSession<P> {
  const env = options.processEnv;
  const clients = new Map<string, VaultClient>();
  let sink: { value: AuditSink | undefined } | undefined;
  return {
    project,
    config: config as ProjectSession<P>["config"],
    baseDir,
    environments: () => Object.keys(config?.environments ?? BUILTIN_ENVIRONMENTS),
    environmentName: () =>
      config === undefined
        ? canonicalEnvironment(undefined, options.environment ?? env.STRONGBOX_ENV ?? "local")
        : selectEnvironment(config, options.environment, env).name,
    audit() {
      sink ??= { value: openSessionSink(config, baseDir, options) };
      return sink.value;
    },
    auditFile: () => auditFileFor(config, baseDir, env),
    vault(environment = options.environment) {
      const key = environment ?? "";
      let client = clients.get(key);
      if (client === undefined) {
        client =
          config === undefined
            ? VaultClient.fromEnv(env)
            : vaultClientFor(config, environment, env);
        clients.set(key, client);
      }
      return client;
    },
    storeDir: (environment) =>
      storeDirectory(
        config ?? {},
        baseDir,
        env,
        environment === undefined ? undefined : canonicalEnvironment(config, environment),
      ),
    async close() {
      const open = [...clients.values()];
      clients.clear();
      // Every client is closed (its token revoked) even when another's close fails.
      await Promise.all(open.map((client) => client.close()));
    },
  };
}

function openSessionSink(
  config: ConfigSpec | undefined,
  baseDir: string,
  options: SessionOptions,
): AuditSink | undefined {
  return openAuditSink({
    config,
    baseDir,
    env: options.processEnv,
    cwd: options.auditCwd ?? baseDir,
    stdoutIsData: options.stdoutIsData ?? true,
  });
}

/** Opens a session, runs `work` with it, and closes it however `work` ends. */
export async function withSession<T>(
  options: SessionOptions,
  work: (session: ProjectSession<Project>) => Promise<T>,
): Promise<T> {
  const opened = await openSession(options);
  try {
    return await work(opened);
  } finally {
    await opened.close();
  }
}
