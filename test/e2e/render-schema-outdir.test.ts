// `render -o` into a directory that does not exist yet (issue 26, journey 3):
// created as the real vault-agent creates it (0755 under the umask), compared
// with `bao agent` itself; never under a directory others could swap.
import assert from "node:assert/strict";
import { chmodSync, existsSync, mkdirSync, statSync, symlinkSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { after, before, describe, it } from "node:test";
import { type Bao, renderWithBaoAgent, startBao } from "../helpers/bao.js";
import { runCli, tempProject } from "../helpers/cli.js";

const modes = (dir: string, paths: readonly string[]) =>
  paths.map((path) => (statSync(join(dir, path)).mode & 0o7777).toString(8));

describe("render -o creates missing directories as vault-agent does", () => {
  let bao: Bao;
  before(async () => {
    bao = await startBao();
  });
  after(async () => bao.stop());

  it("same directory modes as bao agent, under umask 022 and 077; the file stays 0600", async () => {
    const dirs = ["out", "out/deep", "out/deep/er"];
    for (const mask of [0o022, 0o077]) {
      const previous = process.umask(mask);
      try {
        const agentDir = tempProject({ "t.ctmpl": "A=1\n" });
        renderWithBaoAgent(bao, agentDir, [["t.ctmpl", "out/deep/er/app.env"]]);
        const dir = tempProject({
          "strongbox.config.yaml": "variables:\n  A: { default: '1' }\n",
          "t.ctmpl": "A=1\n",
        });
        const result = await runCli(["render", "-i", "t.ctmpl", "-o", "out/deep/er/app.env"], {
          cwd: dir,
        });
        assert.equal(result.code, 0, result.stderr);
        assert.deepEqual(modes(dir, dirs), modes(agentDir, dirs), `umask ${mask.toString(8)}`);
        assert.deepEqual(modes(dir, ["out/deep/er/app.env"]), ["600"]);
      } finally {
        process.umask(previous);
      }
    }
  });

  it("refuses to create under a directory others can write or through a linked one, creating nothing", async () => {
    const dir = tempProject({
      "strongbox.config.yaml": "variables:\n  A: { default: '1' }\n",
      "t.ctmpl": "A=1\n",
    });
    mkdirSync(join(dir, "shared"));
    chmodSync(join(dir, "shared"), 0o777);
    mkdirSync(join(dir, "real"));
    symlinkSync(join(dir, "real"), join(dir, "linked"));
    for (const output of ["shared/new/app.env", "linked/new/app.env"]) {
      const result = await runCli(["render", "-i", "t.ctmpl", "-o", output], { cwd: dir });
      assert.equal(result.code, 6, `${output}: ${result.stderr}`);
      assert.match(result.stderr, /E_UNSAFE_PATH|refusing/);
    }
    assert.equal(existsSync(join(dir, "shared/new")), false);
    assert.equal(existsSync(join(dir, "real/new")), false);
    writeFileSync(join(dir, "file"), "");
    const underFile = await runCli(["render", "-i", "t.ctmpl", "-o", "file/new/app.env"], {
      cwd: dir,
    });
    assert.notEqual(underFile.code, 0);
    assert.match(underFile.stderr, /cannot create .*file\/new/);
  });
});
