import type { ConfigSpec, VariableSpec } from "../schema/types.js";
import { closest } from "../util/suggest.js";
import type { LoadedFile } from "./dotenv-files.js";

/** A `.env` key no variable of the schema reads: where it is, never its value. */
export interface UndeclaredKey {
  readonly key: string;
  /** `.env line 4`. */
  readonly place: string;
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
      if (!declared.has(key)) found.set(key, { key, place: `${file.label} line ${entry.line}` });
  return [...found.values()];
}

/** One value-free warning line per undeclared key, with the closest declared name. */
export function undeclaredWarnings(config: ConfigSpec, keys: readonly UndeclaredKey[]): string[] {
  const names = [...declaredNames(config)];
  return keys.map(({ key, place }) => {
    const near = closest(key, names);
    return `${key} (${place}) is not in the schema${near === undefined ? "" : ` (did you mean ${near}?)`}: it is not passed on; declare it, or set passUndeclared: true in the config to pass such keys as they are`;
  });
}

/**
 * `passUndeclared: true`: each undeclared key becomes an optional string
 * variable read from its `.env` line, masked in output as personal data is
 * (its value may well be a secret nobody declared), held to no type.
 */
export function withUndeclared(config: ConfigSpec, keys: readonly UndeclaredKey[]): ConfigSpec {
  if (keys.length === 0) return config;
  const passed: Record<string, VariableSpec> = {};
  for (const { key } of keys)
    passed[key] = { required: false, pii: true, description: "passed through from .env" };
  return { ...config, variables: { ...passed, ...config.variables } };
}
