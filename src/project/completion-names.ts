import { dirname, resolve } from "node:path";
import { findConfigIfAny } from "../config/find-config.js";
import { loadConfigFile } from "../config/load-file.js";
import { BUILTIN_ENVIRONMENTS } from "../environments/defaults.js";
import { chooseEnvironment } from "../environments/select.js";
import {
  environmentStore,
  environmentStoreOrRoot,
  storeDirectory,
} from "../providers/store/directory.js";
import { storeProvider } from "../providers/store/index.js";
import { parseRef, refScheme } from "../refs/ref.js";
import type { ConfigSpec } from "../schema/types.js";
import { environmentStoreNames, storedSecretNames } from "../store/names.js";

/** The names shell completion offers; never a value. */
export interface CompletionNames {
  /** Store secrets: the store's file names and the `store://NAME` references of the schema. */
  readonly secrets: readonly string[];
  /** The schema's variables. */
  readonly variables: readonly string[];
  /** The schema's variables that are secrets (what `rotate` takes). */
  readonly secretVariables: readonly string[];
  /** The environments the config declares (built-in ones when it declares none) and those with a store of their own. */
  readonly environments: readonly string[];
}

/**
 * The names a shell completion offers for a project, found cheaply and
 * without side effects on the store: the config is loaded as every command
 * loads it (the same finder and loader), the store's secret names are read
 * from its file names ({@link storedSecretNames}), so no key is asked for, no
 * passphrase prompted, no lock taken, no audit record written, and nothing
 * talks to Vault or a cloud. Whatever cannot be read (no config, a broken
 * one, no store) contributes no names rather than an error: completion is a
 * suggestion, and a shell must never show a stack trace on Tab.
 */
export async function namesForCompletion(options: {
  readonly cwd: string;
  readonly env: Readonly<Record<string, string | undefined>>;
  readonly store?: string | undefined;
  readonly configPath?: string | undefined;
  readonly environment?: string | undefined;
}): Promise<CompletionNames> {
  const config = await configOrNothing(options);
  const base = config === undefined ? options.cwd : config.base;
  let root: string | undefined;
  try {
    root =
      options.store !== undefined
        ? resolve(options.cwd, options.store)
        : storeDirectory(config?.spec ?? {}, base, options.env);
  } catch {
    root = undefined;
  }
  const variables = Object.entries(config?.spec.variables ?? {});
  const declared = Object.keys(config?.spec.environments ?? BUILTIN_ENVIRONMENTS).filter(
    (name) => !name.includes("*"),
  );
  return {
    secrets: unique([
      ...(root === undefined ? [] : storedSecretNames(storeFor(root, config?.spec, options))),
      ...(config === undefined ? [] : schemaStoreNames(config.spec)),
    ]),
    variables: variables.map(([name]) => name).sort(),
    secretVariables: variables
      .flatMap(([name, spec]) => (spec.secret === true ? [name] : []))
      .sort(),
    environments: unique([...declared, ...(root === undefined ? [] : environmentStoreNames(root))]),
  };
}

async function configOrNothing(options: {
  readonly cwd: string;
  readonly env: Readonly<Record<string, string | undefined>>;
  readonly configPath?: string | undefined;
}): Promise<{ spec: ConfigSpec; base: string } | undefined> {
  try {
    const path = findConfigIfAny(options.cwd, options.configPath);
    if (path === undefined) return undefined;
    const spec = await loadConfigFile(path, options.env);
    return spec !== null && typeof spec === "object" ? { spec, base: dirname(path) } : undefined;
  } catch {
    return undefined;
  }
}

/** The store of the environment the command would use (its own when it has one), else the root. */
function storeFor(
  root: string,
  config: ConfigSpec | undefined,
  options: {
    readonly env: Readonly<Record<string, string | undefined>>;
    readonly environment?: string | undefined;
  },
): string {
  // The chooser store commands and resolution use, so Tab offers the names `get` would find.
  const environment = chooseEnvironment(
    config ?? { variables: {} },
    options.environment,
    options.env,
  ).name;
  try {
    return environmentStoreOrRoot(root, environment, options.env);
  } catch {
    // Its store is gone (the command itself will refuse): suggest its place's names, which are none.
    try {
      return environmentStore(root, environment);
    } catch {
      return root;
    }
  }
}

/** `store://NAME` in any environment of any variable, templated references left out. */
function schemaStoreNames(config: ConfigSpec): string[] {
  return Object.entries(config.variables ?? {}).flatMap(([variable, spec]) => {
    const refs = typeof spec.ref === "string" ? [spec.ref] : Object.values(spec.ref ?? {});
    return refs.flatMap((text) => {
      if (
        typeof text !== "string" ||
        text.includes("{") ||
        refScheme(text) !== storeProvider.scheme
      )
        return [];
      try {
        return [parseRef(text, variable).path];
      } catch {
        return [];
      }
    });
  });
}

function unique(names: readonly string[]): string[] {
  return [...new Set(names)].sort();
}
