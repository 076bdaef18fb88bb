// Issue 24, item 8: STRONGBOX_RESOLVED is trusted only when the live ancestor it names is
// Strongbox itself running `run`. Each parent below is a live ancestor whose argv holds
// `run` and that issues a marker with its own pid and real start time, exactly as
// `strongbox run` does; none is Strongbox's `run`, so the app's loadConfig() must re-check
// its policy and refuse the value from the environment.
import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import { mkdirSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { describe, it } from "node:test";
import { CLI, cleanEnv, ROOT, runCli, tempProject } from "../helpers/cli.js";

const APP = `import { loadConfig } from ${JSON.stringify(join(ROOT, "dist/bundle/index.js"))};
const schema = { variables: { DB_PASSWORD: { secret: true, ref: { staging: "file://db-password" } } } };
try { const c = await loadConfig(schema, { environment: "staging" }); console.log("trusted", c.DB_PASSWORD); }
catch (e) { console.log(e.issues.map((i) => i.code).join()); }
`;

/** A parent that vouches for its child as `strongbox run` does: its own pid and start time. */
const PARENT = `const { readFileSync } = require("node:fs");
const { spawnSync } = require("node:child_process");
const stat = readFileSync("/proc/" + process.pid + "/stat", "utf8");
const start = stat.slice(stat.lastIndexOf(")") + 2).split(" ")[19];
const child = spawnSync(process.execPath, ["app.mjs"], {
  env: { ...process.env, STRONGBOX_RESOLVED: "staging:" + process.pid + ":" + start },
  encoding: "utf8",
});
process.stdout.write(child.stdout + child.stderr);
`;

/** A directory that looks like an installed package: `name`'s dist/bundle/strongbox.cjs. */
function fakePackage(dir: string, name: string): string {
  mkdirSync(join(dir, "dist/bundle"), { recursive: true });
  writeFileSync(join(dir, "package.json"), JSON.stringify({ name }));
  writeFileSync(join(dir, "dist/bundle/strongbox.cjs"), PARENT);
  return join(dir, "dist/bundle/strongbox.cjs");
}

/** argv after `node` for parents that hold `run` but are not Strongbox's run. */
const IMPOSTORS: ReadonlyArray<readonly [string, (dir: string) => string[]]> = [
  ["npm run start", (dir) => [script(dir, "npm-cli.js"), "run", "start"]],
  ["yarn run build", (dir) => [script(dir, "yarn.js"), "run", "build"]],
  ["a script given run as an argument", (dir) => [script(dir, "deploy.js"), "--", "run"]],
  [
    "a script named strongbox.cjs outside a strongbox package",
    (dir) => [script(dir, "strongbox.cjs"), "run"],
  ],
  [
    "a strongbox.cjs in a package of another name",
    (dir) => [fakePackage(join(dir, "other"), "strongbox-evil"), "run"],
  ],
  [
    "Strongbox's CLI shape with run not as the command",
    (dir) => [fakePackage(join(dir, "pkg"), "strongbox"), "check", "run"],
  ],
  [
    "node options then a script given run",
    (dir) => ["--no-warnings", script(dir, "x.js"), "x", "run"],
  ],
];

function script(dir: string, name: string): string {
  writeFileSync(join(dir, name), PARENT);
  return join(dir, name);
}

function project(): string {
  return tempProject({ "app.mjs": APP, "db-password": "from-the-file-0123\n" });
}

function runParent(dir: string, args: string[]): string {
  const result = spawnSync(process.execPath, args, {
    cwd: dir,
    env: cleanEnv(dir, { DB_PASSWORD: "forged-0123" }),
    encoding: "utf8",
  });
  return result.stdout;
}

describe("STRONGBOX_RESOLVED names Strongbox's own run (issue 24.8)", () => {
  for (const [name, argv] of IMPOSTORS) {
    it(`attacks: a marker issued by ${name} is not trusted`, () => {
      const dir = project();
      assert.equal(runParent(dir, argv(dir)), "E_FORBIDDEN_SOURCE\n");
    });
  }

  it("the same parent shaped as Strongbox's CLI running run is trusted (the marker itself is right)", () => {
    const dir = project();
    const output = runParent(dir, [fakePackage(join(dir, "pkg"), "strongbox"), "run"]);
    assert.equal(output, "trusted forged-0123\n");
  });

  it("a real strongbox run is trusted by its child's loadConfig()", async () => {
    const dir = tempProject({
      "app.mjs": APP,
      "db-password": "from-the-file-0123\n",
      "strongbox.config.yaml":
        "variables:\n  DB_PASSWORD: { secret: true, ref: { staging: 'file://db-password' } }\n",
    });
    const result = await runCli(["run", "--env", "staging", "--", process.execPath, "app.mjs"], {
      cwd: dir,
    });
    assert.equal(result.code, 0, result.stderr);
    // Masked on the way out: what matters is that the app accepted the value run resolved.
    assert.match(result.stdout, /^trusted /);
    assert.ok(CLI.endsWith("strongbox.cjs"));
  });
});
