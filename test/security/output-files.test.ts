// Issue 9, item 20: where render and the agent may write secrets, and with which mode.
import assert from "node:assert/strict";
import { chmodSync, chownSync, existsSync, mkdirSync, statSync, symlinkSync } from "node:fs";
import { join } from "node:path";
import { describe, it } from "node:test";
import { outputMode } from "../../src/render/output-file.js";
import { runCli, tempProject } from "../helpers/cli.js";

const TEMPLATE = { "t.tmpl": 'X={{ env "HOST_NAME" }}\n' };
const env = { HOST_NAME: "db.internal" };

describe("output files (issue 9.20)", () => {
  it("render refuses a symlinked parent directory", async () => {
    const dir = tempProject(TEMPLATE);
    mkdirSync(join(dir, "real"));
    symlinkSync(join(dir, "real"), join(dir, "linked"));
    const result = await runCli(["render", "-i", "t.tmpl", "-o", "linked/out.env"], {
      cwd: dir,
      env,
    });
    assert.equal(result.code, 6);
    assert.match(
      result.stderr,
      /linked is a symlink; refusing to write secrets through a linked directory/,
    );
    assert.ok(!existsSync(join(dir, "real/out.env")));
  });

  it("render refuses executable and group/world-writable modes, and writes 0640 only when asked", async () => {
    const dir = tempProject(TEMPLATE);
    for (const mode of ["0755", "0666", "0700", "0620"]) {
      const result = await runCli(["render", "-i", "t.tmpl", "-o", "out.env", "--mode", mode], {
        cwd: dir,
        env,
      });
      assert.equal(result.code, 2, mode);
      assert.ok(!existsSync(join(dir, "out.env")), mode);
    }
    const asked = await runCli(["render", "-i", "t.tmpl", "-o", "out.env", "--mode", "0640"], {
      cwd: dir,
      env,
    });
    assert.equal(asked.code, 0, asked.stderr);
    assert.equal(statSync(join(dir, "out.env")).mode & 0o777, 0o640);
    assert.equal(outputMode(undefined, "x"), 0o600);
    assert.equal(outputMode(600, "yaml number"), 0o600);
  });

  it("render refuses a group-writable ancestor, and accepts a sticky world-writable one", async () => {
    const dir = tempProject(TEMPLATE);
    mkdirSync(join(dir, "shared/sub"), { recursive: true });
    // A directory a group of other people can write (the user's own private group would be
    // fine); only root can hand a directory to a foreign group, so others get world-writable.
    const asRoot = process.getuid?.() === 0;
    if (asRoot) chownSync(join(dir, "shared"), 0, 12345);
    chmodSync(join(dir, "shared"), asRoot ? 0o775 : 0o777);
    const group = await runCli(["render", "-i", "t.tmpl", "-o", "shared/sub/out.env"], {
      cwd: dir,
      env,
    });
    assert.equal(group.code, 6);
    assert.match(
      group.stderr,
      asRoot
        ? /inside .*shared, which its group can write to/
        : /inside .*shared, which everyone can write to/,
    );
    chmodSync(join(dir, "shared"), 0o1777);
    const sticky = await runCli(["render", "-i", "t.tmpl", "-o", "shared/sub/out.env"], {
      cwd: dir,
      env,
    });
    assert.equal(sticky.code, 0, sticky.stderr);
  });

  it("the agent refuses a destination outside its directory, a world-writable one, and a writable mode", async () => {
    for (const [templates, message] of [
      [
        "- { source: t.tmpl, destination: ../escape.env }",
        /outside .* where this config may write/,
      ],
      ["- { source: t.tmpl, destination: open/out.env }", /open is writable by everyone/],
      ["- { source: t.tmpl, destination: out.env, mode: 0644 }", null],
      ["- { source: t.tmpl, destination: out.env, mode: 0666 }", /lets others write the file/],
    ] as const) {
      const root = tempProject();
      const dir = join(root, "agent");
      mkdirSync(join(dir, "open"), { recursive: true });
      chmodSync(join(dir, "open"), 0o777);
      const { writeFiles } = await import("../helpers/cli.js");
      writeFiles(dir, { ...TEMPLATE, "agent.yaml": `templates:\n  ${templates}\n` });
      const result = await runCli(["agent", "-a", "agent.yaml", "--once"], {
        cwd: dir,
        env: { ...env, VAULT_ADDR: "http://127.0.0.1:9" },
      });
      if (message === null) {
        assert.equal(result.code, 0, result.stderr);
        assert.equal(statSync(join(dir, "out.env")).mode & 0o777, 0o644);
      } else {
        assert.notEqual(result.code, 0, templates);
        assert.match(result.stderr, message);
      }
      assert.ok(!existsSync(join(root, "escape.env")));
    }
  });

  it("render and the agent refuse a destination below a directory another user owns, at every depth (rt3b item 4)", async () => {
    // Run as root here: nobody (65534) stands for another user; as another user the
    // chown is impossible, and the rule (owned by this user or root) is the same.
    if (process.getuid?.() !== 0) return;
    const { writeFiles } = await import("../helpers/cli.js");
    // volume/ is the named output directory; the file goes to volume/a/b/out.env.
    for (const depth of ["outer", "outer/volume", "outer/volume/a", "outer/volume/a/b"])
      for (const by of ["render", "agent"] as const) {
        const root = tempProject(TEMPLATE);
        const volume = join(root, "outer/volume");
        mkdirSync(join(volume, "a/b"), { recursive: true });
        const args =
          by === "render"
            ? ["render", "-i", "t.tmpl", "-o", join(volume, "a/b/out.env")]
            : ["agent", "-a", "agent.yaml", "--once"];
        writeFiles(root, {
          "agent.yaml": `output_dirs: [${volume}]\ntemplates:\n  - { source: t.tmpl, destination: ${join(volume, "a/b/out.env")} }\n`,
        });
        const run = () =>
          runCli(args, { cwd: root, env: { ...env, VAULT_ADDR: "http://127.0.0.1:9" } });
        chownSync(join(root, depth), 65534, 65534);
        const refused = await run();
        assert.equal(refused.code, 6, `${by} ${depth}: ${refused.stderr}`);
        assert.match(refused.stderr, /belongs to another user \(uid 65534\)/, `${by} ${depth}`);
        assert.ok(!existsSync(join(volume, "a/b/out.env")), `${by} ${depth}: nothing written`);
        chownSync(join(root, depth), 0, 0);
        const accepted = await run();
        assert.equal(accepted.code, 0, `${by} ${depth} owned by root: ${accepted.stderr}`);
      }
  });
});
