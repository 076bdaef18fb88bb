import type { KeyObject } from "node:crypto";
import type { AuditSink } from "../audit/event.js";

/** The agent's configuration (`agent.yaml`). */
export interface AgentConfig {
  /** Polling interval in milliseconds. */
  readonly intervalMs: number;
  readonly templates: ReadonlyArray<AgentTemplate>;
  /** Absolute directories outside the agent's own where templates may be written (`output_dirs`). */
  readonly outputDirs?: readonly string[];
  /**
   * `provenance:`: sign a record beside every file written (security/provenance.ts) with
   * this Ed25519 key, and sign it again after a poll once it is `refreshMs` old.
   */
  readonly provenance?: { readonly key: KeyObject; readonly refreshMs: number };
  /** The environment `{{ strongbox "VAR" }}` and `{{ ref }}` resolve in (`env:`; else rotation's). */
  readonly environment?: string;
  readonly exec?: {
    readonly command: readonly string[];
    /** `restart` (default) stops and starts the child on a change; a signal name sends that signal instead. */
    readonly onChange?: "restart" | NodeJS.Signals;
  };
}

/** One template of `agent.yaml`: its source, its destination (inside the agent's directory or `output_dirs`) and mode. */
export interface AgentTemplate {
  readonly source: string;
  readonly destination: string;
  readonly mode?: number;
}

/** One log record. Names paths and events, never a value. */
export interface AgentLog {
  readonly level: "info" | "warn" | "error";
  readonly event: string;
  readonly message: string;
}

export interface AgentHandle {
  /** Resolves when the agent has stopped. */
  readonly done: Promise<void>;
  stop(): Promise<void>;
}

/** How {@link startAgent} runs: where, with what environment, and where it logs. */
export interface AgentOptions {
  baseDir: string;
  env: Readonly<Record<string, string | undefined>>;
  log: (entry: AgentLog) => void;
  once?: boolean;
  /** The Strongbox config and environment `{{ strongbox "VAR" }}` resolves in (as `render -c -e`). */
  schema?: { readonly configPath?: string; readonly environment?: string };
  /** Where each Vault read of a render is recorded. */
  audit?: AuditSink;
  /**
   * Scheduled rotation (`rotation:` in agent.yaml): `run` rotates what is due and
   * finishes what has soaked, at start and then every `intervalMs` (24 h by
   * default). A rotated Vault secret the templates read moves its version, so the
   * next poll, made at once, re-renders and restarts the child.
   */
  rotation?: {
    readonly intervalMs: number;
    run(): Promise<ReadonlyArray<{ name: string; action: string; detail: string }>>;
  };
}
