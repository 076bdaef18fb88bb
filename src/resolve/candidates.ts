import type { Environment } from "../environments/select.js";
import { schemaRefFor } from "../refs/template.js";
import { defaultToRaw } from "../schema/coerce.js";
import { lookupByGlob } from "../schema/glob.js";
import type { VariableSpec } from "../schema/types.js";
import { envValue } from "../util/env-value.js";
import type { LoadedFile } from "./dotenv-files.js";
import type { Candidate } from "./types.js";

export interface CandidateInputs {
  readonly processEnv: Readonly<Record<string, string | undefined>>;
  readonly files: readonly LoadedFile[];
  readonly environment: Environment;
  /** `strongbox run` already resolved this environment; the process env holds final values. */
  readonly preResolved: boolean;
}

/**
 * Every place `spec` could take its value from, highest precedence first:
 * the process environment (main name, then aliases), `.env` files (the last
 * file given first), the schema's `ref` for this environment, the schema default.
 * An empty string counts as unset, so `KEY=` in a file means "not configured".
 */
export function gatherCandidates(
  name: string,
  spec: VariableSpec,
  inputs: CandidateInputs,
): Candidate[] {
  const names = [spec.env ?? name, ...(spec.aliases ?? [])];
  const candidates: Candidate[] = [];
  for (const envName of names) {
    const raw = envValue(inputs.processEnv, envName);
    if (raw !== undefined && raw !== "") {
      const source = inputs.preResolved ? "parent" : "env";
      candidates.push({ source, place: `the process environment (${envName})`, raw });
    }
  }
  for (const file of [...inputs.files].reverse()) {
    for (const envName of names) {
      const found = file.values.get(envName);
      if (found !== undefined && found.value !== "") {
        candidates.push({
          source: "dotenv",
          place: `${file.label} line ${found.line}`,
          raw: found.value,
          file: file.path,
          ...vouching(file, envName),
        });
      }
    }
  }
  const ref = schemaRefFor(spec, inputs.environment.name);
  if (ref !== undefined) candidates.push({ source: "ref", place: "the schema's ref", raw: ref });
  const fallback = defaultToRaw(spec);
  if (fallback !== undefined)
    candidates.push({ source: "default", place: "the schema default", raw: fallback });
  return candidates;
}

/** Whether `spec` must have a value in `environment`. A default always satisfies it. */
export function isRequired(spec: VariableSpec, environment: string): boolean {
  if (spec.required === undefined || spec.required === true) return true;
  if (spec.required === false) return false;
  return (
    lookupByGlob(Object.fromEntries(spec.required.map((glob) => [glob, true])), environment) !==
    undefined
  );
}

/** What a file's provenance record says of one key: read from Vault, or why not. */
function vouching(file: LoadedFile, key: string): Pick<Candidate, "vouched" | "unvouched"> {
  const provenance = file.provenance;
  if (provenance === undefined) return {};
  if ("why" in provenance) return { unvouched: provenance.why };
  const from = provenance.keys.get(key);
  if (from !== undefined) return { vouched: from };
  return {
    unvouched: `its provenance record does not list ${key} as read from Vault`,
  };
}
