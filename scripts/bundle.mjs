// Bundles the CLI and the library entry into dist/bundle with code splitting.
// One file per entry (plus shared chunks) loads far faster than ~30 ES modules,
// which keeps `strongbox run` close to a bare `node` start. Types and tests use
// the tsc output in dist/src.
import { rmSync } from "node:fs";
import { build } from "esbuild";

// Chunk names are content hashes: without a clean slate, every build leaves the old ones behind.
rmSync("dist/bundle", { recursive: true, force: true });

await build({
  // The library's subpaths are entries of the same build, so they share chunks: one
  // StrongboxError class (and one of everything else) whichever subpath loaded it.
  entryPoints: {
    main: "src/cli/main.ts",
    index: "src/index.ts",
    ...Object.fromEntries(
      ["store", "vault", "render", "migrate", "check", "providers", "lifecycle", "redact"].map(
        (name) => [name, `src/api/${name}.ts`],
      ),
    ),
  },
  outdir: "dist/bundle",
  bundle: true,
  splitting: true,
  format: "esm",
  platform: "node",
  target: "node20",
  // The AWS and Azure SDKs are loaded from node_modules when a ref of theirs is read, not bundled.
  external: ["esbuild", "yaml", "pg", "@aws-sdk/*", "@smithy/*", "@azure/*"],
  chunkNames: "chunk-[hash]",
  logLevel: "warning",
});
