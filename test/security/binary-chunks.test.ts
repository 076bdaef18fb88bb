// Issue 27 item 10 (start-up): the Bun executable is the CLI in ESM chunks. What a chunk may load
// is one rule (scripts/binary-chunks.mjs): built-in modules and the build's own chunks, never a
// module from the working directory, NODE_PATH or a planted node_modules (the optional packages
// come through src/security/import-module.ts, which has its own attack tests in
// test/e2e/optional-modules). The rule has a build-time half (a chunk importing anything else is
// refused) and a run-time half (each chunk's `require` serves built-ins only): both are attacked
// here through the real pipeline, esbuild's chunks compiled by Bun.
import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import { existsSync, mkdirSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { describe, it } from "node:test";
import { pathToFileURL } from "node:url";
import { cleanEnv, ROOT, tempProject, writeFiles } from "../helpers/cli.js";

interface BinaryChunks {
  buildChunks(options: {
    entryPoints: Record<string, string>;
    outdir: string;
    external?: string[];
    define?: Record<string, string>;
  }): Promise<string>;
  compileWithBun(bun: string, entry: string, outfile: string): void;
}
const script = (name: string) => pathToFileURL(join(ROOT, "scripts", name)).href;
const chunks = (await import(script("binary-chunks.mjs"))) as BinaryChunks;
const { ensureBun } = (await import(script("ensure-bun.mjs"))) as {
  ensureBun(): string | undefined;
};
const { optionalExternals } = (await import(script("optional-externals.mjs"))) as {
  optionalExternals: string[];
};

/** Builds `source` (an entry module's text) as the executable's chunks; the build's error, or undefined. */
async function buildError(source: string, external: string[]): Promise<string | undefined> {
  const dir = tempProject({ "main.mjs": source });
  try {
    await chunks.buildChunks({
      entryPoints: { main: join(dir, "main.mjs") },
      outdir: join(dir, "out"),
      external,
    });
    return undefined;
  } catch (error) {
    return (error as Error).message;
  }
}

const PACKAGES = ["planted", "@planted/sdk", "planted/lib/index.js", "/tmp/planted/index.js"];
/** Every way an ES module names another: each must be a built-in or one of the build's chunks. */
const FORMS: ReadonlyArray<readonly [string, (name: string) => string]> = [
  ["a static import", (name) => `import ${JSON.stringify(name)};\n`],
  ["a re-export", (name) => `export * from ${JSON.stringify(name)};\n`],
  ["an import() of a literal", (name) => `await import(${JSON.stringify(name)});\n`],
  ["a require() of a literal", (name) => `require(${JSON.stringify(name)});\n`],
];

describe("the single executable's chunks (Bun)", () => {
  it("attacks: a chunk importing anything but a built-in or a chunk is refused by the build", async () => {
    for (const [form, write] of FORMS)
      for (const name of PACKAGES) {
        const error = await buildError(write(name), [name]);
        assert.match(
          error ?? "",
          /a chunk loads what the executable may not/,
          `${form} of ${name}`,
        );
      }
    for (const computed of [
      "import(process.env.NAME)",
      "((name) => import(name))(process.env.NAME)",
    ]) {
      const error = await buildError(`await ${computed};\n`, []);
      assert.match(error ?? "", /not a chunk of this build/, computed);
    }
    // Built-ins, in every form, and the build's own chunks are what a chunk may load.
    for (const [form, write] of FORMS)
      for (const name of ["node:fs", "fs", "buffer"])
        assert.equal(await buildError(write(name), []), undefined, `${form} of ${name}`);
    const dir = tempProject({ "lazy.mjs": "export const x = 1;\n" });
    assert.equal(
      await buildError(`await import(${JSON.stringify(join(dir, "lazy.mjs"))});\n`, []),
      undefined,
    );
  });

  it("the CLI's own chunks keep the rule (the build of dist/bin/strongbox)", async () => {
    const dir = tempProject();
    await chunks.buildChunks({
      entryPoints: { strongbox: join(ROOT, "src/cli/binary-main.ts") },
      outdir: join(dir, "esm"),
      external: optionalExternals,
      define: { __STRONGBOX_VERSION__: '"0.0.0"', __STRONGBOX_BINARY__: "true" },
    });
  });

  it("attacks: inside the executable, a chunk's require() loads no module from the disk", async () => {
    const bun = ensureBun();
    assert.ok(bun, "Bun (scripts/ensure-bun.mjs), which builds the executable");
    const src = tempProject({
      // A CommonJS package that requires a computed name (esbuild's __require in a chunk).
      "loader.cjs": "module.exports = (name) => require(name);\n",
      "attack.mjs": [
        'import load from "./loader.cjs";',
        "export function attack(names) {",
        "  return names.map((name) => {",
        "    try { load(name); return `${name}: loaded`; }",
        "    catch (error) { return `${name}: ${error.code}`; }",
        "  });",
        "}",
      ].join("\n"),
      "main.mjs": `const { attack } = await import("./attack.mjs");\nconsole.log(JSON.stringify(attack(JSON.parse(process.env.NAMES))));\n`,
    });
    const entry = await chunks.buildChunks({
      entryPoints: { main: join(src, "main.mjs") },
      outdir: join(src, "out"),
    });
    const binary = join(src, "attack-binary");
    chunks.compileWithBun(bun, entry, binary);

    // Planted where a resolver would look: the working directory's node_modules, NODE_PATH, files.
    const cwd = tempProject();
    const marker = join(cwd, "planted-ran");
    const code = `require("node:fs").appendFileSync(${JSON.stringify(marker)}, "ran\\n");\n`;
    for (const root of [join(cwd, "node_modules"), join(cwd, "path")])
      writeFiles(join(root, "planted"), {
        "package.json": '{ "name": "planted", "main": "index.js" }\n',
        "index.js": code,
      });
    writeFileSync(join(cwd, "planted.cjs"), code);
    mkdirSync(join(cwd, "sub"));
    const planted = [
      "planted",
      "planted/index.js",
      "./node_modules/planted/index.js",
      "../node_modules/planted/index.js",
      "./planted.cjs",
      join(cwd, "planted.cjs"),
      join(cwd, "node_modules/planted/index.js"),
      join(cwd, "node_modules/planted"),
    ];
    const builtins = ["node:fs", "fs", "buffer", "node:process"];
    for (const dir of [cwd, join(cwd, "sub")]) {
      const run = spawnSync(binary, [], {
        cwd: dir,
        env: cleanEnv(dir, {
          NAMES: JSON.stringify([...planted, ...builtins]),
          NODE_PATH: join(cwd, "path"),
        }),
        encoding: "utf8",
      });
      assert.equal(run.status, 0, run.stderr);
      assert.deepEqual(JSON.parse(run.stdout), [
        ...planted.map((name) => `${name}: MODULE_NOT_FOUND`),
        ...builtins.map((name) => `${name}: loaded`),
      ]);
    }
    assert.equal(existsSync(marker), false, "a planted module ran");
  });
});
