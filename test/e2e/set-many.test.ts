// Issue 27, item 6: `set A=1 B=2` and `set -f FILE`. Several secrets stored as one
// audited change, all or none; the file is left as it was (no move semantics);
// errors name the variable and where it was given, never a value.
import assert from "node:assert/strict";
import { createHash } from "node:crypto";
import { chmodSync, readdirSync, readFileSync, statSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { before, describe, it } from "node:test";
import { type CliResult, runCli, tempProject } from "../helpers/cli.js";

const CONFIG = `variables:
  PORT: { type: port, ref: "store://PORT" }
  TOKEN: { secret: true, ref: "store://TOKEN" }
`;
const CANARY = "setmany-canary";

function storeDigest(dir: string): string {
  const hash = createHash("sha256");
  const walk = (at: string) => {
    for (const entry of readdirSync(at, { withFileTypes: true }).sort((a, b) =>
      a.name.localeCompare(b.name),
    )) {
      const path = join(at, entry.name);
      if (entry.name === "lock") continue;
      hash.update(`${path}\0`);
      if (entry.isDirectory()) walk(path);
      else hash.update(readFileSync(path));
    }
  };
  walk(join(dir, ".strongbox"));
  return hash.digest("hex");
}

async function project(): Promise<{ dir: string; log: string }> {
  const dir = tempProject({ "strongbox.config.yaml": CONFIG });
  const log = join(dir, "audit.jsonl");
  const init = await runCli(["init"], { cwd: dir, env: { STRONGBOX_AUDIT_FILE: log } });
  assert.equal(init.code, 0, init.stderr);
  const set = await runCli(["set", "TOKEN"], {
    cwd: dir,
    input: `old-${CANARY}`,
    env: { STRONGBOX_AUDIT_FILE: log },
  });
  assert.equal(set.code, 0, set.stderr);
  return { dir, log };
}

const get = async (dir: string, name: string) => (await runCli(["get", name], { cwd: dir })).stdout;

function clean(result: CliResult): void {
  assert.ok(!result.stderr.includes(CANARY), `a value in stderr: ${result.stderr}`);
  assert.ok(!result.stdout.includes(CANARY), "a value on stdout");
}

interface Records {
  action: string;
  secret?: string;
  time: string;
}
const records = (log: string): Records[] =>
  readFileSync(log, "utf8")
    .split("\n")
    .filter(Boolean)
    .map((line) => JSON.parse(line) as Records);

describe("set NAME=VALUE… (issue 27.6)", () => {
  it("stores every pair as one audited change and warns, naming names only", async () => {
    const { dir, log } = await project();
    const before = records(log).length;
    const result = await runCli(
      ["set", `TOKEN=new-${CANARY}`, "PORT=8080", `WITH_EQUALS=a=b=${CANARY}`, "--json"],
      { cwd: dir, env: { STRONGBOX_AUDIT_FILE: log } },
    );
    assert.equal(result.code, 0, result.stderr);
    clean(result);
    assert.match(result.stderr, /process list/);
    assert.match(result.stderr, /TOKEN, PORT, WITH_EQUALS/);
    assert.deepEqual(JSON.parse(result.stdout).stored, [
      { name: "TOKEN", version: 2 },
      { name: "PORT", version: 1 },
      { name: "WITH_EQUALS", version: 1 },
    ]);
    assert.equal(await get(dir, "TOKEN"), `new-${CANARY}`);
    assert.equal(await get(dir, "WITH_EQUALS"), `a=b=${CANARY}`);
    const writes = records(log)
      .slice(before)
      .filter((record) => record.action === "write");
    assert.deepEqual(
      writes.map((record) => record.secret),
      ["TOKEN", "PORT", "WITH_EQUALS"],
    );
    assert.equal(new Set(writes.map((record) => record.time)).size, 1, "one batch, one time");
    assert.ok(!readFileSync(log, "utf8").includes(CANARY), "no value in the audit");
  });

  /** Each refusal, placed first, in the middle and last among good pairs. */
  const REFUSED: Array<[string, string, RegExp]> = [
    ["an empty value", "EMPTY=", /EMPTY \(argument \d\) is empty/],
    ["no name", `=${CANARY}`, /argument \d has no name/],
    // A value the shell split at its spaces: each fragment is an argument of its own.
    ['a word without "="', `horse-${CANARY}`, /argument \d is not NAME=VALUE/],
    ['a word with spaces and no "="', `battery ${CANARY}\nstaple`, /argument \d is not NAME=VALUE/],
    ['a word with a colon and no "="', `TOKEN:${CANARY}`, /argument \d is not NAME=VALUE/],
    ["an invalid name", `../x=${CANARY}`, /not a valid secret name/],
    ["a value the schema refuses", "PORT=not-a-port", /PORT was not stored/],
    [
      "a name given twice",
      `TOKEN=again-${CANARY}`,
      /TOKEN is given twice \(argument \d and argument \d\)/,
    ],
  ];
  for (const [what, bad, message] of REFUSED)
    it(`${what}: refused at every position, naming it; nothing stored`, async () => {
      const { dir } = await project();
      const digest = storeDigest(dir);
      for (const position of [0, 1, 2]) {
        const pairs = [`TOKEN=new-${CANARY}`, `OTHER=${CANARY}`];
        pairs.splice(position, 0, bad);
        const result = await runCli(["set", ...pairs], { cwd: dir });
        assert.notEqual(result.code, 0, `${pairs.join(" ")}: stored`);
        assert.match(result.stderr, message);
        clean(result);
        assert.equal(storeDigest(dir), digest, `${what} at ${position} changed the store`);
      }
      assert.equal(await get(dir, "TOKEN"), `old-${CANARY}`);
    });

  it("an unquoted multi-word value names positions, never its words", async () => {
    const { dir } = await project();
    const digest = storeDigest(dir);
    const words = ["correct", "horse", "battery", "staple"].map((word) => `${word}-${CANARY}`);
    for (let split = 1; split < words.length; split++) {
      const args = [`TOKEN=${words.slice(0, split).join(" ")}`, ...words.slice(split)];
      const result = await runCli(["set", ...args], { cwd: dir });
      assert.equal(result.code, 2, result.stderr);
      assert.match(result.stderr, /argument 2 is not NAME=VALUE/);
      clean(result);
    }
    assert.equal(storeDigest(dir), digest);
  });

  it("a pair with a single-secret option (--value, --from-file, --to…) is a usage error", async () => {
    const { dir } = await project();
    for (const extra of [
      ["--value", "x"],
      ["--from-file", "f"],
      ["--to", "store"],
      ["--description", "d"],
    ]) {
      const result = await runCli(["set", `A=${CANARY}`, ...extra], { cwd: dir });
      assert.equal(result.code, 2, result.stderr);
      clean(result);
    }
  });
});

describe("set -f FILE (issue 27.6)", () => {
  const FILE = [
    "# a comment",
    `TOKEN=file-${CANARY}`,
    `MULTI="line1\\nline2-${CANARY}"`,
    "PORT=9090",
    "VAULT_TOKEN=hvs.not-a-real-token",
    "",
  ].join("\n");
  let dir: string;
  before(async () => {
    ({ dir } = await project());
  });

  it("stores every assignment but credentials, and leaves the file as it was", async () => {
    writeFileSync(join(dir, "vars.env"), FILE);
    chmodSync(join(dir, "vars.env"), 0o640);
    const stat = statSync(join(dir, "vars.env"));
    const result = await runCli(["set", "-f", "vars.env"], { cwd: dir });
    assert.equal(result.code, 0, result.stderr);
    clean(result);
    assert.match(result.stderr, /skipped VAULT_TOKEN/);
    assert.match(result.stderr, /stored TOKEN version 2/);
    assert.equal(await get(dir, "MULTI"), `line1\nline2-${CANARY}`);
    assert.equal(await get(dir, "PORT"), "9090");
    const vault = await runCli(["get", "VAULT_TOKEN"], { cwd: dir });
    assert.notEqual(vault.code, 0, "a credential was stored");
    assert.equal(readFileSync(join(dir, "vars.env"), "utf8"), FILE, "the file is unchanged");
    const after = statSync(join(dir, "vars.env"));
    assert.equal(after.mode, stat.mode);
    assert.equal(after.ino, stat.ino);
  });

  it("reads stdin with -f -", async () => {
    const result = await runCli(["set", "--file", "-"], {
      cwd: dir,
      input: `FROM_STDIN=stdin-${CANARY}\n`,
    });
    assert.equal(result.code, 0, result.stderr);
    clean(result);
    assert.equal(await get(dir, "FROM_STDIN"), `stdin-${CANARY}`);
  });

  /** A bad line, each placed after good ones, refused naming the file's line. */
  const BAD_LINES: Array<[string, string, RegExp]> = [
    ["an empty value", "EMPTY=", /EMPTY \(bad\.env line 3\) is empty/],
    ["a line that is not an assignment", "not an assignment", /bad\.env/],
    [
      "a name given twice",
      `TOKEN=twice-${CANARY}`,
      /TOKEN is given twice \(bad\.env line 1 and bad\.env line 3\)/,
    ],
    ["a value the schema refuses", "PORT=70000", /PORT was not stored/],
  ];
  for (const [what, line, message] of BAD_LINES)
    it(`${what}: refused naming the line; nothing stored, the file kept`, async () => {
      const text = `TOKEN=bad-${CANARY}\nGOOD=${CANARY}\n${line}\n`;
      writeFileSync(join(dir, "bad.env"), text);
      const digest = storeDigest(dir);
      const result = await runCli(["set", "-f", "bad.env"], { cwd: dir });
      assert.notEqual(result.code, 0);
      assert.match(result.stderr, message);
      clean(result);
      assert.equal(storeDigest(dir), digest);
      assert.equal(readFileSync(join(dir, "bad.env"), "utf8"), text);
    });

  it("a missing file, or a file with pairs, is an error naming it", async () => {
    const missing = await runCli(["set", "-f", "nope.env"], { cwd: dir });
    assert.equal(missing.code, 6);
    assert.match(missing.stderr, /nope\.env does not exist/);
    const both = await runCli(["set", "-f", "vars.env", "A=1"], { cwd: dir });
    assert.equal(both.code, 2);
  });
});
