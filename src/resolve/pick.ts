import { isPureVault } from "../environments/policy.js";
import type { Environment } from "../environments/select.js";
import { type Issue, issue, StrongboxError } from "../errors.js";
import { isTransientCode, knownSchemes, providerFor, sourceWords } from "../providers/registry.js";
import { registerIdentifier, registerSecret } from "../redact/registry.js";
import { parseRef, refScheme } from "../refs/ref.js";
import { fillRefTemplate } from "../refs/template.js";
import type { ConfigSpec, VariableSpec } from "../schema/types.js";
import { isRequired } from "./candidates.js";
import type { PendingRef, RefOutcome } from "./fetch-refs.js";
import type { Candidate } from "./types.js";

/** A variable with its candidates ranked: the winner, and the reference to read when it is one. */
export interface Picked {
  readonly name: string;
  readonly spec: VariableSpec;
  readonly envName: string;
  readonly secret: boolean;
  readonly required: boolean;
  readonly candidates: readonly Candidate[];
  readonly winner: Candidate | undefined;
  readonly pending?: PendingRef;
  readonly problem?: Issue;
}

/**
 * Outside pure Vault mode, when Vault cannot be reached for a variable's
 * reference, the next source that holds a literal value (a later file, the
 * schema default) is used instead, with a warning. Pure Vault mode never falls
 * back: there, an unreachable Vault stops the start, unless an audited
 * `--break-glass` is in force (then any failed read falls back).
 */
export function fallBack(
  p: Picked,
  outcomes: Map<PendingRef, RefOutcome>,
  environment: Environment,
  breakGlass = false,
): { picked: Picked; warning: string } | undefined {
  const outcome = p.pending === undefined ? undefined : outcomes.get(p.pending);
  if (outcome === undefined || outcome.ok) return undefined;
  // A broken glass stands in for any failed read (down, sealed, denied, missing): the operator
  // asked for the other sources, and the record names every variable they supplied.
  if (!breakGlass && (!isTransientCode(outcome.issue.code) || isPureVault(environment)))
    return undefined;
  // A literal is any value that is not a reference: `http://localhost:9000` is a
  // literal URL, not a reference Strongbox would have to read.
  const index = p.candidates.findIndex(
    (c, i) => i > 0 && c.source !== "ref" && !isReferenceText(c.raw),
  );
  const replacement = p.candidates[index];
  if (replacement === undefined || p.winner === undefined) return undefined;
  const failed = {
    ...p.winner,
    note: `${outcome.issue.code}: ${sourceWords(outcome.kind ?? "")} could not be reached; fell back`,
  };
  const candidates = [
    replacement,
    failed,
    ...p.candidates.filter((_c, i) => i !== index && i !== 0),
  ];
  const { pending: _pending, problem: _problem, ...rest } = p;
  return {
    picked: { ...rest, candidates, winner: replacement },
    warning: `${p.name}: ${sourceWords(outcome.kind ?? "")} could not be reached (${outcome.issue.code}); using ${replacement.place} instead, as ${breakGlass ? "--break-glass" : `environment "${environment.name}"`} allows`,
  };
}

/**
 * The one test of "this value is a reference to read": its scheme is a
 * registered provider's (`vault://`, `store://`, …). Any other URL
 * (`http://`, `postgres://`, `redis://`) is a literal value.
 */
export function isReferenceText(raw: string): boolean {
  const scheme = refScheme(raw);
  return scheme !== undefined && knownSchemes().includes(scheme);
}

/**
 * Ranks a variable's candidates and, when the winner is a reference, parses
 * and checks it (its template filled for `environment`), so the fetch step
 * reads only well-formed references of known schemes.
 */
export function pick(
  name: string,
  spec: VariableSpec,
  candidates: Candidate[],
  environment: Environment,
  config: ConfigSpec,
  preResolved: boolean,
): Picked {
  const base = {
    name,
    spec,
    envName: spec.env ?? name,
    secret: spec.secret === true,
    required: isRequired(spec, environment.name),
    candidates,
    winner: candidates[0],
  };
  const winner = candidates[0];
  if (winner === undefined || winner.source === "parent" || preResolved) return base;
  const isRef = winner.source === "ref" || isReferenceText(winner.raw);
  if (!isRef) return base;
  try {
    const text =
      winner.source === "ref"
        ? fillRefTemplate(winner.raw, name, spec, environment.name, config)
        : winner.raw;
    const ref = parseRef(text, name);
    const definition = providerFor(ref.scheme);
    if (definition === undefined)
      throw new StrongboxError("E_REF", `${name}: unknown reference scheme "${ref.scheme}://"`);
    definition.validateRef(ref, name);
    return { ...base, pending: { variable: name, ref } };
  } catch (error) {
    const known = error as StrongboxError;
    return {
      ...base,
      problem: issue("E_REF", `${known.message} (in ${winner.place})`, {
        variable: name,
        hint: known.hint,
      }),
    };
  }
}

/**
 * Puts every secret and `pii: true` value read (the winner's and the
 * shadowed ones') in the process's redaction registry before anything is
 * validated, so no message about them (a validator's, a policy's) can print
 * one; variable and environment names are Strongbox's own words.
 */
export function registerRead(picked: readonly Picked[], environment: string): void {
  registerIdentifier(environment);
  for (const p of picked) {
    registerIdentifier(p.name);
    registerIdentifier(p.envName);
    if (!p.secret && p.spec.pii !== true) continue;
    for (const candidate of p.candidates)
      if (typeof candidate.raw === "string" && !isReference(candidate.raw))
        registerSecret(p.name, candidate.raw);
  }
}

/** A well-formed reference names where a value is, which Strongbox prints (`explain`); a malformed one may be a pasted secret. */
function isReference(text: string): boolean {
  try {
    parseRef(text);
    return true;
  } catch {
    return false;
  }
}
