// Red team (issue 27 pass): Node 20 reads `--env-file FILE` from ANYWHERE in its
// argv, before the script runs, so `strongbox export --format github --env-file F`
// let F's NODE_OPTIONS line run code inside Strongbox (and a FIFO there hung it).
// The rule: no option of any command, or of any export format, is a name Node
// itself scans the whole command line for. Generated over the command table.
import assert from "node:assert/strict";
import { writeFileSync } from "node:fs";
import { join } from "node:path";
import { describe, it } from "node:test";
import { COMMANDS } from "../../src/cli/command-table.js";
import { FORMAT_RECORDS } from "../../src/format/formats.js";
import { runCli, tempProject } from "../helpers/cli.js";

/** Options Node 20 takes from any position of argv (node.cc scans every argument for them). */
const NODE_SCANS = [/^env-file/];

describe("no command option is one Node reads from the whole command line (red team, issue 27)", () => {
  it("every command's options and every format's", async () => {
    const names: string[] = [];
    for (const [command, entry] of Object.entries(COMMANDS))
      for (const option of Object.keys((await entry.load()).options))
        names.push(`${command} --${option}`);
    for (const [format, record] of Object.entries(FORMAT_RECORDS))
      for (const option of Object.keys((record as { options?: object }).options ?? {}))
        names.push(`export --format ${format} --${option}`);
    assert.ok(names.length > 100, `only ${names.length} options found`);
    const scanned = names.filter((name) =>
      NODE_SCANS.some((re) => re.test(name.split(" --").at(-1) ?? "")),
    );
    assert.deepEqual(scanned, []);
  });

  it("export --format github --github-env writes the values and runs nothing the file names", async () => {
    const dir = tempProject({
      "strongbox.config.yaml": "variables:\n  PORT: { type: port, default: 8080 }\n",
      "pwn.cjs": "process.stderr.write('PWNED inside strongbox\\n');\n",
    });
    const ghenv = join(dir, "ghenv");
    writeFileSync(ghenv, `NODE_OPTIONS=--require ${join(dir, "pwn.cjs")}\n`);
    const result = await runCli(["export", "--format", "github", "--github-env", ghenv], {
      cwd: dir,
    });
    assert.equal(result.code, 0, result.stderr);
    assert.doesNotMatch(result.stderr, /PWNED/);
  });
});
