// Which environment a container is in (issue 26, journey 3): seed 000's
// deployment sets ENV=production; Strongbox, told nothing, resolves `local`.
// It says so in one line, and the config can name the variable that selects.
import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { ENVIRONMENT_HINTS } from "../../src/environments/select.js";
import { runCli, tempProject } from "../helpers/cli.js";

const CONFIG = "project: shop\nvariables:\n  PORT: { type: port, default: 8000 }\n";
const check = (env: Record<string, string>, args: string[] = [], config = CONFIG) =>
  runCli(["check", "--json", ...args], {
    cwd: tempProject({ "strongbox.config.yaml": config }),
    env,
  });
const warned = (stderr: string) =>
  stderr.split("\n").filter((line) => /says this is production/.test(line));

describe("the variable that selects the environment", () => {
  it("every conventional variable saying production, while local was resolved by default: one warning line", async () => {
    for (const variable of ENVIRONMENT_HINTS)
      for (const value of ["production", "prod", "Production"]) {
        const result = await check({ [variable]: value });
        assert.equal(result.code, 0, result.stderr);
        assert.equal(JSON.parse(result.stdout).environment, "local");
        const lines = warned(result.stderr);
        assert.equal(lines.length, 1, `${variable}=${value}: ${result.stderr}`);
        assert.match(
          lines[0] ?? "",
          new RegExp(
            `^strongbox: warning: ${variable}=${value.toLowerCase()} says this is production, but Strongbox resolved environment "local" \\(its default\\); .*environmentVariable: ${variable}\\)$`,
          ),
        );
      }
  });

  it("no warning when the choice was explicit or the variable says something else", async () => {
    for (const [env, args] of [
      [{ ENV: "production" }, ["--env", "local"]],
      [{ ENV: "production", STRONGBOX_ENV: "local" }, []],
      [{ ENV: "staging", NODE_ENV: "development", APP_ENV: "test" }, []],
      [{ NODE_ENV: "production" }, ["--env", "ci"]],
    ] as const) {
      const result = await check({ ...env }, [...args]);
      assert.equal(result.code, 0, result.stderr);
      assert.deepEqual(warned(result.stderr), [], JSON.stringify(env));
    }
  });

  it("environmentVariable: ENV selects the environment, after --env and STRONGBOX_ENV, and an undeclared value names its variable", async () => {
    const config = `${CONFIG}environmentVariable: ENV\n`;
    const cases: Array<[Record<string, string>, string[], string]> = [
      [{ ENV: "production" }, [], "production"],
      [{ ENV: "pr-47" }, [], "pr-47"],
      [{ ENV: "staging", STRONGBOX_ENV: "ci" }, [], "ci"],
      [{ ENV: "staging" }, ["--env", "local"], "local"],
      [{}, [], "local"],
    ];
    for (const [env, args, expected] of cases) {
      const result = await check(env, args, config);
      assert.equal(result.code, 0, `${JSON.stringify(env)}: ${result.stderr}`);
      assert.equal(JSON.parse(result.stdout).environment, expected, JSON.stringify(env));
      assert.deepEqual(warned(result.stderr), []);
    }
    const unknown = await check({ ENV: "qa" }, [], config);
    assert.notEqual(unknown.code, 0);
    assert.match(
      unknown.stdout + unknown.stderr,
      /environment \\?"qa\\?" \(from ENV\) is not declared/,
    );
    const bad = await check({}, [], `${CONFIG}environmentVariable: STRONGBOX_ENV\n`);
    assert.equal(bad.code, 3, bad.stderr);
  });
});
