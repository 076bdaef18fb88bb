// Issue 24 follow-up (red team, item 8): every process Strongbox starts that is not the user's
// own command (git, logger, generators, render hooks) goes through one helper that removes
// credentials from its environment. A repository's core.fsmonitor or hook runs inside git.
import assert from "node:assert/strict";
import { execFileSync } from "node:child_process";
import { chmodSync, existsSync, readdirSync, readFileSync, statSync, writeFileSync } from "node:fs";
import { join, relative } from "node:path";
import { describe, it } from "node:test";
// The registry hands every provider's credentials to the rule (security/credential-table.ts).
import "../../src/providers/registry.js";
import { declaredCredentialVariables } from "../../src/security/credentials.js";
import { runCli, tempProject, writeFiles } from "../helpers/cli.js";

const SRC = join(import.meta.dirname, "../../../src");
/**
 * The only files that may start a process themselves: the helper, the user's own command (run,
 * agent, `edit`'s editor), which scrub by the same function and keep what the schema declares, and the ACL probe
 * of the ownership rule, which gives its probe PATH alone (it sits below the helper's imports).
 */
const ALLOWED = new Set([
  "exec/tool-process.ts",
  "exec/spawn-child.ts",
  "agent/child.ts",
  // `edit`: the person's own editor on a terminal, started as git starts it, credentials scrubbed.
  "exec/editor.ts",
  "security/acl-probe.ts",
]);

function sources(dir: string): string[] {
  return readdirSync(dir).flatMap((name) => {
    const path = join(dir, name);
    return statSync(path).isDirectory() ? sources(path) : path.endsWith(".ts") ? [path] : [];
  });
}

describe("child processes Strongbox starts get no credentials", () => {
  it("architecture: only the helper (and run's and the agent's user command) reach node:child_process", () => {
    const files = sources(SRC);
    assert.ok(files.length > 100, SRC);
    const starters = files
      .filter((file) =>
        readFileSync(file, "utf8")
          .split("\n")
          // A type-only import starts nothing.
          .filter((line) => !/^\s*import\s+type\b/.test(line))
          .some((line) => /["'](node:)?child_process["']/.test(line)),
      )
      .map((file) => relative(SRC, file));
    assert.ok(starters.includes("exec/tool-process.ts"));
    assert.deepEqual(
      starters.filter((file) => !ALLOWED.has(file)),
      [],
      "start processes through exec/tool-process.ts",
    );
  });

  it("git (lint, diff --store-rev) runs without any credential variable", async () => {
    const dir = tempProject();
    const bin = join(dir, "bin");
    const dump = join(dir, "git-env");
    const realGit = execFileSync("sh", ["-c", "command -v git"], { encoding: "utf8" }).trim();
    writeFiles(bin, { git: `#!/bin/sh\nenv >> '${dump}'\nexec '${realGit}' "$@"\n` });
    chmodSync(join(bin, "git"), 0o755);
    const project = join(dir, "p");
    writeFiles(project, {
      "strongbox.config.yaml": "variables:\n  PORT: { type: port, default: 80 }\n",
      ".env": "PORT=81\n",
    });
    const passphrase = { STRONGBOX_PASSPHRASE: "correct horse battery staple" };
    const credentials = Object.fromEntries(
      declaredCredentialVariables()
        .filter((name) => !name.endsWith("_FILE") && name !== "STRONGBOX_PASSPHRASE")
        .map((name) => [name, `leak-${name}`]),
    );
    const env = { ...credentials, ...passphrase, PATH: `${bin}:${process.env.PATH ?? ""}` };
    const gitEnv = { GIT_CONFIG_NOSYSTEM: "1", HOME: dir };
    execFileSync(realGit, ["init", "-q"], { cwd: project, env: gitEnv });
    assert.equal(
      (await runCli(["init", "--passphrase"], { cwd: project, env: passphrase })).code,
      0,
    );
    execFileSync(realGit, ["add", "-A"], { cwd: project, env: gitEnv });
    execFileSync(realGit, ["-c", "user.name=t", "-c", "user.email=t@t", "commit", "-qm", "store"], {
      cwd: project,
      env: gitEnv,
    });
    for (const args of [["lint"], ["diff", "--store-rev", "HEAD"]]) {
      writeFileSync(dump, "");
      const result = await runCli(args, { cwd: project, env });
      const seen = readFileSync(dump, "utf8");
      assert.ok(seen.length > 0, `${args.join(" ")} did not start git: ${result.stderr}`);
      const leaked = seen
        .split("\n")
        .map((line) => line.split("=")[0] ?? "")
        .filter((name) => Object.hasOwn(credentials, name) || name === "STRONGBOX_PASSPHRASE");
      assert.deepEqual(leaked, [], `${args.join(" ")} gave git credentials`);
    }
    assert.ok(existsSync(dump));
  });
});
