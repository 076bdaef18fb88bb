import { readFileSync } from "node:fs";
import { dirname, resolve } from "node:path";
import { type AgentConfig, type AgentLog, startAgent } from "../../agent/agent.js";
import { StrongboxError } from "../../errors.js";
import { parseDuration } from "../../schema/coerce.js";
import { checkOutputPath, outputMode } from "../../security/output-file.js";
import { VaultClient } from "../../vault/client.js";
import { type Command, stringOption } from "../command.js";

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
    const client = VaultClient.fromEnv(io.env);
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
      return 0;
    } finally {
      process.off("SIGTERM", stop);
      process.off("SIGINT", stop);
      stopRenewal();
      await client.close();
    }
  },
};

async function readAgentConfig(path: string): Promise<AgentConfig> {
  const { parse } = await import("yaml");
  let raw: {
    interval?: string | number;
    templates?: Array<{ source?: string; destination?: string; mode?: string | number }>;
    exec?: { command?: string[]; on_change?: string };
  };
  try {
    raw = parse(readFileSync(path, "utf8")) ?? {};
  } catch (error) {
    throw new StrongboxError(
      "E_CONFIG",
      `${path}: cannot read the agent config: ${(error as Error).message.split("\n")[0]}`,
      { hint: "see strongbox agent --help for its shape" },
    );
  }
  const interval = parseDuration(String(raw.interval ?? "30s"));
  if (!interval.ok)
    throw new StrongboxError("E_CONFIG", `${path}: interval must be a duration such as 30s`);
  const templates = (raw.templates ?? []).map((t, i) => {
    if (!t.source || !t.destination)
      throw new StrongboxError("E_CONFIG", `${path}: templates[${i}] needs source and destination`);
    checkOutputPath(t.destination, dirname(path), { root: dirname(path) });
    return {
      source: t.source,
      destination: t.destination,
      mode: outputMode(t.mode, `${path}: templates[${i}].mode`),
    };
  });
  if (templates.length === 0) throw new StrongboxError("E_CONFIG", `${path}: no templates`);
  const onChange = raw.exec?.on_change;
  return {
    intervalMs: interval.value as number,
    templates,
    ...(raw.exec?.command === undefined
      ? {}
      : {
          exec: {
            command: raw.exec.command.map(String),
            ...(onChange === undefined ? {} : { onChange: onChange as "restart" | NodeJS.Signals }),
          },
        }),
  };
}
