import { dirname, resolve } from "node:path";
import { type AgentLog, startAgent } from "../../agent/agent.js";
import { readAgentConfig } from "../../agent/config.js";
import { StrongboxError } from "../../errors.js";
import { VaultClient } from "../../vault/client.js";
import { type Command, stringOption } from "../command.js";
import { EXIT_OK } from "../exit-codes.js";

/** `strongbox agent -c agent.yaml`: keep rendered files (and a child) up to date with Vault. */
export const agentCommand: Command = {
  name: "agent",
  options: {
    config: { type: "string", short: "c" },
    once: { type: "boolean" },
    "log-format": { type: "string" },
    help: { type: "boolean", short: "h" },
  },
  usage: `Usage: strongbox agent -c agent.yaml [--once] [--log-format text|json]

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
`,
  async run(invocation, io) {
    const file = stringOption(invocation, "config");
    if (file === undefined) throw new StrongboxError("E_USAGE", "agent: give -c agent.yaml");
    const path = resolve(io.cwd, file);
    const config = await readAgentConfig(path);
    const json = stringOption(invocation, "log-format") === "json";
    const log = (entry: AgentLog) =>
      io.stderr.write(
        json
          ? `${JSON.stringify({ time: new Date().toISOString(), ...entry })}\n`
          : `strongbox agent: ${entry.level}: ${entry.message}\n`,
      );
    const client = VaultClient.fromEnv(io.env, config.vault);
    const stopRenewal =
      invocation.values.once === true
        ? () => {}
        : client.keepAlive((error) =>
            log({ level: "warn", event: "renewal-failed", message: error.message }),
          );
    const agent = startAgent(config, client, {
      baseDir: dirname(path),
      env: io.env,
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
      await client.close();
    }
  },
};
