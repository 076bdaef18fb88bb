import { createHmac, randomBytes } from "node:crypto";
import { environmentSpec } from "../environments/scope.js";
import { selectEnvironment } from "../environments/select.js";
import { inventory } from "../lifecycle/inventory.js";
import { type Project, resolveProject } from "../project/open.js";
import { formatRef } from "../refs/ref.js";
import { schemaRefFor } from "../refs/template.js";
import { isRequired } from "../resolve/candidates.js";
import type { Resolution } from "../resolve/types.js";
import { plannedPick, type WinnerOptions } from "../resolve/winner.js";
import type { ConfigSpec, VariableSpec } from "../schema/types.js";

/** One environment's side of a variable. */
export interface DiffSide {
  /** The environment requires a value (a default satisfies it). */
  readonly required: boolean;
  /**
   * What is declared for it here, as `run` would pick it: the `.env` line that
   * wins (with the reference it names, such as `store://NAME (.env line 1)`),
   * else the schema's reference, `default`, or `environment`.
   */
  readonly declared: string;
  /** With `live`: found or not, and where (the source kind and reference that won). */
  readonly status?: "ok" | "unset" | "problem";
  readonly source?: string;
  readonly version?: number;
  /** With `live`: the error code of a problem. */
  readonly problem?: string;
  /** With `live`, for a variable with a rotation: when it was last rotated here. */
  readonly lastRotated?: string;
}

/** How two values compare, decided without showing either. */
export type Equality = "equal" | "different" | "only-a" | "only-b" | "neither";

export interface DiffRow {
  readonly name: string;
  readonly type: string;
  readonly secret: boolean;
  readonly a: DiffSide;
  readonly b: DiffSide;
  /** Set with `live` only. */
  readonly values?: Equality;
  /** Anything that differs: declaration, requirement, source or value. */
  readonly differs: boolean;
}

export interface EnvironmentDiff {
  readonly a: string;
  readonly b: string;
  readonly live: boolean;
  /**
   * With `live`: whose credentials each environment was read with, its
   * `credentialPrefix` (`"PRODUCTION_"`) or `null` for this process's own.
   */
  readonly credentials?: { readonly a: string | null; readonly b: string | null };
  readonly rows: readonly DiffRow[];
  readonly different: boolean;
}

/**
 * What differs between two environments, one row per variable: declared and
 * required in each, and with `live`, resolved in each (each environment with
 * its own credentials and policy) and whether the two values are equal. Values
 * are compared by HMAC under a key made for this call and dropped with it: no
 * value, and no hash anyone could test guesses against, leaves this function.
 */
export async function diffEnvironments(
  project: Project,
  environments: { readonly a: string; readonly b: string },
  options: DiffOptions & { readonly live?: boolean },
): Promise<EnvironmentDiff> {
  const { config } = project;
  // Unknown environments are refused here, by the same rule resolution uses.
  selectEnvironment(config, environments.a, options.processEnv);
  selectEnvironment(config, environments.b, options.processEnv);
  const live = options.live === true ? await liveSides(project, environments, options) : undefined;
  const key = randomBytes(32);
  const rows: DiffRow[] = [];
  const where = { config, baseDir: project.baseDir, processEnv: options.processEnv };
  for (const [name, spec] of Object.entries(config.variables)) {
    if (options.onlySecrets === true && spec.secret !== true) continue;
    rows.push(environmentRow(name, spec, environments, live, key, where));
  }
  key.fill(0);
  const prefix = (environment: string) =>
    environmentSpec(config, environment)?.credentialPrefix ?? null;
  return {
    a: environments.a,
    b: environments.b,
    live: live !== undefined,
    ...(live !== undefined
      ? { credentials: { a: prefix(environments.a), b: prefix(environments.b) } }
      : {}),
    rows,
    different: rows.some((row) => row.differs),
  };
}

/** How a diff resolves: the process's environment, where, and the store's passphrase. */
export interface DiffOptions {
  readonly onlySecrets?: boolean;
  readonly processEnv: Readonly<Record<string, string | undefined>>;
  readonly cwd: string;
  readonly passphrase?: () => Promise<string>;
}

/** With `live`: each environment resolved, and when its rotating variables were last rotated. */
interface LiveSides {
  readonly ra: Resolution;
  readonly rb: Resolution;
  readonly rotatedA: ReadonlyMap<string, string>;
  readonly rotatedB: ReadonlyMap<string, string>;
}

async function liveSides(
  project: Project,
  environments: { readonly a: string; readonly b: string },
  options: DiffOptions,
): Promise<LiveSides> {
  const [ra, rb] = (await Promise.all(
    [environments.a, environments.b].map((environment) =>
      resolveProject(project, {
        environment,
        processEnv: options.processEnv,
        cwd: options.cwd,
        // Each environment with its own credentials alone (its credentialPrefix), never the other's.
        isolateCredentials: true,
        ...(options.passphrase === undefined ? {} : { passphrase: options.passphrase }),
      }),
    ),
  )) as [Resolution, Resolution];
  // Rotation metadata where the source keeps it (versions' times): only with --live,
  // which is allowed to read each environment's sources.
  const [rotatedA, rotatedB] = (await Promise.all(
    [environments.a, environments.b].map((environment) =>
      lastRotations(project, environment, options.processEnv),
    ),
  )) as [Map<string, string>, Map<string, string>];
  return { ra, rb, rotatedA, rotatedB };
}

/** One variable in two environments; with `live`, whether their values are equal (by HMAC under `key`). */
function environmentRow(
  name: string,
  spec: VariableSpec,
  environments: { readonly a: string; readonly b: string },
  live: LiveSides | undefined,
  key: Buffer,
  where: Where,
): DiffRow {
  const a = withRotation(
    side(spec, name, environments.a, live?.ra, where),
    live?.rotatedA.get(name),
  );
  const b = withRotation(
    side(spec, name, environments.b, live?.rb, where),
    live?.rotatedB.get(name),
  );
  const values =
    live === undefined
      ? undefined
      : compare(
          fingerprint(key, live.ra.entries.find((entry) => entry.name === name)?.raw),
          fingerprint(key, live.rb.entries.find((entry) => entry.name === name)?.raw),
        );
  // Declared sources differ between environments by design (a store here, Vault there):
  // without --live that is the difference asked about; with it, what was found is.
  const differs =
    a.required !== b.required ||
    (live !== undefined
      ? a.status !== b.status || (values !== "equal" && values !== "neither")
      : a.declared !== b.declared);
  return {
    name,
    type: typeOf(spec),
    secret: spec.secret === true,
    a,
    b,
    ...(values === undefined ? {} : { values }),
    differs,
  };
}

/** A value's HMAC under the call's key: compared, never shown, and useless once the key is dropped. */
function fingerprint(key: Buffer, raw: string | undefined): string | undefined {
  return raw === undefined ? undefined : createHmac("sha256", key).update(raw).digest("base64");
}

/** A `.env` file's entries, and how it is named in the diff. */
export interface DiffFile {
  readonly label: string;
  readonly entries: ReadonlyArray<{ key: string; value: string; line: number }>;
}

/**
 * A local `.env` file against an environment (resolved for real), names and
 * equality only: one row per schema variable (the file's side says whether it
 * holds the name), then one per name only the file has. Same HMAC rule.
 */
export async function diffAgainstFile(
  project: Project,
  file: DiffFile,
  environment: string,
  options: DiffOptions,
): Promise<EnvironmentDiff> {
  selectEnvironment(project.config, environment, options.processEnv);
  const resolution = await resolveProject(project, {
    environment,
    processEnv: options.processEnv,
    cwd: options.cwd,
    ...(options.passphrase === undefined ? {} : { passphrase: options.passphrase }),
  });
  const key = randomBytes(32);
  const inFile = new Map(file.entries.map((entry) => [entry.key, entry]));
  const rows: DiffRow[] = [];
  const seen = new Set<string>();
  for (const [name, spec] of Object.entries(project.config.variables)) {
    if (options.onlySecrets === true && spec.secret !== true) continue;
    const entry = resolution.entries.find((candidate) => candidate.name === name);
    const envName = entry?.envName ?? name;
    seen.add(envName);
    const b = side(spec, name, environment, resolution, {
      config: project.config,
      baseDir: project.baseDir,
      processEnv: options.processEnv,
    });
    rows.push(fileRow(name, spec, file.label, inFile.get(envName), b, entry?.raw, key));
  }
  if (options.onlySecrets !== true)
    for (const entry of file.entries)
      if (!seen.has(entry.key)) rows.push(fileOnlyRow(file.label, entry));
  key.fill(0);
  return {
    a: file.label,
    b: environment,
    live: true,
    rows,
    different: rows.some((row) => row.differs),
  };
}

/** A schema variable: the file's entry (or its absence) against the environment's resolved side. */
function fileRow(
  name: string,
  spec: VariableSpec,
  label: string,
  local: DiffFile["entries"][number] | undefined,
  b: DiffSide,
  raw: string | undefined,
  key: Buffer,
): DiffRow {
  const values = compare(fingerprint(key, local?.value), fingerprint(key, raw));
  return {
    name,
    type: typeOf(spec),
    secret: spec.secret === true,
    a: {
      required: b.required,
      declared: local === undefined ? "absent" : `${label} line ${local.line}`,
    },
    b,
    values,
    differs: values !== "equal" && values !== "neither",
  };
}

/** A name only the file has. */
function fileOnlyRow(label: string, entry: DiffFile["entries"][number]): DiffRow {
  return {
    name: entry.key,
    type: "string",
    secret: false,
    a: { required: false, declared: `${label} line ${entry.line}` },
    b: { required: false, declared: "not in the schema" },
    values: "only-a",
    differs: true,
  };
}

/** When each rotating variable was last rotated in `environment` (empty when that cannot be read). */
async function lastRotations(
  project: Project,
  environment: string,
  processEnv: Readonly<Record<string, string | undefined>>,
): Promise<Map<string, string>> {
  try {
    const rows = await inventory({
      config: project.config,
      baseDir: project.baseDir,
      environment,
      processEnv,
      isolateCredentials: true,
    });
    return new Map(
      rows.flatMap((row) => (row.lastRotated === undefined ? [] : [[row.name, row.lastRotated]])),
    );
  } catch {
    return new Map();
  }
}

function withRotation(side: DiffSide, lastRotated: string | undefined): DiffSide {
  return lastRotated === undefined ? side : { ...side, lastRotated };
}

function compare(a: string | undefined, b: string | undefined): Equality {
  if (a === undefined && b === undefined) return "neither";
  if (a === undefined) return "only-b";
  if (b === undefined) return "only-a";
  return a === b ? "equal" : "different";
}

/** Where the project's files are read from when judging what a variable declares. */
type Where = { readonly config: ConfigSpec } & Omit<WinnerOptions, "environment">;

function side(
  spec: VariableSpec,
  name: string,
  environment: string,
  resolution: Resolution | undefined,
  where: Where,
): DiffSide {
  const ref = schemaRefFor(spec, environment);
  const declared =
    fromDotenv(name, environment, where) ??
    (ref !== undefined
      ? ref
      : "default" in spec && spec.default !== undefined
        ? "default"
        : "environment");
  const base = { required: isRequired(spec, environment), declared };
  if (resolution === undefined) return base;
  const entry = resolution.entries.find((candidate) => candidate.name === name);
  const problem = resolution.issues.find((issue) => issue.variable === name);
  const winner = entry?.provenance.winner;
  return {
    ...base,
    status: problem !== undefined ? "problem" : entry?.raw === undefined ? "unset" : "ok",
    ...(winner === undefined
      ? {}
      : {
          source: winner.ref ?? winner.kind,
          ...(winner.version === undefined ? {} : { version: winner.version }),
        }),
    ...(problem === undefined ? {} : { problem: problem.code }),
  };
}

/**
 * What an environment's `.env` files declare for `name`, when one of them
 * wins as `run` would pick it: the reference a line names
 * (`DB_PASSWORD=store://DB_PASSWORD`, which `import --rewrite` writes) and
 * its place, or the place of a literal value. Undefined when no `.env` line
 * wins (the schema's declaration stands).
 */
function fromDotenv(name: string, environment: string, where: Where): string | undefined {
  let picked: ReturnType<typeof plannedPick>;
  try {
    picked = plannedPick(name, where.config, { ...where, environment });
  } catch {
    return undefined;
  }
  const winner = picked?.winner;
  if (winner?.source !== "dotenv") return undefined;
  const ref = picked?.pending?.ref;
  return ref === undefined ? winner.place : `${formatRef(ref)} (${winner.place})`;
}

function typeOf(spec: VariableSpec): string {
  return "type" in spec && typeof spec.type === "string" ? spec.type : "string";
}
