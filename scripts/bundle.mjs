// Bundles the library entries into dist/bundle with code splitting (one file per
// entry plus shared chunks loads far faster than ~30 ES modules), and the CLI into
// one CommonJS script started through V8's code cache by a small launcher
// (src/cli/launcher.ts). Types and unit tests use the tsc output in dist/src.
import { chmodSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { basename } from "node:path";
import { build, transform } from "esbuild";
import { optionalExternals } from "./optional-externals.mjs";

// Chunk names are content hashes: without a clean slate, every build leaves the old ones behind.
rmSync("dist/bundle", { recursive: true, force: true });

await build({
  // The library's subpaths are entries of the same build, so they share chunks: one
  // StrongboxError class (and one of everything else) whichever subpath loaded it.
  entryPoints: {
    index: "src/index.ts",
    ...Object.fromEntries(
      [
        "store",
        "vault",
        "render",
        "migrate",
        "check",
        "providers",
        "lifecycle",
        "redact",
        "crypto",
        "data",
      ].map((name) => [name, `src/api/${name}.ts`]),
    ),
  },
  outdir: "dist/bundle",
  bundle: true,
  splitting: true,
  format: "esm",
  platform: "node",
  target: "node20",
  // The AWS and Azure SDKs are loaded from node_modules when a ref of theirs is read, not bundled.
  external: [...optionalExternals, "yaml", "age-encryption"],
  chunkNames: "chunk-[hash]",
  logLevel: "warning",
});

// The CLI: the dispatcher and each command's code in chunks (esbuild's ESM code splitting, each
// chunk then turned into a CommonJS script), so a start loads and compiles only what the command
// it runs needs, each chunk through V8's code cache (src/cli/launcher.ts). The modules outside
// it are imported by the launcher on its behalf (src/security/import-module.ts says why).
const commonjs = {
  bundle: true,
  format: "cjs",
  platform: "node",
  target: "node20",
  define: { "import.meta.url": "__strongboxUrl" },
  logLevel: "warning",
};
await buildCliChunks();
await build({
  ...commonjs,
  entryPoints: ["src/cli/launcher.ts"],
  outfile: "dist/bundle/strongbox.cjs",
  banner: {
    js: '#!/usr/bin/env node\nvar __strongboxUrl = require("node:url").pathToFileURL(__filename).href;',
  },
});
chmodSync("dist/bundle/strongbox.cjs", 0o755);

/**
 * dist/bundle/cli.cjs (the dispatcher, src/cli/run-main.ts) and the `cli-*.cjs` chunks it and
 * the commands share. One build, so a module is in one chunk only: one StrongboxError class
 * whichever command threw. A chunk is a CommonJS script whose `require("./cli-….cjs")` the
 * launcher serves from its own chunk list; every other require reaches what the single script's did.
 */
async function buildCliChunks() {
  const work = "dist/cli-esm";
  rmSync(work, { recursive: true, force: true });
  const { metafile } = await build({
    ...commonjs,
    format: "esm",
    splitting: true,
    entryPoints: { main: "src/cli/run-main.ts" },
    outdir: work,
    entryNames: "cli-[name]-[hash]",
    chunkNames: "cli-chunk-[hash]",
    // YAML is bundled here: every command reads the config, and one cached chunk starts
    // faster than the parser's forty files. age-encryption (and its post-quantum code) is
    // not: only wrapping a store key needs it.
    external: [...optionalExternals, "age-encryption"],
    metafile: true,
  });
  const banner = 'var __strongboxUrl = require("node:url").pathToFileURL(__filename).href;';
  for (const [path, output] of Object.entries(metafile.outputs)) {
    const name = basename(path, ".js");
    const file = output.entryPoint === "src/cli/run-main.ts" ? "cli" : name;
    // Chunk names are content hashes: a ./cli-….js string is one of this build's chunks.
    const esm = readFileSync(path, "utf8").replace(/"\.\/(cli-[A-Za-z0-9_-]+)\.js"/g, '"./$1.cjs"');
    const { code } = await transform(esm, {
      format: "cjs",
      platform: "node",
      target: "node20",
      // import() of a chunk becomes the launcher's require: a cached script cannot import().
      supported: { "dynamic-import": false },
      // Splitting repeats esbuild's interop helpers in every chunk; without the whitespace the
      // CLI is smaller than the single script was (names kept, for the debug output's stacks).
      minifyWhitespace: true,
      banner,
      logLevel: "warning",
    });
    writeFileSync(
      `dist/bundle/${file}.cjs`,
      commonJsPackage(esm, output) ? cjsExports(code) : code,
    );
  }
  rmSync(work, { recursive: true, force: true });
}

/**
 * A chunk that is a CommonJS package (YAML) bundled for an `import()`: its ESM form exports
 * only `default`, so `const { parseDocument } = await import("yaml")` would find nothing, where
 * Node's import() of the package gives its named exports. As CommonJS, the chunk's exports are
 * the package's own, and the importer's interop gives both the names and `default`.
 */
function commonJsPackage(esm, output) {
  return /\nexport default require_\w+\(\);\n$/.test(esm) && output.exports.join() === "default";
}

function cjsExports(code) {
  if (!/(^|[;\n])var stdin_default ?= ?[^;\n]+;\n?$/.test(code))
    throw new Error("bundle: a CommonJS package chunk is not in the shape expected");
  return `${code}\nmodule.exports = stdin_default;\n`;
}
