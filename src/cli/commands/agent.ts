import { existsSync, readFileSync } from "node:fs";
import { dirname, resolve } from "node:path";
import { rotateDue } from "../../api/lifecycle.js";
import {
  type AgentLog,
  type AgentRotation,
  readAgentConfig,
  startAgent,
} from "../../api/render.js";
import { VaultClient } from "../../api/vault.js";
import { StrongboxError } from "../../errors.js";
import { openSession, openSessionIfAny } from "../../index.js";
import { type Command, type Invocation, stringOption } from "../command.js";
import { EXIT_OK } from "../exit-codes.js";
import { type CliIo, say, writeLogLine } from "../io.js";

/** `strongbox agent [--agent agent.yaml]`: keep rendered files (and a child) up to date with Vault. */
export const agentCommand: Command = {
  name: "agent",
  options: {
    agent: { type: "string", short: "a" },
    config: { type: "string", short: "c" },
    once: { type: "boolean" },
    "log-format": { type: "string" },
    help: { type: "boolean", short: "h" },
  },
  usage: `Usage: strongbox agent [-a agent.yaml] [-c CONFIG] [--once] [--log-format text|json]

  -a, --agent PATH    the agent's file (default: agent.yaml here)
  -c, --config PATH   the Strongbox config, as for every command (default: the
                      one beside the agent's file); it names the audit log

Authenticates to Vault (the same methods as vault:// refs; tokens are renewed
and revoked on exit), renders the templates, optionally runs a child, then
polls the KV metadata of every path the templates read and re-renders on a
change, restarting the child or sending it a signal. While Vault is
unreachable it keeps the last good files and child. --once renders and exits
(init containers, CI). SIGTERM or SIGINT stop the child and the agent.

agent.yaml:
  interval: 30s
  templates:
    - { source: secrets.ctmpl, destination: app.env, mode: "0600" }
  exec:
    command: [node, server.js]
    on_change: restart        # or a signal such as SIGHUP
  vault:                      # optional; VAULT_ADDR and the other variables win
    address: https://vault.example.com:8200
    auth: { method: approle }
  rotation:                   # optional: rotate --due for this environment, at start
    env: production           # and every 24h (the schema: strongbox.config.* here);
    every: 24h                # an agent.yaml with only rotation: needs no Vault
  env: production             # optional: where {{ strongbox "VAR" }} resolves
  output_dirs: [/etc/vault/secrets]   # optional: further directories it may write
  provenance:                 # optional: sign a record beside each file, so an app
    key: signing.pem          # pinning vault.agentPublicKey counts it as Vault
    refresh: 10m
`,
  async run(invocation, io) {
    const path = agentFile(invocation, io);
    const config = await readAgentConfig(path);
    const json = stringOption(invocation, "log-format") === "json";
    const log = (entry: AgentLog) =>
      writeLogLine(
        io,
        json
          ? { time: new Date().toISOString(), ...entry }
          : `strongbox agent: ${entry.level}: ${entry.message}`,
      );
    // An agent that only rotates, or renders only `{{ strongbox }}` over a store, needs no
    // Vault: a missing address is reported when a template first reads Vault.
    const client = config.templates.length === 0 ? undefined : vaultClientOrError(io, config);
    const stopRenewal =
      invocation.values.once === true || !(client instanceof VaultClient)
        ? () => {}
        : client.keepAlive((error) =>
            log({ level: "warn", event: "renewal-failed", message: error.message }),
          );
    const rotation =
      config.rotation === undefined
        ? undefined
        : await scheduledRotation(config.rotation, dirname(path), io);
    // The agent's Vault reads are recorded by the one rule, with the config beside agent.yaml if any.
    const given = stringOption(invocation, "config");
    const configPath =
      given === undefined || resolve(io.cwd, given) === path ? undefined : resolve(io.cwd, given);
    const schema = await openSessionIfAny({
      cwd: dirname(path),
      configPath,
      processEnv: io.env,
      auditCwd: dirname(path),
      stdoutIsData: false,
    });
    const audit = schema.audit();
    const agent = startAgent(config, client, {
      ...(rotation === undefined ? {} : { rotation }),
      ...(audit === undefined ? {} : { audit }),
      baseDir: dirname(path),
      env: io.env,
      schema: {
        ...(configPath === undefined ? {} : { configPath }),
        ...(config.rotation?.environment === undefined
          ? {}
          : { environment: config.rotation.environment }),
      },
      log,
      once: invocation.values.once === true,
    });
    const stop = () => void agent.stop();
    process.once("SIGTERM", stop);
    process.once("SIGINT", stop);
    try {
      await agent.done;
      return EXIT_OK;
    } finally {
      process.off("SIGTERM", stop);
      process.off("SIGINT", stop);
      stopRenewal();
      if (client instanceof VaultClient) await client.close();
    }
  },
};

function vaultClientOrError(
  io: CliIo,
  config: Awaited<ReturnType<typeof readAgentConfig>>,
): VaultClient | Error {
  try {
    return VaultClient.fromEnv(io.env, config.vault);
  } catch (error) {
    return error as Error;
  }
}

/** The agent's rotation job: `rotate --due` for the environment agent.yaml names, with the project's schema. */
async function scheduledRotation(
  rotation: AgentRotation,
  baseDir: string,
  io: CliIo,
): Promise<{ intervalMs: number; run(): ReturnType<typeof rotateDue> }> {
  const session = await openSession({
    cwd: baseDir,
    configPath: rotation.configPath,
    processEnv: io.env,
    environment: rotation.environment,
    auditCwd: baseDir,
  });
  const audit = session.audit();
  const ctx = {
    config: session.config,
    baseDir: session.baseDir,
    environment: session.environmentName(),
    processEnv: io.env,
    ...(audit === undefined ? {} : { audit }),
  };
  return { intervalMs: rotation.intervalMs, run: () => rotateDue(ctx) };
}

/**
 * The agent's own file: `--agent`, else `agent.yaml` in the working
 * directory. Before `-c` meant the Strongbox config everywhere, it named the
 * agent's file here; an agent file given with `-c` still works, with a note.
 */
function agentFile(invocation: Invocation, io: CliIo): string {
  const named = stringOption(invocation, "agent");
  if (named !== undefined) return resolve(io.cwd, named);
  const legacy = stringOption(invocation, "config");
  if (legacy !== undefined && isAgentFile(resolve(io.cwd, legacy))) {
    say(
      io,
      "strongbox agent: note: -c now names the Strongbox config; give the agent's file with -a",
    );
    return resolve(io.cwd, legacy);
  }
  const fallback = resolve(io.cwd, "agent.yaml");
  if (!existsSync(fallback))
    throw new StrongboxError("E_USAGE", "agent: no agent.yaml here", {
      hint: "give the agent's file with -a PATH",
    });
  return fallback;
}

function isAgentFile(path: string): boolean {
  try {
    return /^templates\s*:/m.test(readFileSync(path, "utf8"));
  } catch {
    return false;
  }
}
