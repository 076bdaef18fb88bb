// `strongbox doctor` (issue 13): the local side, every check at once, no value read.
import assert from "node:assert/strict";
import { execFileSync } from "node:child_process";
import { appendFileSync, chmodSync, readdirSync } from "node:fs";
import { join } from "node:path";
import { describe, it } from "node:test";
import { runCli, tempProject } from "../helpers/cli.js";

type Check = { check: string; status: string; detail: string };

async function doctor(dir: string, env: Record<string, string> = {}) {
  const result = await runCli(["doctor", "--json"], { cwd: dir, env });
  const report = JSON.parse(result.stdout) as { ok: boolean; checks: Check[] };
  return {
    code: result.code,
    status: Object.fromEntries(report.checks.map((c) => [c.check, c.status])),
    report,
  };
}

describe("strongbox doctor", () => {
  it("a healthy project passes every check; a broken one fails each check that is broken", async () => {
    const dir = tempProject({
      "strongbox.config.yaml": "variables:\n  TOKEN: { secret: true, ref: 'store://TOKEN' }\n",
    });
    execFileSync("git", ["init", "-q"], { cwd: dir });
    assert.equal((await runCli(["init"], { cwd: dir })).code, 0);
    assert.equal(
      (await runCli(["set", "TOKEN"], { cwd: dir, input: "doctor-canary-value" })).code,
      0,
    );
    const healthy = await doctor(dir);
    assert.equal(healthy.code, 0, JSON.stringify(healthy.report));
    assert.deepEqual(healthy.status, {
      config: "ok",
      "key files": "ok",
      store: "ok",
      gitignore: "ok",
      "compile cache": "ok",
      audit: "ok",
      vault: "skip",
    });
    const keys = join(dir, ".config/strongbox/keys");
    for (const name of readdirSync(keys)) chmodSync(join(keys, name), 0o644);
    appendFileSync(join(dir, ".env"), "X=1\n");
    appendFileSync(join(dir, ".local/state/strongbox/audit.jsonl"), '{"forged":true}\n');
    const broken = await doctor(dir, { VAULT_ADDR: "http://127.0.0.1:9" });
    assert.equal(broken.code, 4);
    assert.deepEqual(broken.status, {
      config: "ok",
      "key files": "fail",
      store: "fail",
      gitignore: "fail",
      "compile cache": "ok",
      audit: "fail",
      vault: "fail",
    });
    assert.ok(!JSON.stringify(broken.report).includes("doctor-canary-value"));
    const text = await runCli(["doctor"], { cwd: dir });
    assert.match(text.stderr, /✗ key files: .*accessible by other users/);
    assert.match(text.stderr, /hint: chmod 600/);
  });

  it("without a config, says how to start", async () => {
    const dir = tempProject();
    const result = await runCli(["doctor"], { cwd: dir });
    assert.equal(result.code, 4);
    assert.match(
      result.stderr,
      /✗ config: no strongbox\.config\.ts or \.yaml here or above\n {4}hint: run `strongbox init`/,
    );
  });
});
