import type { SmokeSpec } from "./smoke-spec.js";
import type { StandardSchemaV1 } from "./standard-schema.js";

/** The built-in variable types. Each coerces a string from a source into a typed value. */
export type BuiltinType =
  | "string"
  | "url"
  | "int"
  | "number"
  | "port"
  | "boolean"
  | "enum"
  | "json"
  | "duration"
  | "list";

/** What every variable may declare, whatever its type. */
export interface CommonSpec {
  /** One line for people: shown by `explain`, `.env.example` and errors. */
  readonly description?: string;
  /** A safe example value for documentation; never a real secret. */
  readonly example?: string;
  /** A secret is masked in output, audited when read and held to the environment's secret policy. */
  readonly secret?: boolean;
  /**
   * Personal data (an operator's email, a support phone number): masked in
   * output and logs like a secret, but not held to the secret policy.
   */
  readonly pii?: boolean;
  /** Safe to bake into a front-end build. A variable cannot be both `secret` and `public`. */
  readonly public?: boolean;
  /**
   * `true` (the default): required everywhere; `false`: optional everywhere; a list of
   * environment names or globs (`["production", "pr-*"]`): required only there.
   */
  readonly required?: boolean | readonly string[];
  /** The environment variable name; defaults to the key in `variables`. */
  readonly env?: string;
  /** Other names read when the main name is not set, in order. */
  readonly aliases?: readonly string[];
  /**
   * Where the value lives: a reference such as `store://DB_PASSWORD`, or a map from
   * environment name or glob to a reference (`{ production: "vault://…", "*": "store://…" }`).
   */
  readonly ref?: string | Readonly<Record<string, string>>;
  /** The component (service) this variable belongs to; used by Vault path templates. */
  readonly component?: string;
  /**
   * How the secret is rotated, for every environment or per environment (names or
   * globs, as `ref`): `{ every: "90d", generator: "bytes:32", overlap: "24h", soak: "24h" }`.
   */
  readonly rotation?: RotationSpec | Readonly<Record<string, RotationSpec>>;
  /** When the secret stops being valid (an RFC 3339 date or time, such as a certificate's end). */
  readonly expires?: string;
  /** How long before it is due or expires `check` starts warning (a duration; default 14d). */
  readonly warnBefore?: string;
  /** The components or services that use the value, for the inventory and a compromise's blast radius. */
  readonly usedBy?: readonly string[];
  /** Who answers for the secret (a team or person), for the inventory. */
  readonly owner?: string;
  /** Variables in the same blast radius: a compromise of this one rotates them too. */
  readonly rotatesWith?: readonly string[];
  /**
   * Checked by `strongbox smoke`: `true`, `"critical"` to run under
   * `--critical-only` as well, or a mapping saying how (`{ https: { url,
   * header, status } }`, `{ s3: { endpoint: S3_ENDPOINT, … } }`, `critical`).
   */
  readonly smoke?: SmokeSpec;
}

/** A secret's rotation policy (see docs/lifecycle.md). */
export interface RotationSpec {
  /** The cadence, a duration such as `90d`; the secret is due that long after its last rotation. */
  readonly every: string;
  /**
   * How a new value is made: a shorthand (`bytes:32`, `hex:16`, `password:24`, `uuid`,
   * `ed25519`, `wireguard`…) or a generator object; without one, rotation needs a value given.
   */
  readonly generator?: string | Readonly<Record<string, unknown>>;
  /** How long the previous value stays readable (as NAME_PREVIOUS) after a rotation; default 24h. */
  readonly overlap?: string;
  /** How long before the previous version is retired by `rotate --finish`/`--due`; default 24h. */
  readonly soak?: string;
}

export interface StringSpec extends CommonSpec {
  readonly type?: "string";
  readonly default?: string;
  /** A regular expression (source text) the whole value must match. */
  readonly pattern?: string;
}
export interface UrlSpec extends CommonSpec {
  readonly type: "url";
  readonly default?: string;
  /** Allowed protocols without the colon, e.g. `["https", "postgres"]`. */
  readonly protocols?: readonly string[];
}
export interface IntSpec extends CommonSpec {
  readonly type: "int";
  readonly default?: number;
  readonly min?: number;
  readonly max?: number;
}
export interface NumberSpec extends CommonSpec {
  readonly type: "number";
  readonly default?: number;
  readonly min?: number;
  readonly max?: number;
}
export interface PortSpec extends CommonSpec {
  readonly type: "port";
  readonly default?: number;
}
export interface BooleanSpec extends CommonSpec {
  readonly type: "boolean";
  readonly default?: boolean;
}
export interface EnumSpec<V extends string = string> extends CommonSpec {
  readonly type: "enum";
  readonly values: readonly V[];
  readonly default?: NoInfer<V>;
}
export interface JsonSpec extends CommonSpec {
  readonly type: "json";
  readonly default?: unknown;
}
export interface DurationSpec extends CommonSpec {
  readonly type: "duration";
  /** `"30s"`, `"1h30m"`, or milliseconds as a number. */
  readonly default?: string | number;
}
export interface ListSpec extends CommonSpec {
  readonly type: "list";
  /** Item separator; `","` by default. Items are trimmed and empty items dropped. */
  readonly separator?: string;
  readonly default?: readonly string[];
}
/** A variable validated by any Standard Schema validator (zod, valibot, arktype, …). */
export interface StandardSpec<S extends StandardSchemaV1 = StandardSchemaV1> extends CommonSpec {
  readonly type?: undefined;
  readonly schema: S;
  /** The default as the string a source would hold; it goes through the validator too. */
  readonly default?: string;
}

export type VariableSpec =
  | StringSpec
  | UrlSpec
  | IntSpec
  | NumberSpec
  | PortSpec
  | BooleanSpec
  | EnumSpec
  | JsonSpec
  | DurationSpec
  | ListSpec
  | StandardSpec;

export type VariableMap = Readonly<Record<string, VariableSpec>>;

/**
 * A source kind as environments name it in `secrets.from`: `dotenv`, or the
 * kind of a registered provider (`env`, `file`, `store`, `vault`, …). The
 * schema check validates it against the provider registry, so adding a
 * provider needs no edit here.
 */
export type SourceKind = string;

/** A named environment's sources and policy. Names may be globs such as `pr-*`. */
export interface EnvironmentSpec {
  readonly description?: string;
  /**
   * This environment's own credentials: with `PRODUCTION_`, its sources are
   * read with `PRODUCTION_VAULT_TOKEN` (`_ROLE_ID`, `_ADDR`, `AWS_…`, any
   * credential or connection variable) in place of the unprefixed one. When
   * one process reads several environments (`diff --live`, `ui --live`), an
   * environment with a prefix uses its prefixed variables alone.
   */
  readonly credentialPrefix?: string;
  /** Vault settings for this environment, over the top-level `vault:` (address, namespace, auth). */
  readonly vault?: VaultSpec;
  /** The `.env` files read in this environment when no `-f` is given (relative to the config). */
  readonly files?: readonly string[];
  readonly secrets?: {
    /** The only sources a secret may come from here; `["vault"]` is pure Vault mode. */
    readonly from?: readonly SourceKind[];
  };
  /** Allow a secret written as a literal in a file git tracks (or a `*.example` file). Default false. */
  readonly allowInlineSecrets?: boolean;
  /** Allow a secret to fall back to its schema default. Default true in `local` only; never in production. */
  readonly allowSecretDefaults?: boolean;
  /**
   * Whether `--break-glass REASON` may let secrets of this pure-mode
   * environment come from its other sources for one audited invocation.
   * Default true; `false` forbids it.
   */
  readonly breakGlass?: boolean;
  /**
   * What `check` does with an expired secret or an overdue rotation: `warn`, or
   * `enforce` (fail with E_OVERDUE). Default: enforce in production, warn elsewhere.
   */
  readonly lifecycle?: "warn" | "enforce";
}

export interface AuditSpec {
  /**
   * Where records go: `file` (the default: a tamper-evident chained log),
   * `stdout` or `stderr` (JSON lines for a container's log collector),
   * `syslog` (the local daemon's socket), or `off`. `STRONGBOX_AUDIT_SINK` applies when the config does not say.
   */
  readonly sink?: string;
  /** With `sink: syslog`: the daemon's Unix socket (default `/dev/log`). */
  readonly syslog?: { readonly socket?: string };
  /**
   * The log file, relative to the config. Else `STRONGBOX_AUDIT_FILE`, else
   * `$XDG_STATE_HOME/strongbox/audit.jsonl` (`~/.local/state/strongbox/audit.jsonl`).
   */
  readonly file?: string;
  /**
   * Refuse to release secrets when their access cannot be recorded: `true`,
   * `false`, or the environments (names or globs) where that holds. Default:
   * pure-mode environments (production) fail closed; elsewhere a lost record
   * is a warning.
   */
  readonly failClosed?: boolean | readonly string[];
  /** Start a new segment of the log at a size (bytes, default 64 MiB) or an age (`"7d"`); the chain continues. */
  readonly rotate?: { readonly maxBytes?: number; readonly maxAge?: string };
  /** A checkpoint record every this many records (default 10,000), and at each new segment. */
  readonly checkpointEvery?: number;
}

/** Vault/OpenBao settings of a config. */
export interface VaultSpec {
  readonly address?: string;
  readonly namespace?: string;
  /**
   * Lets pure Vault mode talk to Vault over plain `http://` or with
   * `VAULT_SKIP_VERIFY`, which it refuses otherwise (a token sent in clear
   * text is a token given away). Every run then warns.
   */
  readonly allowInsecure?: boolean;
  /** Variables that hold the address besides `VAULT_ADDR`/`BAO_ADDR`, in order (`VAULT__ADDR`). */
  readonly addressVariables?: readonly string[];
  /**
   * The public half of `strongbox agent`'s provenance key (`ed25519:…`, as the agent
   * logs it, or PEM). A key of a `.env` file the agent rendered counts as read from
   * Vault when the file's signed provenance record says so (security/provenance.ts).
   */
  readonly agentPublicKey?: string;
  /** How old a provenance record may be (default 1h): the agent signs again while Vault answers. */
  readonly agentMaxAge?: string;
  readonly auth?: {
    /** `token`, `approle`, `jwt`, `kubernetes`, `aws`, `cert` or `userpass` (docs/vault.md "Logging in"). */
    readonly method?: "token" | "approle" | "jwt" | "kubernetes" | "aws" | "cert" | "userpass";
    readonly mount?: string;
    /** The Kubernetes, JWT or AWS IAM role, or the certificate role (`name`) for cert auth. */
    readonly role?: string;
    /** The audience JWT auth asks the GitHub Actions runner's token for. */
    readonly audience?: string;
    /**
     * Variables that hold the token besides `VAULT_TOKEN`/`BAO_TOKEN`, in
     * order (`VAULT_APP_TOKEN`, `VAULT_ROOT_TOKEN`, `VAULT__TOKEN`). Only
     * names the credential rule classifies are accepted.
     */
    readonly tokenVariables?: readonly string[];
    /** Variables that hold the AppRole role ID / secret ID besides `VAULT_ROLE_ID`/`VAULT_SECRET_ID` (`VAULT__ROLE_ID`, `VAULT__SECRET_ID`); credentials by the rule only. */
    readonly roleIdVariables?: readonly string[];
    readonly secretIdVariables?: readonly string[];
  };
}

/** The whole configuration model, as written in `strongbox.config.ts` or `.yaml`. */
export interface ConfigSpec<V extends VariableMap = VariableMap> {
  /**
   * Field names of the application's own data that hold personal data
   * (`[email, name, phone]`): the `strongbox/redact` redactor masks them
   * whole in logged objects. Default: a list of the usual names.
   */
  readonly piiFields?: readonly string[];
  /**
   * Pass `.env` keys that no variable declares to the program as they are
   * (masked in output), instead of warning that they are not passed on.
   * Default false.
   */
  readonly passUndeclared?: boolean;
  /** The project name; fills `{project}` in path templates. */
  readonly project?: string;
  readonly variables: V;
  readonly environments?: Readonly<Record<string, EnvironmentSpec>>;
  /** The environment used when neither `--env` nor `STRONGBOX_ENV` names one; `local` by default. */
  readonly defaultEnvironment?: string;
  /**
   * The variable that selects the environment when neither `--env` nor
   * `STRONGBOX_ENV` does: `ENV` where the deployment sets `ENV=production`
   * (seed 000's Dokploy), `APP_ENV`, `NODE_ENV`. Its value must name a declared environment.
   */
  readonly environmentVariable?: string;
  /**
   * Short names for environments (`prod: production`), added to the built-in
   * ones (`prod`/`prd` → production, `stg`/`stage` → staging, `dev` →
   * development or local, each where its target is declared). A declared
   * environment's own name is never an alias.
   */
  readonly environmentAliases?: Readonly<Record<string, string>>;
  readonly audit?: AuditSpec;
  /** Vault/OpenBao: address and namespace (the `VAULT_*`/`BAO_*` variables win) and how to authenticate. */
  readonly vault?: VaultSpec;
  /** The encrypted store: `path` relative to the config (default `.strongbox`). */
  readonly store?: { readonly path?: string };
}

type TypeOutputs = {
  string: string;
  url: string;
  int: number;
  number: number;
  port: number;
  boolean: boolean;
  json: unknown;
  duration: number;
  list: readonly string[];
};

/** The TypeScript type of one resolved variable. */
export type OutputOf<V> = V extends { readonly schema: infer S extends StandardSchemaV1 }
  ? StandardSchemaV1.InferOutput<S>
  : V extends { readonly type: "enum"; readonly values: readonly (infer E)[] }
    ? E
    : V extends { readonly type: infer T extends keyof TypeOutputs }
      ? TypeOutputs[T]
      : string;

type IsOptional<V> = V extends { readonly default: NonNullable<unknown> }
  ? false
  : V extends { readonly required: false | readonly string[] }
    ? true
    : false;

/** The rotated secrets of a schema: each brings an optional `NAME_PREVIOUS` during a rotation's overlap. */
type RotatedKeys<V extends VariableMap> = {
  [K in keyof V]: V[K] extends { readonly rotation: object } ? K : never;
}[keyof V];

/** The frozen object `loadConfig()` returns, typed from the schema with no cast. */
export type ResolvedConfig<V extends VariableMap> = {
  readonly [K in keyof V]: IsOptional<V[K]> extends true
    ? OutputOf<V[K]> | undefined
    : OutputOf<V[K]>;
} & {
  /** The value before the last rotation, while that rotation overlaps (see docs/lifecycle.md). */
  readonly [K in RotatedKeys<V> as K extends string ? `${K}_PREVIOUS` : never]?: string;
};
