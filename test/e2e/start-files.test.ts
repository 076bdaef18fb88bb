// Files a JavaScript runtime reads from the working directory on its own, before
// the program's code runs (issue 27: the single executable is compiled by Bun,
// which by default loads every .env file into process.env and runs bunfig.toml's
// `preload` scripts). A checkout holding them must change nothing: no variable
// the config does not resolve reaches the command, the environment is not
// switched (STRONGBOX_ENV), no credential is taken from them (VAULT_ADDR), and
// no script runs. Every .env name a runtime loads, under every NODE_ENV, from
// the project's directory and from a subdirectory, against whichever CLI the
// suite runs (the npm package, or the executable with STRONGBOX_TEST_BINARY).
import assert from "node:assert/strict";
import { execFileSync } from "node:child_process";
import { existsSync, mkdirSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { describe, it } from "node:test";
import { runCli, tempProject } from "../helpers/cli.js";

const MODES = ["development", "production", "test"] as const;
/** Every .env file Bun, Vite-style loaders and dotenv-flow read: base, local and per mode. */
const DOTENV_FILES = [
  ".env",
  ".env.local",
  ...MODES.flatMap((mode) => [`.env.${mode}`, `.env.${mode}.local`]),
];

const CONFIG = "variables:\n  GREETING: { default: hello }\n";

/** What the command saw: the planted variables, the environment it was resolved for. */
const REPORT = [
  "--",
  process.execPath,
  "-e",
  "console.log(JSON.stringify({ planted: Object.keys(process.env).filter((k) => k.startsWith('PLANTED') || k === 'VAULT_ADDR').sort(), resolved: process.env.STRONGBOX_RESOLVED }))",
];

/** A project with every start-up file planted in `dirs` (relative to the project). */
function plantedProject(dirs: readonly string[]): string {
  const project = tempProject({ "strongbox.config.yaml": CONFIG });
  // A repository, so the config is found from a subdirectory too (HOME is elsewhere).
  execFileSync("git", ["init", "-q"], { cwd: project });
  for (const dir of dirs.map((d) => join(project, d))) {
    mkdirSync(dir, { recursive: true });
    DOTENV_FILES.forEach((name, i) => {
      const planted = `PLANTED_${i}=from-${name}\nSTRONGBOX_ENV=planted\nVAULT_ADDR=http://127.0.0.1:9\n`;
      writeFileSync(join(dir, name), planted);
    });
    // Bun's per-directory config: `preload` runs a script before the program; [env] is not read.
    writeFileSync(join(dir, "bunfig.toml"), 'preload = ["./planted-preload.js"]\n');
    writeFileSync(
      join(dir, "planted-preload.js"),
      'require("node:fs").writeFileSync(__dirname + "/planted-ran", "ran\\n");\n',
    );
  }
  return project;
}

describe("files a runtime loads by itself from the working directory", () => {
  for (const sub of [".", "app"])
    for (const mode of [undefined, ...MODES])
      it(`change nothing: cwd ${sub === "." ? "the project" : "a subdirectory"}, NODE_ENV ${mode ?? "unset"}`, async () => {
        const project = plantedProject(sub === "." ? ["."] : [".", sub]);
        const cwd = join(project, sub);
        const result = await runCli(["run", "--quiet", ...REPORT], {
          cwd,
          env: { HOME: tempProject(), ...(mode === undefined ? {} : { NODE_ENV: mode }) },
        });
        assert.equal(result.code, 0, result.stderr);
        const seen = JSON.parse(result.stdout) as { planted: string[]; resolved: string };
        assert.deepEqual(seen.planted, [], "a planted variable reached the command");
        assert.match(seen.resolved, /^local:/, "the environment was switched by a planted file");
        for (const dir of new Set([project, cwd]))
          assert.equal(existsSync(join(dir, "planted-ran")), false, "a planted preload script ran");
      });
});
