// Bundles the library entries into dist/bundle with code splitting (one file per
// entry plus shared chunks loads far faster than ~30 ES modules), and the CLI into
// one CommonJS script started through V8's code cache by a small launcher
// (src/cli/launcher.ts). Types and unit tests use the tsc output in dist/src.
import { chmodSync, rmSync } from "node:fs";
import { build } from "esbuild";
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

// The CLI: one script, so the code cache covers all of it. The modules outside it are
// imported by the launcher on its behalf (src/security/import-module.ts says why).
const commonjs = {
  bundle: true,
  format: "cjs",
  platform: "node",
  target: "node20",
  define: { "import.meta.url": "__strongboxUrl" },
  logLevel: "warning",
};
await build({
  ...commonjs,
  entryPoints: ["src/cli/run-main.ts"],
  outfile: "dist/bundle/cli.cjs",
  // YAML is bundled here: every command reads the config, and one cached script starts
  // faster than the parser's forty files. age-encryption (and its post-quantum code) is
  // not: only wrapping a store key needs it, and this script's size is paid by every start.
  external: [...optionalExternals, "age-encryption"],
  banner: { js: 'var __strongboxUrl = require("node:url").pathToFileURL(__filename).href;' },
});
await build({
  ...commonjs,
  entryPoints: ["src/cli/launcher.ts"],
  outfile: "dist/bundle/strongbox.cjs",
  banner: {
    js: '#!/usr/bin/env node\nvar __strongboxUrl = require("node:url").pathToFileURL(__filename).href;',
  },
});
chmodSync("dist/bundle/strongbox.cjs", 0o755);
