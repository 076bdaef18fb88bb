// Issue 27, item 6: `export -o FILE` (doppler `secrets download`, infisical `export
// --output-file`). The values go only to FILE, which is 0600 from its creation
// (whatever the umask) and replaced atomically; every destination the one
// output-path rule refuses is refused, in every spelling of the path.
import assert from "node:assert/strict";
import { execFileSync } from "node:child_process";
import {
  chmodSync,
  closeSync,
  existsSync,
  mkdirSync,
  openSync,
  readdirSync,
  readFileSync,
  readSync,
  statSync,
  symlinkSync,
  writeFileSync,
} from "node:fs";
import { join } from "node:path";
import { describe, it } from "node:test";
import { FORMATS } from "../../src/format/formats.js";
import { checkOutputPath } from "../../src/render/output-file.js";
import { cleanEnv, cliCommand, runCli, tempProject } from "../helpers/cli.js";

const CONFIG = `variables:
  NAME: { default: "plain" }
  TOKEN: { secret: true }
  MULTI: { secret: true }
`;
const CANARY = "export-canary-4d1f";
/** A project; its MULTI holds a line break unless `oneLine` (docker and systemd files cannot). */
const project = (oneLine = false) =>
  tempProject({
    "strongbox.config.yaml": CONFIG,
    ".env": `TOKEN=${CANARY}\nMULTI="line1${oneLine ? " " : "\\n"}line2"\n`,
  });
/** The entries of `dir` but what the CLI keeps in its HOME there (config cache, audit log and key). */
const entries = (dir: string) =>
  readdirSync(dir)
    .filter((name) => ![".cache", ".config", ".local"].includes(name))
    .sort();

/** Every spelling of `out.env` in `dir` a user might type. */
function spellings(dir: string): string[] {
  return [
    "out.env",
    "./out.env",
    "sub/../out.env",
    "./sub/./../out.env",
    "sub//..//out.env",
    join(dir, "out.env"),
    `${join(dir, "sub")}/../out.env`,
  ];
}

/** What an attacker may have put at the destination before the export runs. */
const PLANTED: Record<string, (dir: string, at: string) => void> = {
  "a symlink to a file of theirs": (dir, at) => {
    writeFileSync(join(dir, "victim"), "theirs\n");
    symlinkSync(join(dir, "victim"), at);
  },
  "a relative symlink": (dir, at) => {
    writeFileSync(join(dir, "victim"), "theirs\n");
    symlinkSync("victim", at);
  },
  "a dangling symlink": (dir, at) => symlinkSync(join(dir, "victim"), at),
  "a symlink to a directory": (dir, at) => {
    mkdirSync(join(dir, "victim-dir"));
    symlinkSync(join(dir, "victim-dir"), at);
  },
  "a directory": (_dir, at) => mkdirSync(at),
  "a named pipe": (_dir, at) => execFileSync("mkfifo", [at]),
};

describe("export -o FILE (issue 27.6)", () => {
  for (const format of FORMATS.filter((name) => name !== "github"))
    it(`--format ${format}: FILE holds exactly what stdout would, stdout holds nothing`, async () => {
      const dir = project(true);
      const printed = await runCli(["export", "--format", format], { cwd: dir });
      assert.equal(printed.code, 0, printed.stderr);
      for (const flag of ["-o", "--output"]) {
        const result = await runCli(["export", "--format", format, flag, "out.env"], { cwd: dir });
        assert.equal(result.code, 0, result.stderr);
        assert.equal(result.stdout, "", "no value on stdout");
        assert.ok(!result.stderr.includes(CANARY), "no value on stderr");
        assert.match(result.stderr, /wrote 3 variable\(s\) to out\.env \(mode 0600\)/);
        assert.equal(readFileSync(join(dir, "out.env"), "utf8"), printed.stdout);
        assert.equal(statSync(join(dir, "out.env")).mode & 0o777, 0o600);
      }
    });

  it("is 0600 from creation whatever the umask, and replaces an existing file atomically", async () => {
    const dir = project();
    const out = join(dir, "out.env");
    writeFileSync(out, "OLD=1\n");
    chmodSync(out, 0o644);
    const old = statSync(out);
    // A reader that opened the old file keeps reading the old file: a new inode was renamed in.
    const reader = openSync(out, "r");
    const { command, prefix } = cliCommand();
    execFileSync(
      "sh",
      ["-c", 'umask 000; exec "$@"', "sh", command, ...prefix, "export", "-o", "out.env"],
      { cwd: dir, env: cleanEnv(dir), stdio: "pipe" },
    );
    const now = statSync(out);
    assert.equal(now.mode & 0o777, 0o600);
    assert.notEqual(now.ino, old.ino, "replaced by rename, not rewritten in place");
    const buffer = Buffer.alloc(64);
    const read = readSync(reader, buffer, 0, 64, 0);
    closeSync(reader);
    assert.equal(buffer.subarray(0, read).toString(), "OLD=1\n");
    assert.match(readFileSync(out, "utf8"), new RegExp(CANARY));
    assert.deepEqual(
      readdirSync(dir).filter((name) => name.includes(".tmp-")),
      [],
      "no temp file left",
    );
  });

  for (const [what, plant] of Object.entries(PLANTED))
    it(`refuses ${what} at FILE, in every spelling, and writes nothing anywhere`, async () => {
      const dir = project();
      mkdirSync(join(dir, "sub"));
      plant(dir, join(dir, "out.env"));
      const before = entries(dir);
      const victim = existsSync(join(dir, "victim")) ? readFileSync(join(dir, "victim")) : null;
      for (const spelling of spellings(dir)) {
        const result = await runCli(["export", "-o", spelling], { cwd: dir });
        assert.equal(result.code, 6, `${spelling}: ${result.stderr}`);
        assert.match(result.stderr, /E_UNSAFE_PATH/, spelling);
        assert.equal(result.stdout, "");
        assert.ok(!result.stderr.includes(CANARY));
        assert.deepEqual(entries(dir), before, `${spelling}: nothing new`);
        if (victim !== null) assert.deepEqual(readFileSync(join(dir, "victim")), victim);
        if (existsSync(join(dir, "victim-dir")))
          assert.deepEqual(readdirSync(join(dir, "victim-dir")), []);
      }
    });

  it("refuses a device, a symlinked directory on the way, and a directory others can write to", async () => {
    const dir = project();
    mkdirSync(join(dir, "elsewhere"));
    symlinkSync(join(dir, "elsewhere"), join(dir, "linked"));
    mkdirSync(join(dir, "open"));
    chmodSync(join(dir, "open"), 0o777);
    // A device is judged without writing (a wrong verdict must not replace the machine's /dev/null).
    for (const device of ["/dev/null", "/dev/zero"])
      assert.throws(() => checkOutputPath(device, dir), /not a regular file|device/, device);
    for (const target of ["linked/out.env", "./linked/out.env", "open/out.env"]) {
      const result = await runCli(["export", "-o", target], { cwd: dir });
      assert.equal(result.code, 6, `${target}: ${result.stderr}`);
      assert.match(result.stderr, /E_UNSAFE_PATH/, target);
      assert.equal(result.stdout, "");
    }
    assert.deepEqual(readdirSync(join(dir, "elsewhere")), []);
    assert.deepEqual(readdirSync(join(dir, "open")), []);
  });

  // The neighbour of -o: --format github appends to $GITHUB_ENV, which must stay a regular file.
  for (const [what, plant] of Object.entries(PLANTED))
    it(`--format github refuses ${what} at $GITHUB_ENV and prints nothing`, async () => {
      const dir = project();
      plant(dir, join(dir, "github_env"));
      const before = entries(dir);
      const victim = existsSync(join(dir, "victim")) ? readFileSync(join(dir, "victim")) : null;
      const result = await runCli(["export", "--format", "github"], {
        cwd: dir,
        env: { GITHUB_ENV: join(dir, "github_env") },
      });
      assert.equal(result.code, 6, result.stderr);
      assert.match(result.stderr, /E_UNSAFE_PATH/);
      assert.equal(result.stdout, "", "no masks (they hold the values) before the refusal");
      assert.deepEqual(entries(dir), before);
      if (victim !== null) assert.deepEqual(readFileSync(join(dir, "victim")), victim);
      if (existsSync(join(dir, "victim-dir")))
        assert.deepEqual(readdirSync(join(dir, "victim-dir")), []);
    });

  it("-o with --format github and an empty -o are usage errors", async () => {
    const dir = project();
    for (const argv of [
      ["export", "--format", "github", "-o", "out.env"],
      ["export", "-o", ""],
    ]) {
      const result = await runCli(argv, { cwd: dir, env: { GITHUB_ENV: join(dir, "gh.env") } });
      assert.equal(result.code, 2, result.stderr);
      assert.ok(!existsSync(join(dir, "out.env")));
      assert.ok(!existsSync(join(dir, "gh.env")));
    }
  });
});
