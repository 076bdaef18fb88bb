import { existsSync, readFileSync, realpathSync } from "node:fs";
import { createRequire, isBuiltin } from "node:module";
import { dirname, resolve } from "node:path";
import { pathToFileURL } from "node:url";
import { runInThisContext } from "node:vm";
import { StrongboxError } from "../errors.js";
import { packagePath } from "../package-root.js";
import { registerIdentifier } from "../redact/registry.js";
import type { ConfigSpec } from "../schema/types.js";
import {
  configImportProblem,
  importModule,
  setProjectDir,
  untrustedModule,
} from "../security/import-module.js";
import { cacheDir, cachedCompile } from "./compile-cache.js";

/** What a config's `import … from "strongbox"` is bundled from: `defineConfig` and friends. */
const CONFIG_API = packagePath("dist/src/config-api.js");

/** Marks a resolution the project-packages plugin asked for itself. */
const CHECKED = Symbol("checked");

/**
 * Loads a config file into the config model. TypeScript configs are bundled with
 * esbuild once and cached; YAML configs are parsed once and cached as JSON, so
 * neither pays a transpiler or parser on every run. Throws `E_CONFIG` naming
 * the file (and line, where known).
 */
export async function loadConfigFile(
  path: string,
  env: Readonly<Record<string, string | undefined>>,
): Promise<ConfigSpec> {
  const config = await loadConfigModule(path, env);
  registerDeclared(config, path);
  return config;
}

/**
 * Strongbox's own identifiers in this config (variable names, the names
 * they are read as, environment names, the config's path and directory):
 * the redactor never masks inside one, so a short secret that equals part
 * of a name does not garble the messages that name it.
 */
function registerDeclared(config: ConfigSpec, path: string): void {
  if (config === null || typeof config !== "object") return;
  for (const [name, spec] of Object.entries(config.variables ?? {})) {
    registerIdentifier(name);
    if (typeof spec?.env === "string") registerIdentifier(spec.env);
  }
  for (const name of Object.keys(config.environments ?? {})) registerIdentifier(name);
  registerIdentifier(path);
  registerIdentifier(dirname(path));
}

async function loadConfigModule(
  path: string,
  env: Readonly<Record<string, string | undefined>>,
): Promise<ConfigSpec> {
  setProjectDir(dirname(path));
  const dir = cacheDir(env);
  if (/\.ya?ml$/.test(path)) {
    const cached = await cachedCompile(`${path}\0yaml`, ".json", dir, async () => ({
      text: JSON.stringify(await parseYamlConfig(path)),
      inputs: [path],
    }));
    const text = "text" in cached ? cached.text : readFileSync(cached.path, "utf8");
    return JSON.parse(text) as ConfigSpec;
  }
  const format = IN_BINARY ? "cjs" : "esm";
  const cached = await cachedCompile(
    `${path}\0${CONFIG_API}\0${format}`,
    IN_BINARY ? ".cjs" : ".mjs",
    dir,
    () => bundleConfig(path, format),
  );
  let module: { default?: unknown };
  try {
    module = IN_BINARY ? evaluateCommonJs(cached, path) : await importEsm(cached);
  } catch (error) {
    throw new StrongboxError(
      "E_CONFIG",
      `${path}: the config threw while loading: ${(error as Error).message}`,
      {
        hint: "fix the error in the config file",
      },
    );
  }
  if (
    module.default === undefined ||
    module.default === null ||
    typeof module.default !== "object"
  ) {
    throw new StrongboxError("E_CONFIG", `${path}: the config has no default export`, {
      hint: "end the file with `export default defineConfig({ … })`",
    });
  }
  return module.default as ConfigSpec;
}

async function parseYamlConfig(path: string): Promise<unknown> {
  const { parseDocument } = await import("yaml");
  const text = readFileSync(path, "utf8");
  const document = parseDocument(text, { uniqueKeys: true, prettyErrors: false });
  const first = document.errors[0];
  if (first !== undefined) {
    const before = text.slice(0, first.pos[0]).split("\n");
    const at = `:${before.length}:${(before.at(-1)?.length ?? 0) + 1}`;
    throw new StrongboxError(
      "E_CONFIG",
      `${path}${at}: invalid YAML: ${first.code.toLowerCase().replaceAll("_", " ")}`,
      {
        hint: "fix the YAML syntax at that position",
      },
    );
  }
  const config: unknown = document.toJS();
  // An empty file is null to YAML: say what a YAML config starts with, not what a TypeScript one ends with.
  if (config === null || typeof config !== "object" || Array.isArray(config))
    throw new StrongboxError(
      "E_CONFIG",
      `${path}: the YAML config ${config === null || config === undefined ? "is empty" : "is not a mapping"}`,
      {
        hint: "start it with a `variables:` map, one entry per variable (see README.md), or write one from a .env.example: strongbox init --from .env.example --yes",
      },
    );
  return config;
}

/** Set by the single-executable build, where `import()` of a file is not available (Node 20). */
declare const __STRONGBOX_BINARY__: boolean | undefined;
const IN_BINARY = typeof __STRONGBOX_BINARY__ === "boolean" && __STRONGBOX_BINARY__;

async function importEsm(
  cached: { path: string } | { text: string },
): Promise<{ default?: unknown }> {
  const url =
    "text" in cached
      ? `data:text/javascript;base64,${Buffer.from(cached.text).toString("base64")}`
      : pathToFileURL(cached.path).href;
  return await importModule<{ default?: unknown }>(url);
}

/** The compiled config as CommonJS, for the single executable: evaluated as Node evaluates a module. */
function evaluateCommonJs(
  cached: { path: string } | { text: string },
  configPath: string,
): { default?: unknown } {
  const text = "text" in cached ? cached.text : readFileSync(cached.path, "utf8");
  const wrapper = runInThisContext(
    `(function (exports, require, module, __filename, __dirname) {${text}\n})`,
    { filename: "path" in cached ? cached.path : configPath },
  ) as (...args: unknown[]) => void;
  const module: { exports: { default?: unknown } } = { exports: {} };
  wrapper(module.exports, createRequire(configPath), module, configPath, dirname(configPath));
  return module.exports;
}

async function bundleConfig(
  path: string,
  format: "esm" | "cjs",
): Promise<{ text: string; inputs: string[] }> {
  const esbuild = await loadEsbuild();
  try {
    const result = await esbuild.build({
      entryPoints: [path],
      bundle: true,
      write: false,
      metafile: true,
      platform: "node",
      format,
      target: "node20",
      logLevel: "silent",
      plugins: [
        {
          name: "strongbox-self",
          setup(build) {
            // The single-executable build has no files beside it: `defineConfig` (the
            // identity at run time) is then given as a module of its own.
            build.onResolve({ filter: /^strongbox$/ }, () =>
              existsSync(CONFIG_API)
                ? { path: CONFIG_API }
                : { path: "strongbox", namespace: "strongbox-self" },
            );
            build.onLoad({ filter: /.*/, namespace: "strongbox-self" }, () => ({
              contents: "export const defineConfig = (config) => config;\n",
              loader: "js",
            }));
          },
        },
        {
          // A package the config imports comes from the project's node_modules, as the
          // optional packages do (import-module.ts): not from an ancestor's.
          name: "strongbox-project-packages",
          setup(build) {
            build.onResolve({ filter: /^[^./]/ }, async (args) => {
              if (args.pluginData === CHECKED || isBuiltin(args.path)) return undefined;
              const found = await build.resolve(args.path, {
                kind: args.kind,
                importer: args.importer,
                resolveDir: args.resolveDir,
                pluginData: CHECKED,
              });
              if (found.errors.length > 0 || found.external || found.namespace !== "file")
                return found.errors.length > 0 ? { errors: found.errors } : found;
              const problem = configImportProblem(args.path, found.path);
              return problem === undefined ? found : { errors: [{ text: problem }] };
            });
          },
        },
      ],
    });
    const text = result.outputFiles[0]?.text ?? "";
    const inputs = Object.keys(result.metafile.inputs).map((input) => resolve(input));
    // Every file bundled into the config runs as the user: a package's own relative imports
    // (its lib/…) pass the same rule as the file a bare import resolved to.
    for (const input of inputs) {
      if (!existsSync(input)) continue; // a virtual module (strongbox-self)
      const problem = untrustedModule(realpathSync(input), "a file the config bundles");
      if (problem !== undefined) throw new StrongboxError("E_UNSAFE_PATH", problem);
    }
    return { text, inputs };
  } catch (error) {
    const first = (
      error as {
        errors?: Array<{ text: string; location?: { line: number; column: number } | null }>;
      }
    ).errors?.[0];
    const at = first?.location ? `:${first.location.line}:${first.location.column + 1}` : "";
    throw new StrongboxError(
      "E_CONFIG",
      `${path}${at}: cannot compile the config: ${first?.text ?? (error as Error).message}`,
      {
        hint: "fix the TypeScript error at that position",
      },
    );
  }
}

/**
 * esbuild, which only TypeScript configs need: a dependency of the npm package;
 * the single executable takes the project's. Not installed, it is
 * `E_PACKAGE_MISSING` with the install command (src/security/optional-packages.ts).
 */
function loadEsbuild(): Promise<typeof import("esbuild")> {
  // From Strongbox's own installation or the project's node_modules (import-module.ts).
  return importModule<typeof import("esbuild")>("esbuild");
}
