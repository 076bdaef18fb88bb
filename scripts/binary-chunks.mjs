// The single executable's code in chunks (ESM, esbuild splitting, then `bun build --splitting`),
// and the rule for what a chunk may load: built-in modules, and this build's own chunks, which
// Bun embeds in the executable. Nothing else, so nothing is ever resolved from the working
// directory, its parents, NODE_PATH or a planted node_modules. The optional packages (the cloud
// SDKs, esbuild, pg) are not chunks' imports: src/security/import-module.ts loads them, from the
// project's node_modules only and after the ownership check, with createRequire of their path.
//
// The rule is held twice, at the two moments a chunk could reach further:
// - at build time, checkChunks refuses an output whose chunks import anything else, or hold an
//   import() of a computed name (one Bun would resolve at run time, from the disk);
// - at run time, each chunk's `require` (esbuild's __require, for the CommonJS packages that
//   require("buffer")) is GUARD, which serves built-in modules only: a module-scope binding of
//   each chunk, not the runtime's, so Bun's bundler and minifier keep the two apart.
import { execFileSync } from "node:child_process";
import { readFileSync, writeFileSync } from "node:fs";
import { createRequire, isBuiltin } from "node:module";
import { basename, join, relative, resolve } from "node:path";
import { build } from "esbuild";

/** The banner of every chunk: the run-time half of the rule, and import.meta.url's stand-in. */
export const GUARD = [
  'import { createRequire as __strongboxRequireFrom, isBuiltin as __strongboxIsBuiltin } from "node:module";',
  'var __strongboxUrl = "file:///strongbox-binary/dist/bin/strongbox";',
  "const require = (name) => {",
  "  if (__strongboxIsBuiltin(name)) return __strongboxRequireFrom(process.execPath)(name);",
  '  throw Object.assign(new Error("Cannot find module " + name + ": the single executable loads packages through src/security/import-module.ts"), { code: "MODULE_NOT_FOUND" });',
  "};",
].join("\n");

/**
 * Why the chunks esbuild wrote (its metafile, paths relative to `cwd`) break the rule: one
 * line per import that is neither a built-in module nor one of the chunks, and per import()
 * whose name is not a literal built-in or chunk. Empty when they keep it.
 */
export function checkChunks(metafile, cwd = process.cwd()) {
  const outputs = Object.keys(metafile.outputs).filter((path) => path.endsWith(".js"));
  const own = new Set(outputs.map((path) => resolve(cwd, path)));
  const problems = [];
  for (const path of outputs) {
    for (const { path: target, external, kind } of metafile.outputs[path].imports) {
      const allowed = external ? isBuiltin(target) : own.has(resolve(cwd, target));
      if (!allowed) problems.push(`${path}: ${kind} of ${target}`);
    }
    const text = readFileSync(resolve(cwd, path), "utf8");
    // import() of a literal: a built-in, or ./NAME.js, a chunk beside this one.
    for (const match of text.matchAll(/\bimport\s*\(\s*(?:"([^"\\]+)"\s*\))?/g)) {
      const name = match[1];
      const allowed =
        name !== undefined &&
        (isBuiltin(name) || (name.startsWith("./") && own.has(resolve(cwd, path, "..", name))));
      if (!allowed) problems.push(`${path}: ${match[0]}… (not a chunk of this build)`);
    }
  }
  return problems;
}

/**
 * A chunk that is a CommonJS package (YAML) bundled for an import(): its ESM form exports only
 * `default`, where the package's own import() gives its named exports too
 * (`const { parseDocument } = await import("yaml")`). Adds them, by the names the package
 * itself exports (loaded here, in the build, from this repository's node_modules).
 */
export function exportCommonJsNames(path, output, cwd = process.cwd()) {
  const esm = readFileSync(resolve(cwd, path), "utf8");
  const tail = /\nexport default (require_\w+)\(\);\n$/.exec(esm);
  if (tail === null || output.exports.join() !== "default") return;
  // The chunk of an import() is that import's entry point: the package's main file.
  const name = /node_modules\/((?:@[^/]+\/)?[^/]+)\//.exec(output.entryPoint ?? "")?.[1];
  if (name === undefined)
    throw new Error(`build-binary: ${basename(path)} is a CommonJS chunk of no package`);
  const names = Object.keys(createRequire(resolve(cwd, "package.json"))(name)).filter(
    (key) => key !== "default" && /^[A-Za-z_$][\w$]*$/.test(key),
  );
  const body = esm.slice(0, tail.index);
  writeFileSync(
    resolve(cwd, path),
    `${body}\nconst __strongboxCjs = ${tail[1]}();\nexport default __strongboxCjs;\nexport const { ${names.join(", ")} } = __strongboxCjs;\n`,
  );
  return relative(cwd, path);
}

/**
 * esbuild's ESM chunks of `entryPoints` in `outdir`, each with GUARD, refused (an Error) when
 * a chunk breaks the rule. Returns the path of the first entry's file, Bun's entry.
 */
export async function buildChunks({ entryPoints, outdir, external = [], define = {} }) {
  const { metafile } = await build({
    entryPoints,
    outdir,
    bundle: true,
    format: "esm",
    splitting: true,
    platform: "node",
    target: "node20",
    external,
    define,
    // Folds the build's constants (__STRONGBOX_BINARY__), so import-module.ts's import() of a
    // computed name, the npm package's path, is not in the executable at all.
    minifySyntax: true,
    banner: { js: GUARD },
    metafile: true,
    logLevel: "error",
  });
  for (const [path, output] of Object.entries(metafile.outputs)) exportCommonJsNames(path, output);
  const problems = checkChunks(metafile);
  if (problems.length > 0)
    throw new Error(
      `build-binary: a chunk loads what the executable may not:\n${problems.join("\n")}`,
    );
  return join(outdir, `${Object.keys(entryPoints)[0]}.js`);
}

/** Compiles the chunks of `entry` with Bun into the executable `outfile`. */
export function compileWithBun(bunPath, entry, outfile) {
  // --bytecode: Bun stores the compiled bytecode beside the source, so a start skips the parse.
  // --splitting: the chunks stay chunks inside the executable, each loaded when imported.
  // The --no-compile-autoload-* flags: by default a Bun executable reads .env files into
  // process.env, and bunfig.toml (whose `preload` runs code) from the working directory,
  // before any of ours runs: a checkout could set VAULT_ADDR or run a script. Each is off,
  // the ones off by default too, so a change of Bun's defaults cannot turn them on.
  // Except package.json: without it a Bun executable resolves no package at all, and the
  // optional packages (esbuild, the cloud SDKs, pg) are found through their package.json;
  // which directories they may come from is import-module.ts's rule, not the resolver's.
  execFileSync(
    bunPath,
    [
      "build",
      entry,
      "--compile",
      "--bytecode",
      "--splitting",
      "--format=esm",
      "--minify",
      "--no-compile-autoload-dotenv",
      "--no-compile-autoload-bunfig",
      "--no-compile-autoload-tsconfig",
      "--compile-autoload-package-json",
      "--outfile",
      outfile,
    ],
    { stdio: ["ignore", "ignore", "inherit"] },
  );
}
