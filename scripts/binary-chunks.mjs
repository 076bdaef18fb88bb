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
import { readFileSync, writeFileSync } from "node:fs";
import { createRequire, isBuiltin } from "node:module";
import { basename, relative, resolve } from "node:path";

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
 * whose name is not a literal chunk name. Empty when they keep it.
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
    for (const match of text.matchAll(/\bimport\s*\(\s*(?:"\.\/([^"\\]+)"\s*\))?/g)) {
      const chunk = match[1] && resolve(cwd, path, "..", match[1]);
      if (!chunk || !own.has(chunk))
        problems.push(`${path}: ${match[0]}… (not a chunk of this build)`);
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
