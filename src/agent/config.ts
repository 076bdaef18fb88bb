import { readFileSync } from "node:fs";
import { dirname, isAbsolute, resolve } from "node:path";
import { StrongboxError } from "../errors.js";
import { providerConfigs } from "../providers/registry.js";
import { checkOutputPath, outputMode } from "../render/output-file.js";
import { parseDuration } from "../schema/coerce.js";
import type { VaultSpec } from "../schema/types.js";
import { readSigningKey } from "../security/provenance.js";
import type { AgentConfig } from "./types.js";

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
  const raw = await readRaw(path);
  const interval = parseDuration(String(raw.interval ?? "30s"));
  if (!interval.ok)
    throw new StrongboxError("E_CONFIG", `${path}: interval must be a duration such as 30s`);
  const outputDirs = readOutputDirs(raw, path);
  const rotation = readRotation(raw, path);
  const templates = readTemplates(raw, path, outputDirs, rotation !== undefined);
  checkVaultSection(raw, path);
  const exec = readExec(raw);
  const provenance = readProvenance(raw, path);
  return {
    ...(rotation === undefined ? {} : { rotation }),
    ...(raw.vault === undefined ? {} : { vault: raw.vault as VaultSpec }),
    intervalMs: interval.value as number,
    templates,
    ...(outputDirs.length === 0 ? {} : { outputDirs }),
    ...(provenance === undefined ? {} : { provenance }),
    ...(raw.env === undefined ? {} : { environment: String(raw.env) }),
    ...(exec === undefined ? {} : { exec }),
  };
}

/** agent.yaml as written, before any check. */
interface RawAgentConfig {
  interval?: string | number;
  templates?: Array<{ source?: string; destination?: string; mode?: string | number }>;
  exec?: { command?: string[]; on_change?: string };
  vault?: unknown;
  rotation?: { env?: string; every?: string | number; config?: string };
  output_dirs?: unknown;
  provenance?: { key?: string; refresh?: string | number };
  env?: string;
}

async function readRaw(path: string): Promise<RawAgentConfig> {
  const { parse } = await import("yaml");
  try {
    return parse(readFileSync(path, "utf8")) ?? {};
  } catch (error) {
    throw new StrongboxError(
      "E_CONFIG",
      `${path}: cannot read the agent config: ${(error as Error).message.split("\n")[0]}`,
      { hint: "see strongbox agent --help for its shape" },
    );
  }
}

/**
 * The templates, each output path checked (inside agent.yaml's directory or a named
 * output directory) before anything runs. None is fine when the agent only rotates.
 */
function readTemplates(
  raw: RawAgentConfig,
  path: string,
  outputDirs: readonly string[],
  rotates: boolean,
): AgentConfig["templates"] {
  const templates = (raw.templates ?? []).map((t, i) => {
    if (!t.source || !t.destination)
      throw new StrongboxError("E_CONFIG", `${path}: templates[${i}] needs source and destination`);
    checkOutputPath(t.destination, dirname(path), agentOutputRules(dirname(path), outputDirs));
    return {
      source: t.source,
      destination: t.destination,
      mode: outputMode(t.mode, `${path}: templates[${i}].mode`),
    };
  });
  if (templates.length === 0 && !rotates)
    throw new StrongboxError("E_CONFIG", `${path}: no templates`, {
      hint: "give templates:, or rotation: for an agent that only rotates",
    });
  return templates;
}

/**
 * Where the agent may write: its own directory and the directories agent.yaml names
 * in `output_dirs` (a sidecar's shared volume such as /etc/vault/secrets); the one
 * rule for every check of an agent's destination.
 */
export function agentOutputRules(baseDir: string, outputDirs: readonly string[] = []) {
  return { root: baseDir, also: outputDirs };
}

/** `output_dirs`: absolute directories, never `/` (that would confine nothing). */
function readOutputDirs(raw: RawAgentConfig, path: string): string[] {
  if (raw.output_dirs === undefined) return [];
  const dirs = raw.output_dirs;
  if (!Array.isArray(dirs) || dirs.some((dir) => typeof dir !== "string"))
    throw new StrongboxError("E_CONFIG", `${path}: output_dirs must be a list of directories`);
  for (const dir of dirs as string[])
    if (!isAbsolute(dir) || resolve(dir) === "/")
      throw new StrongboxError(
        "E_CONFIG",
        `${path}: output_dirs: ${JSON.stringify(dir)} must be an absolute directory other than /`,
        { hint: "name the directory the rendered files go to, such as /etc/vault/secrets" },
      );
  return (dirs as string[]).map((dir) => resolve(dir));
}

/** The `vault:` section takes the config's fields, checked by the same rules. */
function checkVaultSection(raw: RawAgentConfig, path: string): void {
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
}

function readRotation(raw: RawAgentConfig, path: string): AgentRotation | undefined {
  if (raw.rotation === undefined) return undefined;
  const every = parseDuration(String(raw.rotation?.every ?? "24h"));
  if (typeof raw.rotation !== "object" || raw.rotation === null || !every.ok)
    throw new StrongboxError(
      "E_CONFIG",
      `${path}: rotation must be a mapping such as { env: production, every: 24h }`,
    );
  return {
    intervalMs: every.value as number,
    ...(raw.rotation.env === undefined ? {} : { environment: String(raw.rotation.env) }),
    ...(raw.rotation.config === undefined ? {} : { configPath: String(raw.rotation.config) }),
  };
}

/** `provenance: { key: PATH, refresh: 10m }`: the signing key (relative to agent.yaml) and how often to sign again. */
function readProvenance(raw: RawAgentConfig, path: string): AgentConfig["provenance"] {
  if (raw.provenance === undefined) return undefined;
  const refresh = parseDuration(String(raw.provenance?.refresh ?? "10m"));
  if (typeof raw.provenance?.key !== "string" || !refresh.ok)
    throw new StrongboxError(
      "E_CONFIG",
      `${path}: provenance must be a mapping such as { key: agent-signing.pem, refresh: 10m }`,
    );
  return {
    key: readSigningKey(resolve(dirname(path), raw.provenance.key)),
    refreshMs: refresh.value as number,
  };
}

function readExec(raw: RawAgentConfig): AgentConfig["exec"] {
  if (raw.exec?.command === undefined) return undefined;
  const onChange = raw.exec.on_change;
  return {
    command: raw.exec.command.map(String),
    ...(onChange === undefined ? {} : { onChange: onChange as "restart" | NodeJS.Signals }),
  };
}
