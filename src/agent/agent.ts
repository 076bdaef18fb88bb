import { createPublicKey } from "node:crypto";
import { publicKeyText } from "../security/provenance.js";
import type { VaultClient } from "../vault/client.js";
import { stopChild } from "./child.js";
import { runAgent } from "./loop.js";
import { newAgentState } from "./state.js";
import type { AgentConfig, AgentHandle, AgentOptions } from "./types.js";

export type { AgentConfig, AgentHandle, AgentLog, AgentOptions, AgentTemplate } from "./types.js";

/**
 * Renders templates from Vault and keeps them current: polls the KV v2
 * metadata (versions, not data) of every path the templates read, re-renders
 * when a version changes, renews leases and fetches dynamic secrets and
 * certificates again at two thirds of their life (`pkiCert` keeps a certificate
 * until a ninth of its life is left, as consul-template does), and restarts or
 * signals the supervised child. While
 * Vault is unreachable or sealed it keeps the last good files and child,
 * says so, and backs off (doubling the interval up to a minute). With `once`
 * it renders and returns. The loop itself is agent/loop.ts. `client` may be an
 * Error (Vault not configured), thrown when a template first reads Vault, or
 * undefined for an agent that only rotates.
 */
export function startAgent(
  config: AgentConfig,
  client: VaultClient | Error | undefined,
  options: AgentOptions,
): AgentHandle {
  const state = newAgentState(config, client, options);
  if (config.provenance !== undefined)
    state.log({
      level: "info",
      event: "provenance-key",
      message: `signing provenance records; pin vault.agentPublicKey: ${publicKeyText(createPublicKey(config.provenance.key))}`,
    });
  const done = runAgent(state);
  return {
    done,
    async stop() {
      state.stopped = true;
      state.wake?.();
      await done.catch(() => undefined);
      await stopChild(state);
    },
  };
}
