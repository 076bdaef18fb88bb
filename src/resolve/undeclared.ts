import type { ConfigSpec, VariableSpec } from "../schema/types.js";
import { isCredentialVariable } from "../security/credentials.js";
import { closest } from "../util/suggest.js";
import type { LoadedFile } from "./dotenv-files.js";
import { isReferenceText } from "./pick.js";
import type { Candidate } from "./types.js";

/** A `.env` key no variable of the schema reads: where it is, never its value. */
export interface UndeclaredKey {
  readonly key: string;
  /** `.env line 4`. */
  readonly place: string;
  /** Whether the key may be printed: it looks like a name, not a pasted token (see `isPrintableKey`). */
  readonly named: boolean;
}

/** What `passUndeclared: true` passes on: the config with the pass-through variables, their only candidates. */
export interface PassThrough {
  readonly config: ConfigSpec;
  /** Each pass-through variable's one candidate: its `.env` line, never the process environment. */
  readonly candidates: ReadonlyMap<string, Candidate[]>;
  readonly warnings: string[];
}

/**
 * A key printed in a warning must look like a variable name: a secret pasted
 * on its own line (`b3RoZXI…MA==`, `aaa.bbb.ccc = `) parses as `KEY=`, and
 * printing that "key" would print the secret. So a key is a name only when it
 * has a name's characters, its value is not base64 padding (`TOKEN==` parses
 * as `TOKEN` = `=`), and it is not a long mix of lower case, upper case and
 * digits, as a token is and a variable name hardly ever is.
 */
function isPrintableKey(key: string, value: string): boolean {
  if (!/^[A-Za-z_][A-Za-z0-9_]*$/.test(key) || /^=+$/.test(value)) return false;
  return !(key.length >= 16 && /[a-z]/.test(key) && /[A-Z]/.test(key) && /[0-9]/.test(key));
}

/** Every environment variable name the schema reads: each variable's `env` (or name) and aliases. */
function declaredNames(config: ConfigSpec): Set<string> {
  const names = new Set<string>();
  for (const [name, spec] of Object.entries(config.variables)) {
    names.add(spec.env ?? name);
    for (const alias of spec.aliases ?? []) names.add(alias);
  }
  return names;
}

/**
 * The keys of the loaded `.env` files that no variable reads (a typo such as
 * `PROT=9000`, or a key added after the schema was written): resolution
 * passes only declared variables, so without a word these would vanish.
 * Each key once, at its last file's line (the one that would win).
 */
export function undeclaredKeys(config: ConfigSpec, files: readonly LoadedFile[]): UndeclaredKey[] {
  const declared = declaredNames(config);
  const found = new Map<string, UndeclaredKey>();
  for (const file of files)
    for (const [key, entry] of file.values)
      if (!declared.has(key))
        found.set(key, {
          key,
          place: `${file.label} line ${entry.line}`,
          named: isPrintableKey(key, entry.value),
        });
  return [...found.values()];
}

/** The warning for a line whose "key" is not a variable name: its place only, never its text. */
function notAName(place: string): string {
  return `${place} is not a variable assignment; not shown because it may be a secret`;
}

/** One value-free warning line per undeclared key, with the closest declared name. */
export function undeclaredWarnings(config: ConfigSpec, keys: readonly UndeclaredKey[]): string[] {
  const names = [...declaredNames(config)];
  return keys.map(({ key, place, named }) => {
    if (!named) return notAName(place);
    const near = closest(key, names);
    return `${key} (${place}) is not in the schema${near === undefined ? "" : ` (did you mean ${near}?)`}: it is not passed on; declare it, or set passUndeclared: true in the config to pass such keys as they are`;
  });
}

/** The `.env` line an undeclared key was found at (its last file's), as a candidate. */
function lineOf(files: readonly LoadedFile[], key: string): Candidate | undefined {
  for (const file of [...files].reverse()) {
    const found = file.values.get(key);
    if (found !== undefined)
      return {
        source: "dotenv",
        place: `${file.label} line ${found.line}`,
        raw: found.value,
        file: file.path,
      };
  }
  return undefined;
}

/** Why an undeclared key is not passed on, or undefined when it may be. */
function refusal(
  { key, place, named }: UndeclaredKey,
  line: Candidate | undefined,
): string | undefined {
  if (!named) return notAName(place);
  if (isCredentialVariable(key))
    return `${key} (${place}) is a credential Strongbox keeps to itself: it is not passed on, even with passUndeclared: true`;
  if (line !== undefined && isReferenceText(line.raw))
    return `${key} (${place}) holds a reference, but the schema never declared that source: it is not read nor passed on; declare ${key} in the schema to read it`;
  return undefined;
}

/**
 * `passUndeclared: true`, the one rule for what it passes: an undeclared key
 * becomes an optional secret variable (masked, audited, held to policy) whose
 * only value is its `.env` line taken as text. Never the process environment
 * (an ambient token would win over the `.env` line), never a reference (the
 * schema never declared that source), never a credential by the rule of
 * `isCredentialVariable`, never a "key" that is not a variable name.
 */
export function withUndeclared(
  config: ConfigSpec,
  keys: readonly UndeclaredKey[],
  files: readonly LoadedFile[],
): PassThrough {
  const passed: Record<string, VariableSpec> = {};
  const candidates = new Map<string, Candidate[]>();
  const warnings: string[] = [];
  for (const undeclared of keys) {
    const line = lineOf(files, undeclared.key);
    const refused = refusal(undeclared, line);
    if (refused !== undefined) {
      warnings.push(refused);
      continue;
    }
    passed[undeclared.key] = {
      required: false,
      secret: true,
      description: "passed through from .env",
    };
    candidates.set(undeclared.key, line === undefined || line.raw === "" ? [] : [line]);
  }
  return {
    config: { ...config, variables: { ...passed, ...config.variables } },
    candidates,
    warnings,
  };
}
