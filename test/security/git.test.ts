// Issue 9, item 24: the committed-secret check where `.git` is a file.
import assert from "node:assert/strict";
import { execFileSync } from "node:child_process";
import { join } from "node:path";
import { describe, it } from "node:test";
import { resolveConfig } from "../../src/resolve/drive.js";
import type { ConfigSpec } from "../../src/schema/types.js";
import { tempProject } from "../helpers/cli.js";

/** git with an identity and nothing from the machine's own git config. */
export function git(cwd: string, ...args: string[]): string {
  return execFileSync(
    "git",
    [
      "-c",
      "user.email=test@example.com",
      "-c",
      "user.name=Test",
      "-c",
      "protocol.file.allow=always",
      ...args,
    ],
    {
      cwd,
      encoding: "utf8",
      stdio: ["ignore", "pipe", "pipe"],
      env: { PATH: process.env.PATH ?? "", HOME: cwd, GIT_CONFIG_NOSYSTEM: "1" },
    },
  );
}

const config: ConfigSpec = { variables: { TOKEN: { secret: true } } };
const codes = (issues: readonly { code: string; variable?: string }[]) =>
  issues.map((item) => `${item.variable}:${item.code}`);

describe("committed secrets in worktrees and submodules (issue 9.24)", () => {
  it("a secret literal committed in a worktree's .env is refused", async () => {
    const root = tempProject({ "main/.env": "TOKEN=committed-in-worktree\n" });
    const main = join(root, "main");
    git(main, "init", "-q", "-b", "main");
    git(main, "add", ".env");
    git(main, "commit", "-qm", "env");
    git(main, "worktree", "add", "-q", join(root, "wt"), "-b", "feature");
    const result = await resolveConfig(config, {
      cwd: join(root, "wt"),
      files: [".env"],
      processEnv: {},
    });
    assert.deepEqual(codes(result.issues), ["TOKEN:E_INLINE_SECRET"]);
  });

  it("a secret literal committed in a submodule's .env is refused", async () => {
    const root = tempProject({
      "lib/.env": "TOKEN=committed-in-submodule\n",
      "app/README": "app\n",
    });
    git(join(root, "lib"), "init", "-q", "-b", "main");
    git(join(root, "lib"), "add", ".env");
    git(join(root, "lib"), "commit", "-qm", "env");
    git(join(root, "app"), "init", "-q", "-b", "main");
    git(join(root, "app"), "submodule", "add", "-q", join(root, "lib"), "lib");
    const result = await resolveConfig(config, {
      cwd: join(root, "app/lib"),
      files: [".env"],
      processEnv: {},
    });
    assert.deepEqual(codes(result.issues), ["TOKEN:E_INLINE_SECRET"]);
  });
});
