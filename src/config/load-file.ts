import { readFileSync } from "node:fs";
import { resolve } from "node:path";
import { pathToFileURL } from "node:url";
import { StrongboxError } from "../errors.js";
import { packagePath } from "../package-root.js";
import type { ConfigSpec } from "../schema/types.js";
import { cacheDir, cachedCompile } from "./compile-cache.js";

/** What a config's `import … from "strongbox"` is bundled from: `defineConfig` and friends. */
const CONFIG_API = packagePath("dist/src/config-api.js");

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
  const dir = cacheDir(env);
  if (/\.ya?ml$/.test(path)) {
    const cached = await cachedCompile(`${path}\0yaml`, ".json", dir, async () => ({
      text: JSON.stringify(await parseYamlConfig(path)),
      inputs: [path],
    }));
    const text = "text" in cached ? cached.text : readFileSync(cached.path, "utf8");
    return JSON.parse(text) as ConfigSpec;
  }
  const cached = await cachedCompile(`${path}\0${CONFIG_API}`, ".mjs", dir, () =>
    bundleConfig(path),
  );
  const url =
    "text" in cached
      ? `data:text/javascript;base64,${Buffer.from(cached.text).toString("base64")}`
      : pathToFileURL(cached.path).href;
  let module: { default?: unknown };
  try {
    module = (await import(url)) as { default?: unknown };
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
  return document.toJS();
}

async function bundleConfig(path: string): Promise<{ text: string; inputs: string[] }> {
  const esbuild = await loadEsbuild(path);
  try {
    const result = await esbuild.build({
      entryPoints: [path],
      bundle: true,
      write: false,
      metafile: true,
      platform: "node",
      format: "esm",
      target: "node20",
      logLevel: "silent",
      plugins: [
        {
          name: "strongbox-self",
          setup(build) {
            build.onResolve({ filter: /^strongbox$/ }, () => ({ path: CONFIG_API }));
          },
        },
      ],
    });
    const text = result.outputFiles[0]?.text ?? "";
    const inputs = Object.keys(result.metafile.inputs).map((input) => resolve(input));
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
 * esbuild, which only TypeScript configs need: an optional peer dependency,
 * so a YAML-only project installs no 10 MB compiler. Its absence is the
 * user's choice, said as such.
 */
async function loadEsbuild(path: string): Promise<typeof import("esbuild")> {
  try {
    return await import("esbuild");
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== "ERR_MODULE_NOT_FOUND") throw error;
    throw new StrongboxError(
      "E_CONFIG",
      `${path}: a TypeScript config needs esbuild, which is not installed`,
      {
        hint: "install it beside strongbox (npm install --save-dev esbuild), or write the config as strongbox.config.yaml",
      },
    );
  }
}
