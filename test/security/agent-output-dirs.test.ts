// Issue 26 (seed layout): the agent may write to a directory agent.yaml names in
// `output_dirs` (a sidecar's /etc/vault/secrets); every other spelling stays refused.
import assert from "node:assert/strict";
import { mkdirSync, renameSync, rmSync, symlinkSync, writeFileSync } from "node:fs";
import { dirname, join, relative } from "node:path";
import { describe, it } from "node:test";
import { agentOutputRules } from "../../src/agent/config.js";
import { checkOutputPath } from "../../src/render/output-file.js";
import { tempProject } from "../helpers/cli.js";

/** An agent directory, a stand-in for /etc/vault/secrets beside it, and a directory outside both. */
function layout() {
  const top = tempProject();
  const agent = join(top, "agent");
  const secrets = join(top, "secrets");
  const outside = join(top, "outside");
  for (const dir of [agent, secrets, outside]) mkdirSync(dir, { mode: 0o755 });
  mkdirSync(join(secrets, "sub"), { mode: 0o755 });
  symlinkSync(outside, join(secrets, "linked-dir"));
  writeFileSync(join(outside, "target.env"), "");
  symlinkSync(join(outside, "target.env"), join(secrets, "linked-file.env"));
  symlinkSync(secrets, join(top, "secrets-link"));
  return { top, agent, secrets, outside };
}

/** Every spelling of the named directory agent.yaml may give: trailing slashes, `.` and `..`. */
function dirSpellings(secrets: string): string[] {
  return [secrets, `${secrets}/`, `${secrets}//`, `${secrets}/.`, `${secrets}/sub/..`];
}

function allowed(path: string, agent: string, dirs: readonly string[]): boolean {
  try {
    checkOutputPath(path, agent, agentOutputRules(agent, dirs));
    return true;
  } catch (error) {
    assert.equal((error as { code?: string }).code, "E_UNSAFE_PATH", path);
    return false;
  }
}

describe("agent output_dirs: one rule, every spelling", () => {
  it("accepts files inside the named directory however it is spelled", () => {
    const { agent, secrets } = layout();
    const inside = [
      `${secrets}/app.env`,
      `${secrets}//app.env`,
      `${secrets}/./app.env`,
      `${secrets}/sub/../app.env`,
      `${secrets}/sub/app.env`,
      `${secrets}/new/deeper/app.env`,
      `${relative(agent, secrets)}/app.env`,
      "app.env",
      "nested/app.env",
    ];
    for (const spelling of dirSpellings(secrets))
      for (const path of inside)
        assert.ok(allowed(path, agent, [spelling]), `${spelling}: ${path}`);
  });

  it("refuses everything else: the directory itself, `..`, siblings sharing its prefix, links", () => {
    const { top, agent, secrets, outside } = layout();
    const refused = [
      secrets,
      `${secrets}/`,
      `${secrets}/..`,
      `${secrets}/../outside/x.env`,
      `${secrets}/sub/../../x.env`,
      ...["-evil", "evil", ".bak", "_x", " "].map((suffix) => `${secrets}${suffix}/app.env`),
      `${dirname(secrets)}/x.env`,
      `${outside}/x.env`,
      "/etc/passwd",
      "../x.env",
      `${secrets}/linked-dir/app.env`,
      `${secrets}/linked-file.env`,
      `${top}/secrets-link/app.env`,
    ];
    for (const spelling of dirSpellings(secrets))
      for (const path of refused)
        assert.ok(!allowed(path, agent, [spelling]), `${spelling}: ${path}`);
    // Without output_dirs, the named directory is refused as before.
    assert.ok(!allowed(`${secrets}/app.env`, agent, []));
    // A named directory that is itself a link confines nothing: refused.
    assert.ok(!allowed(`${top}/secrets-link/app.env`, agent, [join(top, "secrets-link")]));
  });

  it("refuses a link swapped in after the first check (the check runs before every write)", () => {
    const { agent, secrets, outside } = layout();
    const path = `${secrets}/sub/app.env`;
    assert.ok(allowed(path, agent, [secrets]));
    rmSync(join(secrets, "sub"), { recursive: true });
    symlinkSync(outside, join(secrets, "sub"));
    assert.ok(!allowed(path, agent, [secrets]));
    // The named directory itself swapped for a link: refused too.
    rmSync(join(secrets, "sub"));
    renameSync(secrets, `${secrets}-real`);
    symlinkSync(`${secrets}-real`, secrets);
    assert.ok(!allowed(`${secrets}/app.env`, agent, [secrets]));
  });
});
