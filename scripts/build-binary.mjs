// Builds the CLI as one executable, for machines without Node or npm: the CLI
// compiled with its runtime into one file. Bun's executable holds the CLI in ESM
// chunks (scripts/binary-chunks.mjs: a start loads the dispatcher and its command's
// code only); Node's, the fallback, one CommonJS script (a SEA runs one).
//
// The runtime was chosen by measurement (issue 27, docs/benchmarks.md): Bun
// (`bun build --compile --bytecode`) starts `run -- true` several times faster
// than a Node single executable application with a startup snapshot. Bun comes
// from npm (scripts/ensure-bun.mjs); where it cannot be had, or with
// STRONGBOX_BINARY_RUNTIME=node, the Node executable is built instead (the CLI
// injected with postject into a copy of this Node binary). dist/bin/strongbox.runtime
// says which one was built; the benchmarks and the end-to-end tests use that file.
//
// Modules the npm package loads from node_modules only when a feature needs them
// (esbuild for TypeScript configs, pg for smoke tests, the AWS and Azure SDKs)
// stay outside: the binary loads them from the project's node_modules (and only
// there, src/security/import-module.ts) when they are there, and says what to install
// when they are not.
import { execFileSync } from "node:child_process";
import { copyFileSync, mkdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { build } from "esbuild";
import { buildChunks, compileWithBun } from "./binary-chunks.mjs";
import { ensureBun } from "./ensure-bun.mjs";
import { optionalExternals } from "./optional-externals.mjs";

// STRONGBOX_BINARY_OUT: another directory, to build the other runtime beside it for a comparison.
const out = process.env.STRONGBOX_BINARY_OUT ?? "dist/bin";
const work = join(out, "work");
const binary = join(out, "strongbox");
rmSync(out, { recursive: true, force: true });
mkdirSync(work, { recursive: true });
const { version } = JSON.parse(readFileSync("package.json", "utf8"));

const define = {
  __STRONGBOX_VERSION__: JSON.stringify(version),
  __STRONGBOX_BINARY__: "true",
  "import.meta.url": "__strongboxUrl",
};
const wanted = process.env.STRONGBOX_BINARY_RUNTIME ?? "bun";
const bun = wanted === "bun" ? ensureBun() : undefined;
if (bun !== undefined) await buildWithBun(bun);
else await buildWithNode();
rmSync(work, { recursive: true, force: true });

/** Node's executable (a SEA runs one CommonJS script): the CLI bundled into one. */
async function scriptForNode() {
  await build({
    entryPoints: ["src/cli/binary-main.ts"],
    outfile: join(work, "strongbox.cjs"),
    bundle: true,
    format: "cjs",
    platform: "node",
    target: "node20",
    external: optionalExternals,
    // import() of a module outside the executable has no loader in a Node 20 SEA: esbuild
    // turns every dynamic import into require(), and the config loader compiles to CommonJS.
    supported: { "dynamic-import": false },
    define,
    // Inside the executable, require() reaches built-in modules only (the same rule as the Bun
    // build's chunks, scripts/binary-chunks.mjs). The bundle runs inside a function whose
    // parameter `require` is that guard.
    banner: {
      js: [
        "(function (require) {",
        'var __strongboxUrl = "file:///strongbox-binary/dist/bin/strongbox";',
      ].join("\n"),
    },
    footer: {
      js: [
        "})(function (name) {",
        '  if (require("node:module").isBuiltin(name)) return require(name);',
        '  throw Object.assign(new Error("Cannot find module " + name + ": the single executable loads packages through src/security/import-module.ts"), { code: "MODULE_NOT_FOUND" });',
        "});",
      ].join("\n"),
    },
    logLevel: "warning",
  });
  return join(work, "strongbox.cjs");
}

/**
 * Bun's executable: the CLI in chunks (esbuild ESM splitting), compiled with Bun's own
 * splitting, so a start loads the dispatcher and its command's code only. What a chunk may
 * load is scripts/binary-chunks.mjs's rule, checked there and guarded in each chunk.
 */
async function buildWithBun(bunPath) {
  const entry = await buildChunks({
    entryPoints: { strongbox: "src/cli/binary-main.ts" },
    outdir: join(work, "esm"),
    external: optionalExternals,
    define,
  });
  compileWithBun(bunPath, entry, binary);
  const bunVersion = execFileSync(bunPath, ["--version"], { encoding: "utf8" }).trim();
  writeFileSync(`${binary}.runtime`, `bun ${bunVersion}\n`);
  console.log(`build-binary: wrote ${binary} (Bun ${bunVersion}, bytecode)`);
}

async function buildWithNode() {
  const script = await scriptForNode();
  writeFileSync(
    join(work, "sea-config.json"),
    JSON.stringify({
      main: script,
      output: join(work, "sea-prep.blob"),
      disableExperimentalSEAWarning: true,
      // A startup snapshot (measured 2026-11-29: 156 ms against 202 ms for the code cache
      // alone, `run -- true` with 50 store secrets); the two options exclude each other.
      useSnapshot: true,
    }),
  );
  // Node warns that some built-in modules are "not yet fully verified" in snapshots; the whole
  // end-to-end suite runs against the binary, which is the verification that counts here.
  execFileSync(process.execPath, ["--experimental-sea-config", join(work, "sea-config.json")], {
    stdio: ["ignore", "inherit", "ignore"],
  });
  copyFileSync(process.execPath, binary);
  execFileSync(
    process.execPath,
    [
      "node_modules/postject/dist/cli.js",
      binary,
      "NODE_SEA_BLOB",
      join(work, "sea-prep.blob"),
      "--sentinel-fuse",
      "NODE_SEA_FUSE_fce680ab2cc467b6e072b8b5df1996b2",
    ],
    // postject warns about ELF note sections it does not need; its output is noise here.
    { stdio: ["ignore", "ignore", "ignore"] },
  );
  writeFileSync(
    `${binary}.runtime`,
    `node ${process.version} (single executable application, startup snapshot)\n`,
  );
  console.log(`build-binary: wrote ${binary} (Node ${process.version} single executable)`);
}
