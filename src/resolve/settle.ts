import type { AuditEvent, Principal } from "../audit/event.js";
import { checkPolicy } from "../environments/policy.js";
import type { Environment } from "../environments/select.js";
import { type Issue, issue } from "../errors.js";
import { pureProvider } from "../providers/registry.js";
import { registerSecret } from "../redact/registry.js";
import { formatRef, type Ref } from "../refs/ref.js";
import type { SourceKind } from "../schema/types.js";
import { PROVENANCE_SOURCE_KIND } from "../security/provenance.js";
import type { PendingRef, RefOutcome } from "./fetch-refs.js";
import { isCommittedFile } from "./git-tracked.js";
import type { Picked } from "./pick.js";
import type { Step, StepResult } from "./resolve.js";
import type { Candidate, Provenance, ResolvedEntry } from "./types.js";
import type { Validated } from "./validate-value.js";
import { validateValue } from "./validate-value.js";

/** How one variable ended: its entry, its problem, and what its audit record says. */
export interface Settled {
  readonly entry: ResolvedEntry;
  readonly issue?: Issue;
  readonly kind?: SourceKind | "default";
  readonly ref?: Ref;
  readonly version?: number;
  readonly principal?: Principal;
  readonly outcome: AuditEvent["outcome"];
}

/** The winner's value and where it came from, once a reference is read. */
interface Read {
  readonly raw: string;
  readonly kind: SourceKind | "default";
  readonly ref?: Ref;
  readonly version?: number;
  readonly principal?: Principal;
  readonly rootCredential: boolean;
}

/**
 * Settles one picked variable: its value (read, when a reference), the
 * environment's policy, then its validator; every way it can end is a
 * {@link Settled} with the entry `explain` shows.
 */
export function* settle(
  p: Picked,
  outcomes: Map<PendingRef, RefOutcome>,
  environment: Environment,
  breakGlass = false,
): Generator<Step, Settled, StepResult> {
  const winner = p.winner;
  if (winner === undefined) {
    if (!p.required) return { entry: entryOf(p, "unset"), outcome: "missing" };
    return {
      entry: entryOf(p, "problem"),
      issue: missingIssue(p, environment),
      outcome: "missing",
    };
  }
  if (p.problem !== undefined)
    return { entry: entryOf(p, "problem"), issue: p.problem, outcome: "error" };
  const read = readOf(p, winner, outcomes);
  if ("entry" in read) return read;
  // The value itself, however it was read (a literal that looks like a URL, a fetched secret).
  if (p.secret || p.spec.pii === true) registerSecret(p.name, read.raw);
  const winnerInfo: Provenance["winner"] = {
    source: winner.source,
    place: winner.place,
    kind: read.kind,
    ...(read.ref === undefined ? {} : { ref: formatRef(read.ref) }),
    ...(read.version === undefined ? {} : { version: read.version }),
  };
  const denied =
    winner.source === "parent" ? undefined : policyDenial(p, winner, read, environment, breakGlass);
  if (denied !== undefined)
    return {
      entry: entryOf(p, "problem", winnerInfo),
      issue: denied,
      outcome: "denied",
      ...recorded(read, true),
    };
  const pendingValidation = validateValue(p.name, p.spec, read.raw, winner.place);
  const validated =
    pendingValidation instanceof Promise
      ? ((yield { kind: "validate", result: pendingValidation }) as Validated)
      : pendingValidation;
  if (!validated.ok)
    return {
      entry: entryOf(p, "problem", winnerInfo),
      issue: validated.issue,
      outcome: "invalid",
      ...recorded(read, false),
    };
  return {
    entry: entryOf(p, "ok", winnerInfo, { raw: read.raw, value: validated.value }),
    outcome: "ok",
    ...recorded(read, true),
  };
}

/** The winner's value: its literal, or the reference's outcome; a failed read is already settled. */
function readOf(
  p: Picked,
  winner: Candidate,
  outcomes: Map<PendingRef, RefOutcome>,
): Read | Settled {
  if (p.pending === undefined)
    return {
      raw: winner.raw,
      // The agent's signed record vouches for the value: it counts as its source's.
      kind: winner.vouched === undefined ? kindOf(winner) : PROVENANCE_SOURCE_KIND,
      ...(winner.vouched?.version === undefined ? {} : { version: winner.vouched.version }),
      // The agent read it with a root token: the policy refuses it as it refuses a direct read.
      rootCredential: winner.vouched?.rootCredential === true,
    };
  const ref = p.pending.ref;
  const outcome = outcomes.get(p.pending);
  if (outcome === undefined || !outcome.ok) {
    const problem = outcome?.issue ?? issue("E_INTERNAL", `${p.name}: reference was not fetched`);
    if (outcome?.absent === true && !p.required)
      return { entry: entryOf(p, "unset"), outcome: "missing" };
    return {
      entry: entryOf(p, "problem"),
      issue: problem,
      outcome: outcome?.absent ? "missing" : "error",
    };
  }
  return {
    raw: outcome.fetched.value,
    kind: outcome.kind,
    ref,
    ...(outcome.fetched.version === undefined ? {} : { version: outcome.fetched.version }),
    ...(outcome.fetched.principal === undefined ? {} : { principal: outcome.fetched.principal }),
    rootCredential: outcome.fetched.rootCredential === true,
  };
}

/** The environment's policy on this value: undefined when it may be used. */
function policyDenial(
  p: Picked,
  winner: Candidate,
  read: Read,
  environment: Environment,
  breakGlass: boolean,
): Issue | undefined {
  const inline =
    p.secret &&
    winner.source === "dotenv" &&
    read.ref === undefined &&
    winner.file !== undefined &&
    isCommittedFile(winner.file);
  return checkPolicy(
    environment,
    {
      variable: p.name,
      secret: p.secret,
      source: read.kind,
      // A file rendered by the agent whose record was refused says why, in the one error.
      place:
        winner.unvouched === undefined
          ? winner.place
          : `${winner.place}, not counted as Vault because ${winner.unvouched}`,
      inline,
      ...(winner.unvouched === undefined ? {} : { unvouched: true }),
      rootCredential: read.rootCredential,
    },
    breakGlass,
  );
}

/** What a settled read carries into its audit record (an invalid value names no version or principal). */
function recorded(
  read: Read,
  withVersion: boolean,
): Pick<Settled, "kind" | "ref" | "version" | "principal"> {
  return {
    kind: read.kind,
    ...(read.ref ? { ref: read.ref } : {}),
    ...(!withVersion || read.version === undefined ? {} : { version: read.version }),
    ...(!withVersion || read.principal === undefined ? {} : { principal: read.principal }),
  };
}

/** A variable's entry: its names, its value when it has one, and its provenance. */
function entryOf(
  p: Picked,
  status: Provenance["status"],
  winner?: Provenance["winner"],
  extra: { raw?: string; value?: unknown } = {},
): ResolvedEntry {
  return {
    name: p.name,
    envName: p.envName,
    secret: p.secret,
    ...(p.spec.pii === true ? { pii: true } : {}),
    ...extra,
    provenance: provenanceOf(p, status, winner),
  };
}

/** Where a variable's value came from, and every candidate it shadowed. */
function provenanceOf(
  p: Picked,
  status: Provenance["status"],
  winner?: Provenance["winner"],
): Provenance {
  const shadowed = p.candidates.slice(1).map((c) => ({
    source: c.source,
    place: c.place,
    reason: c.note ?? `shadowed by ${p.winner?.place}`,
  }));
  return {
    variable: p.name,
    envName: p.envName,
    secret: p.secret,
    required: p.required,
    status,
    ...(winner === undefined ? {} : { winner }),
    shadowed,
  };
}

function kindOf(candidate: Candidate): SourceKind | "default" {
  switch (candidate.source) {
    case "dotenv":
      return "dotenv";
    case "default":
      return "default";
    default:
      return "env";
  }
}

function missingIssue(p: Picked, environment: Environment): Issue {
  const pure = pureProvider(environment.secretSources);
  const where =
    pure !== undefined && p.secret
      ? `put it in ${pure.words} and declare a ${pure.scheme}:// ref for it`
      : `set ${p.envName} in the environment${environment.files.length > 0 ? ` or in ${environment.files.join(", ")}` : ""}, or declare a ref or default in the schema`;
  return issue("E_MISSING", `${p.name} is missing in environment "${environment.name}"`, {
    variable: p.name,
    hint: `${where}; run \`strongbox explain ${p.name}\` to see where it looked`,
  });
}
