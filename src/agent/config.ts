import { readFileSync } from "node:fs";
import { dirname } from "node:path";
import { StrongboxError } from "../errors.js";
import { providerConfigs } from "../providers/registry.js";
import { checkOutputPath, outputMode } from "../render/output-file.js";
import { parseDuration } from "../schema/coerce.js";
import type { VaultSpec } from "../schema/types.js";
import type { AgentConfig } from "./agent.js";

/** agent.yaml's `rotation:`: run `rotate --due` for one environment every `every` (default 24h). */
export interface AgentRotation {
  readonly intervalMs: number;
  readonly environment?: string;
  /** The Strongbox config (schema) to rotate from; default: the one found from agent.yaml's directory. */
  readonly configPath?: string;
}

/**
 * Reads and checks `agent.yaml`: the interval, the templates (each output
 * path checked before anything runs), the child to supervise, and an
 * optional `vault:` section with the same fields and checks as the config's
 * (address, namespace, auth), and an optional `rotation:`. Throws `E_CONFIG` naming the file and field.
 */
export async function readAgentConfig(
  path: string,
): Promise<AgentConfig & { vault?: VaultSpec; rotation?: AgentRotation }> {
  const { parse } = await import("yaml");
  let raw: {
    interval?: string | number;
    templates?: Array<{ source?: string; destination?: string; mode?: string | number }>;
    exec?: { command?: string[]; on_change?: string };
    vault?: unknown;
    rotation?: { env?: string; every?: string | number; config?: string };
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
  const vaultProblems =
    providerConfigs()
      .find((section) => section.key === "vault")
      ?.validate(raw.vault) ?? [];
  if (vaultProblems.length > 0)
    throw new StrongboxError(
      "E_CONFIG",
      `${path}: ${vaultProblems.map((problem) => problem.message).join("; ")}`,
      {
        hint: "the vault: section takes address, namespace, auth and allowInsecure, as in the config",
      },
    );
  let rotation: AgentRotation | undefined;
  if (raw.rotation !== undefined) {
    const every = parseDuration(String(raw.rotation?.every ?? "24h"));
    if (typeof raw.rotation !== "object" || raw.rotation === null || !every.ok)
      throw new StrongboxError(
        "E_CONFIG",
        `${path}: rotation must be a mapping such as { env: production, every: 24h }`,
      );
    rotation = {
      intervalMs: every.value as number,
      ...(raw.rotation.env === undefined ? {} : { environment: String(raw.rotation.env) }),
      ...(raw.rotation.config === undefined ? {} : { configPath: String(raw.rotation.config) }),
    };
  }
  return {
    ...(rotation === undefined ? {} : { rotation }),
    ...(raw.vault === undefined ? {} : { vault: raw.vault as VaultSpec }),
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
