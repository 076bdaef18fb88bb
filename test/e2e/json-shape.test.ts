// `--json` has one shape everywhere (issue 13): `ok`, `issues`, then the data;
// STRONGBOX_FORMAT=json asks for it without the flag; errors have it too.
import assert from "node:assert/strict";
import { mkdirSync } from "node:fs";
import { join } from "node:path";
import { describe, it } from "node:test";
import { runCli, tempProject } from "../helpers/cli.js";

const CONFIG =
  "variables:\n  PORT: { type: port, default: 8080 }\n  TOKEN: { secret: true, ref: 'store://TOKEN' }\n";

describe("--json", () => {
  it("every command that has it prints { ok, issues, … }, also with STRONGBOX_FORMAT=json", async () => {
    const dir = tempProject({ "strongbox.config.yaml": CONFIG, ".env": "X=1\n" });
    mkdirSync(join(dir, "dist"));
    const init = await runCli(["init", "--json"], { cwd: dir });
    assert.equal(init.code, 0, init.stderr);
    const commands: ReadonlyArray<{ args: string[]; input?: string; ok: boolean }> = [
      { args: ["set", "TOKEN"], input: "json-shape-canary", ok: true },
      { args: ["get", "TOKEN"], ok: true },
      { args: ["list"], ok: true },
      { args: ["history", "TOKEN"], ok: true },
      { args: ["check"], ok: true },
      { args: ["explain", "PORT"], ok: true },
      { args: ["lint"], ok: true },
      { args: ["scan", "dist"], ok: true },
      { args: ["doctor"], ok: true },
      { args: ["env", "list"], ok: true },
      { args: ["smoke"], ok: true },
      { args: ["check", "--env", "nope"], ok: false },
    ];
    for (const { args, input, ok } of commands)
      for (const mode of ["flag", "env"] as const) {
        const result = await runCli(mode === "flag" ? [...args, "--json"] : args, {
          cwd: dir,
          ...(input === undefined ? {} : { input }),
          ...(mode === "env" ? { env: { STRONGBOX_FORMAT: "json" } } : {}),
        });
        let body: { ok?: unknown; issues?: unknown };
        try {
          body = JSON.parse(result.stdout);
        } catch {
          assert.fail(`${args.join(" ")} (${mode}): not JSON: ${result.stdout}${result.stderr}`);
        }
        assert.equal(body.ok, ok, `${args.join(" ")} (${mode}): ${result.stdout}`);
        assert.ok(Array.isArray(body.issues), `${args.join(" ")} (${mode}): issues`);
      }
  });
});
