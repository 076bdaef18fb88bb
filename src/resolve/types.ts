import type { Environment } from "../environments/select.js";
import type { Issue } from "../errors.js";
import type { SourceKind } from "../schema/types.js";
import type { ProvenanceKey } from "../security/provenance.js";

/** Where a candidate value was found, before precedence picks one. */
export type CandidateSource = "env" | "dotenv" | "ref" | "default" | "parent";

/** One place a variable could take its value from. */
export interface Candidate {
  readonly source: CandidateSource;
  /** Human words for the place: `.env line 3`, `the process environment (PORT)`. */
  readonly place: string;
  /** The text found there; never leaves the resolver in reports. */
  readonly raw: string;
  /** The file it was read from, for dotenv candidates. */
  readonly file?: string;
  /** Why this candidate lost, when not simply by precedence (e.g. a Vault fallback). */
  readonly note?: string;
  /** A dotenv value the agent's signed provenance record vouches for as read from Vault. */
  readonly vouched?: ProvenanceKey;
  /** Why a file with a pinned agent key does not vouch for this value (the policy's words). */
  readonly unvouched?: string;
}

/** What `explain` shows for one variable: where it came from and what it shadowed. */
export interface Provenance {
  readonly variable: string;
  /** The environment variable name it is exported as. */
  readonly envName: string;
  readonly secret: boolean;
  readonly required: boolean;
  readonly status: "ok" | "unset" | "problem";
  readonly winner?: {
    readonly source: CandidateSource;
    readonly place: string;
    /** The source kind that finally held the value (the provider for references). */
    readonly kind: SourceKind | "default";
    /** The reference followed, in canonical form. */
    readonly ref?: string;
    readonly version?: number;
  };
  readonly shadowed: ReadonlyArray<{
    readonly source: CandidateSource;
    readonly place: string;
    readonly reason: string;
  }>;
}

/** One resolved variable. `raw` is the string a child process receives. */
export interface ResolvedEntry {
  readonly name: string;
  readonly envName: string;
  readonly secret: boolean;
  /** Personal data (`pii: true`): masked in output like a secret. */
  readonly pii?: boolean;
  readonly raw?: string;
  readonly value?: unknown;
  readonly provenance: Provenance;
}

/** The outcome of a resolution: data, never thrown, so `check` and `explain` can show it all. */
export interface Resolution {
  readonly ok: boolean;
  readonly environment: Environment;
  readonly issues: readonly Issue[];
  /** Things the user should know that did not stop resolution (e.g. a development fallback). */
  readonly warnings?: readonly string[];
  readonly entries: readonly ResolvedEntry[];
  /**
   * Present when `--break-glass` was in force: the reason, and the secrets
   * (names only) that did not come from the environment's pure source.
   */
  readonly breakGlass?: { readonly reason: string; readonly variables: readonly string[] };
}
