// Builds the CLI as one executable (Node's single executable applications):
// the CLI bundled into one CommonJS script with V8's code cache, injected into
// a copy of this Node binary with postject. For machines without Node or npm.
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
import { optionalExternals } from "./optional-externals.mjs";

const out = "dist/bin";
const work = join(out, "work");
rmSync(out, { recursive: true, force: true });
mkdirSync(work, { recursive: true });
const { version } = JSON.parse(readFileSync("package.json", "utf8"));

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
  define: {
    __STRONGBOX_VERSION__: JSON.stringify(version),
    __STRONGBOX_BINARY__: "true",
    "import.meta.url": "__strongboxUrl",
  },
  // Inside the executable, require() reaches built-in modules only, and that is all this
  // one serves: the optional packages above are loaded only from the project's node_modules,
  // after the ownership check (src/security/import-module.ts), never resolved from the working
  // directory, its parents or NODE_PATH.
  banner: {
    js: [
      "var __strongboxRequire = require;",
      'var require = (name) => { if (__strongboxRequire("node:module").isBuiltin(name)) return __strongboxRequire(name); throw Object.assign(new Error("Cannot find module " + name + ": the single executable loads packages through src/util/import-module.ts"), { code: "MODULE_NOT_FOUND" }); };',
      'var __strongboxUrl = "file:///strongbox-binary/dist/bin/strongbox";',
    ].join("\n"),
  },
  logLevel: "warning",
});
writeFileSync(
  join(work, "sea-config.json"),
  JSON.stringify({
    main: join(work, "strongbox.cjs"),
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
const binary = join(out, "strongbox");
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
rmSync(work, { recursive: true, force: true });
console.log(`build-binary: wrote ${binary}`);
