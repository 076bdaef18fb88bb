import type { ChildProcess } from "node:child_process";
import { randomBytes } from "node:crypto";
import { StrongboxError } from "../errors.js";
import type { VaultClient } from "../vault/client.js";
import type { VaultIdentity } from "../vault/principal.js";
import type { SignedFile } from "./provenance.js";
import type { AgentConfig, AgentLog, AgentOptions } from "./types.js";

/** A lease or certificate the agent keeps current: when, and how. */
export interface Refresh {
  readonly at: number;
  readonly leaseId: string;
  readonly renewable: boolean;
  /** The lease's duration in seconds, asked for again as the renewal's increment. */
  readonly ttl: number;
}

/** What one running agent holds between its polls. */
export interface AgentState {
  readonly config: AgentConfig;
  /**
   * None when the agent only rotates (no templates); an Error when Vault could not be
   * configured (no address), thrown when a template first reads Vault: a template of
   * `{{ strongbox }}` calls over a store-only project needs no Vault.
   */
  readonly client: VaultClient | Error | undefined;
  readonly options: AgentOptions;
  readonly log: (entry: AgentLog) => void;
  stopped: boolean;
  child: ChildProcess | undefined;
  /** Ends the current wait early (set while the loop sleeps). */
  wake: (() => void) | undefined;
  /** The version last seen of every path the templates read. */
  readonly versions: Map<string, string>;
  /** The key of the data hashes of KV v1 secrets: made per process, so nothing outside it can test guesses. */
  readonly signatureKey: Buffer;
  /** The text last written to each destination. */
  readonly rendered: Map<string, string>;
  /**
   * Responses with a lifetime (leases, certificates) are kept across renders, as
   * consul-template keeps a dependency: a re-render for a KV change must not issue
   * another certificate. Each has a time it is renewed or fetched again.
   */
  readonly kept: Map<string, Promise<unknown>>;
  readonly refresh: Map<string, Refresh>;
  /** The files signed for (agent.yaml's `provenance:`), by destination. */
  readonly signed: Map<string, SignedFile>;
  /** When the scheduled rotation last ran. */
  rotatedAt: number;
  /** Who the agent reads Vault as (asked once, for provenance records). */
  identity?: Promise<VaultIdentity>;
}

export function newAgentState(
  config: AgentConfig,
  client: VaultClient | Error | undefined,
  options: AgentOptions,
): AgentState {
  return {
    config,
    client,
    options,
    log: options.log,
    stopped: false,
    child: undefined,
    wake: undefined,
    versions: new Map(),
    signatureKey: randomBytes(32),
    rendered: new Map(),
    kept: new Map(),
    refresh: new Map(),
    signed: new Map(),
    rotatedAt: Number.NEGATIVE_INFINITY,
  };
}

/** The agent's Vault client; only templates ask for it, and an agent with templates has one. */
export function vaultOf(state: AgentState): VaultClient {
  if (state.client instanceof Error) throw state.client;
  if (state.client === undefined)
    throw new StrongboxError(
      "E_USAGE",
      "agent: templates need Vault, and no Vault client was given",
    );
  return state.client;
}
