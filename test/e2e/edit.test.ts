// Issue 27, item 6: `strongbox edit NAME` (sops `edit`). A scripted $EDITOR (a small
// node program) plays each way an edit can end; after every one, no plaintext file
// is left and the stored value is what it must be. The editor also reports the file
// it was given (place, mode, its directory's mode, the first content) and whether
// it saw Strongbox's credentials.
import assert from "node:assert/strict";
import { spawn } from "node:child_process";
import {
  chmodSync,
  chownSync,
  existsSync,
  mkdirSync,
  readdirSync,
  readFileSync,
  symlinkSync,
  writeFileSync,
} from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { before, describe, it } from "node:test";
import { type CliResult, cleanEnv, cliCommand, runCli, tempProject } from "../helpers/cli.js";
import { onTerminal } from "../helpers/pty.js";

const CANARY = "edit-canary-9b2e";

/** The scripted editor: what it does comes from $EDIT_MODE, what it saw goes to $EDIT_LOG. */
const EDITOR_SCRIPT = `
import { readFileSync, statSync, writeFileSync, appendFileSync, renameSync, mkdirSync } from "node:fs";
import { dirname, join } from "node:path";
const file = process.argv.at(-1);
const mode = process.env.EDIT_MODE ?? "";
writeFileSync(process.env.EDIT_LOG, JSON.stringify({
  file,
  args: process.argv.slice(2),
  fileMode: statSync(file).mode & 0o777,
  dirMode: statSync(dirname(file)).mode & 0o777,
  content: readFileSync(file, "utf8"),
  vaultToken: process.env.VAULT_TOKEN ?? null,
  passphrase: process.env.STRONGBOX_PASSPHRASE ?? null,
}));
// An editor's swap file beside the file, as vim leaves one.
writeFileSync(join(dirname(file), ".swp-" + Date.now()), "swap");
if (mode.startsWith("write:")) writeFileSync(file, mode.slice(6));
else if (mode.startsWith("swap:")) {
  // What an attacker who could write to the scratch base would do: move the directory away
  // (keeping the plaintext) and put one of their own, holding the value they choose, there.
  renameSync(dirname(file), dirname(file) + ".moved");
  mkdirSync(dirname(file), { mode: 0o700 });
  writeFileSync(file, mode.slice(5));
}
else if (mode === "fail") { writeFileSync(file, "never-stored\\n"); process.exit(3); }
else if (mode === "kill") { writeFileSync(file, "never-stored\\n"); process.kill(process.pid, "SIGKILL"); }
else if (mode === "wait") {
  writeFileSync(file, "never-stored\\n");
  appendFileSync(process.env.EDIT_LOG + ".ready", "ready");
  setTimeout(() => { writeFileSync(file, process.env.EDIT_LATE ?? "late\\n"); }, 1500);
  setTimeout(() => {}, 3000);
}
`;

interface Seen {
  file: string;
  args: string[];
  fileMode: number;
  dirMode: number;
  content: string;
  vaultToken: string | null;
  passphrase: string | null;
}

let tools: string;
let editor: string;
before(() => {
  tools = tempProject();
  // A directory with a space: the editor is shell text, run as git runs it.
  mkdirSync(join(tools, "my editor"));
  writeFileSync(join(tools, "my editor", "ed.mjs"), EDITOR_SCRIPT);
  editor = `'${process.execPath}' '${join(tools, "my editor", "ed.mjs")}' --wait`;
});

async function project(): Promise<string> {
  const dir = tempProject({
    "strongbox.config.yaml": `variables:\n  PORT: { type: port, ref: "store://PORT" }\n`,
  });
  assert.equal((await runCli(["init"], { cwd: dir })).code, 0);
  const set = await runCli(["set", "TOKEN"], { cwd: dir, input: `old-${CANARY}` });
  assert.equal(set.code, 0, set.stderr);
  return dir;
}

function envFor(dir: string, mode: string, extra: Record<string, string> = {}) {
  return {
    EDITOR: editor,
    EDIT_MODE: mode,
    EDIT_LOG: join(dir, ".edit-log.json"),
    VAULT_TOKEN: `hvs.${CANARY}`,
    ...extra,
  };
}

const seen = (dir: string): Seen =>
  JSON.parse(readFileSync(join(dir, ".edit-log.json"), "utf8")) as Seen;

/** The scratch directory's leftovers: none may remain after any edit. */
function leftovers(base: string): string[] {
  return existsSync(base) ? readdirSync(base) : [];
}

const stateScratch = (dir: string) => join(dir, ".local/state/strongbox/scratch");

async function value(dir: string, name: string): Promise<CliResult> {
  return runCli(["get", name], { cwd: dir });
}

function noValueShown(result: CliResult): void {
  assert.ok(!result.stderr.includes(CANARY), result.stderr);
  assert.ok(!result.stdout.includes(CANARY), result.stdout);
}

describe("edit NAME with a scripted $EDITOR (issue 27.6)", () => {
  it("stores the edited value through a 0600 file in a private directory, removed afterwards", async () => {
    const dir = await project();
    const result = await runCli(["edit", "TOKEN"], {
      cwd: dir,
      env: envFor(dir, `write:new-${CANARY}\n`),
    });
    assert.equal(result.code, 0, result.stderr);
    noValueShown(result);
    assert.match(result.stderr, /stored TOKEN version 2/);
    const saw = seen(dir);
    assert.equal(saw.content, `old-${CANARY}\n`, "the current value and one newline");
    assert.equal(saw.fileMode, 0o600);
    assert.equal(saw.dirMode, 0o700);
    assert.ok(saw.file.startsWith(`${stateScratch(dir)}/edit-`), saw.file);
    assert.ok(!saw.file.startsWith(`${tmpdir()}/edit`), "never straight in /tmp");
    assert.equal(saw.args.at(-2), "--wait", "the editor's own arguments come first");
    assert.equal(saw.vaultToken, null, "the editor does not get VAULT_TOKEN");
    assert.deepEqual(leftovers(stateScratch(dir)), []);
    assert.equal((await value(dir, "TOKEN")).stdout, `new-${CANARY}`);
  });

  it("uses $XDG_RUNTIME_DIR/strongbox when it is a private directory, $VISUAL before $EDITOR", async () => {
    const dir = await project();
    const runtime = join(dir, "runtime");
    mkdirSync(runtime, { mode: 0o700 });
    const result = await runCli(["edit", "FRESH"], {
      cwd: dir,
      env: envFor(dir, `write:fresh-${CANARY}`, {
        XDG_RUNTIME_DIR: runtime,
        VISUAL: editor,
        EDITOR: "false",
      }),
    });
    assert.equal(result.code, 0, result.stderr);
    assert.ok(seen(dir).file.startsWith(`${runtime}/strongbox/edit-`), seen(dir).file);
    assert.equal(seen(dir).content, "\n", "a new secret starts empty");
    assert.deepEqual(leftovers(join(runtime, "strongbox")), []);
    assert.equal((await value(dir, "FRESH")).stdout, `fresh-${CANARY}`);
  });

  it("falls back to the state directory when $XDG_RUNTIME_DIR is open to others", async () => {
    const dir = await project();
    const runtime = join(dir, "open-runtime");
    mkdirSync(runtime);
    const { chmodSync } = await import("node:fs");
    chmodSync(runtime, 0o777);
    const result = await runCli(["edit", "TOKEN"], {
      cwd: dir,
      env: envFor(dir, `write:x-${CANARY}`, { XDG_RUNTIME_DIR: runtime }),
    });
    assert.equal(result.code, 0, result.stderr);
    assert.ok(seen(dir).file.startsWith(`${stateScratch(dir)}/`), seen(dir).file);
    assert.deepEqual(readdirSync(runtime), []);
  });

  // Red team finding 2: a $XDG_RUNTIME_DIR or a scratch base another user can write to (or
  // owns) let them swap the per-edit directory, read the plaintext and choose the stored value.
  // One rule (security/scratch-dir.ts, privateDirProblem): every directory the plaintext sits
  // in or under is a real directory, this user's, with no permission for anyone else.
  const NOBODY = 65534;
  /** Each way a directory fails the rule, applied to a fresh directory. */
  const NOT_PRIVATE: Array<[string, (path: string) => void]> = [
    ...[0o777, 0o1777, 0o755, 0o750, 0o705, 0o701, 0o770, 0o1700 | 0o070].map(
      (mode): [string, (path: string) => void] => [
        `mode ${mode.toString(8)}`,
        (path) => {
          mkdirSync(path);
          chmodSync(path, mode);
        },
      ],
    ),
    ...(process.getuid?.() === 0
      ? [
          [
            "owned by another user (0700)",
            (path: string) => {
              mkdirSync(path, { mode: 0o700 });
              chownSync(path, NOBODY, NOBODY);
            },
          ] as [string, (path: string) => void],
        ]
      : []),
    [
      "a symlink to a private directory",
      (path) => {
        mkdirSync(`${path}.real`, { mode: 0o700 });
        symlinkSync(`${path}.real`, path);
      },
    ],
  ];

  for (const [what, make] of NOT_PRIVATE)
    it(`$XDG_RUNTIME_DIR ${what}: not used, the edit goes to the state directory`, async () => {
      const dir = await project();
      const runtime = join(dir, "runtime");
      make(runtime);
      const result = await runCli(["edit", "TOKEN"], {
        cwd: dir,
        env: envFor(dir, `write:x-${CANARY}`, { XDG_RUNTIME_DIR: runtime }),
      });
      assert.equal(result.code, 0, result.stderr);
      assert.ok(seen(dir).file.startsWith(`${stateScratch(dir)}/`), seen(dir).file);
      assert.ok(!existsSync(join(runtime, "strongbox")), "nothing made in the runtime directory");
    });

  for (const place of ["runtime", "state"] as const)
    for (const [what, make] of NOT_PRIVATE)
      it(`a ${place} scratch base ${what} (pre-made by another): refused before any plaintext is written`, async () => {
        const dir = await project();
        const runtime = join(dir, "runtime");
        mkdirSync(runtime, { mode: 0o700 });
        const base = place === "runtime" ? join(runtime, "strongbox") : stateScratch(dir);
        mkdirSync(join(base, ".."), { recursive: true, mode: 0o700 });
        make(base);
        const result = await runCli(["edit", "TOKEN"], {
          cwd: dir,
          env: envFor(
            dir,
            `write:x-${CANARY}`,
            place === "runtime" ? { XDG_RUNTIME_DIR: runtime } : {},
          ),
        });
        assert.notEqual(result.code, 0, "an edit through a directory others control");
        assert.match(result.stderr, /not a plain directory|not to you|open to others/);
        noValueShown(result);
        assert.ok(!existsSync(join(dir, ".edit-log.json")), "the editor never ran");
        assert.deepEqual(
          readdirSync(base).filter((entry) => entry.startsWith("edit-")),
          [],
          "no per-edit directory",
        );
        assert.equal((await value(dir, "TOKEN")).stdout, `old-${CANARY}`);
      });

  it("a per-edit directory replaced while the editor runs: nothing of the replacement is stored", async () => {
    const dir = await project();
    const result = await runCli(["edit", "TOKEN"], {
      cwd: dir,
      env: envFor(dir, `swap:chosen-${CANARY}\n`),
    });
    assert.equal(result.code, 6, result.stderr);
    assert.match(result.stderr, /was replaced while the editor ran/);
    noValueShown(result);
    assert.equal((await value(dir, "TOKEN")).stdout, `old-${CANARY}`);
  });

  /** Each way an edit ends without storing: its status, its message, and no leftovers. */
  const FAILURES: Array<[string, string, number, RegExp, Record<string, string>?]> = [
    ["the editor exits non-zero (vim's :cq)", "fail", 130, /exited with status 3/],
    ["the editor is killed by a signal", "kill", 130, /ended by SIGKILL/],
    ["the result is empty, off a terminal", "write:\n", 2, /empty; nothing was stored/],
    ["the editor does not exist", "", 127, /was not found/, { EDITOR: "no-such-editor-xyz" }],
  ];
  for (const [what, mode, code, message, extra] of FAILURES)
    it(`${what}: nothing stored, nothing left`, async () => {
      const dir = await project();
      const result = await runCli(["edit", "TOKEN"], {
        cwd: dir,
        env: envFor(dir, mode, extra),
      });
      assert.equal(result.code, code, result.stderr);
      assert.match(result.stderr, message);
      noValueShown(result);
      assert.deepEqual(leftovers(stateScratch(dir)), []);
      assert.equal((await value(dir, "TOKEN")).stdout, `old-${CANARY}`);
      const history = await runCli(["history", "TOKEN", "--json"], { cwd: dir });
      assert.equal(JSON.parse(history.stdout).versions.length, 1, "no new version");
    });

  it("an unchanged file stores nothing; an empty result with --allow-empty is stored", async () => {
    const dir = await project();
    const same = await runCli(["edit", "TOKEN"], { cwd: dir, env: envFor(dir, "same") });
    assert.equal(same.code, 0, same.stderr);
    assert.match(same.stderr, /unchanged; nothing was stored/);
    const empty = await runCli(["edit", "TOKEN", "--allow-empty"], {
      cwd: dir,
      env: envFor(dir, "write:"),
    });
    assert.equal(empty.code, 0, empty.stderr);
    assert.equal((await value(dir, "TOKEN")).stdout, "");
    assert.deepEqual(leftovers(stateScratch(dir)), []);
  });

  for (const [answer, stored] of [
    ["y", true],
    ["n", false],
  ] as const)
    it(`an empty result at a terminal is stored only when confirmed (answer ${answer})`, async () => {
      const dir = await project();
      const { command, prefix } = cliCommand();
      const result = await onTerminal([command, ...prefix, "edit", "TOKEN"], {
        cwd: dir,
        env: envFor(dir, "write:"),
        after: "store it? [y/N]",
        keys: `${answer}\r`,
      });
      assert.equal(result.code, stored ? 0 : 2, result.output);
      assert.ok(!result.output.includes(CANARY), result.output);
      assert.deepEqual(leftovers(stateScratch(dir)), []);
      assert.equal((await value(dir, "TOKEN")).stdout, stored ? "" : `old-${CANARY}`);
    });

  it("a value the schema refuses is not stored, and the file is removed", async () => {
    const dir = await project();
    const result = await runCli(["edit", "PORT"], {
      cwd: dir,
      env: envFor(dir, "write:not-a-port"),
    });
    assert.equal(result.code, 4, result.stderr);
    assert.deepEqual(leftovers(stateScratch(dir)), []);
    assert.notEqual((await value(dir, "PORT")).code, 0);
  });

  /** The CLI started in its own process group, as a shell starts a foreground job. */
  function startEdit(dir: string, mode: string, late?: string) {
    const { command, prefix } = cliCommand();
    const child = spawn(command, [...prefix, "edit", "TOKEN"], {
      cwd: dir,
      env: cleanEnv(dir, envFor(dir, mode, late === undefined ? {} : { EDIT_LATE: late })),
      stdio: ["ignore", "pipe", "pipe"],
      detached: true,
    });
    let stderr = "";
    child.stderr.on("data", (chunk: Buffer) => {
      stderr += chunk.toString();
    });
    const exited = new Promise<{ code: number | null; stderr: string }>((resolve) =>
      child.on("close", (code) => resolve({ code, stderr })),
    );
    return { child, exited };
  }

  async function editorReady(dir: string): Promise<void> {
    for (let i = 0; i < 200 && !existsSync(join(dir, ".edit-log.json.ready")); i++)
      await new Promise((resolve) => setTimeout(resolve, 25));
  }

  it("SIGINT from the terminal (the whole group) ends an editor that does not catch it: nothing stored, nothing left", async () => {
    const dir = await project();
    const { child, exited } = startEdit(dir, "wait");
    await editorReady(dir);
    process.kill(-(child.pid as number), "SIGINT");
    const { code, stderr } = await exited;
    assert.equal(code, 130, stderr);
    assert.match(stderr, /ended by SIGINT/);
    assert.deepEqual(leftovers(stateScratch(dir)), []);
    assert.equal((await value(dir, "TOKEN")).stdout, `old-${CANARY}`);
  });

  for (const signal of ["SIGTERM", "SIGHUP"] as const)
    it(`${signal} to strongbox is passed on to the editor: nothing stored, nothing left`, async () => {
      const dir = await project();
      const { child, exited } = startEdit(dir, "wait");
      await editorReady(dir);
      child.kill(signal);
      const { code, stderr } = await exited;
      assert.equal(code, 130, stderr);
      assert.match(stderr, new RegExp(`${signal} received while editing TOKEN`));
      assert.deepEqual(leftovers(stateScratch(dir)), []);
      assert.equal((await value(dir, "TOKEN")).stdout, `old-${CANARY}`);
    });

  it("SIGINT to strongbox alone is the editor's to act on (as git does): the edit goes on", async () => {
    const dir = await project();
    const { child, exited } = startEdit(dir, "wait", `late-${CANARY}\n`);
    await editorReady(dir);
    child.kill("SIGINT");
    const { code, stderr } = await exited;
    assert.equal(code, 0, stderr);
    assert.deepEqual(leftovers(stateScratch(dir)), []);
    assert.equal((await value(dir, "TOKEN")).stdout, `late-${CANARY}`);
  });

  // Red team finding 6: a signal after the editor exits (empty-value prompt, config load, the
  // store-lock wait) found the handlers gone and the plaintext file still there. The file now
  // lives only while the editor runs and its result is read; the wait is held here by a lock
  // a live process owns.
  for (const signal of ["SIGTERM", "SIGINT", "SIGHUP", "SIGQUIT"] as const)
    it(`${signal} after the editor exits, while the store is locked: nothing stored, nothing left`, async () => {
      const dir = await project();
      const { hostname } = await import("node:os");
      const lock = join(dir, ".strongbox", ".lock");
      writeFileSync(lock, `${process.pid} ${hostname()} ${new Date().toISOString()}\n`);
      const { child, exited } = startEdit(dir, `write:locked-${CANARY}\n`);
      for (let i = 0; i < 200 && !existsSync(join(dir, ".edit-log.json")); i++)
        await new Promise((resolve) => setTimeout(resolve, 25));
      // The editor has written and exited; strongbox goes on to the store and waits for the lock.
      await new Promise((resolve) => setTimeout(resolve, 1500));
      assert.equal(child.exitCode, null, "still waiting for the lock");
      child.kill(signal);
      const { stderr } = await exited;
      assert.ok(!stderr.includes(CANARY), stderr);
      assert.deepEqual(leftovers(stateScratch(dir)), []);
      const { rmSync } = await import("node:fs");
      rmSync(lock);
      assert.equal((await value(dir, "TOKEN")).stdout, `old-${CANARY}`);
      const history = await runCli(["history", "TOKEN", "--json"], { cwd: dir });
      assert.equal(JSON.parse(history.stdout).versions.length, 1, "no new version");
    });

  it("a change made in the store during the edit is not overwritten (check-and-set)", async () => {
    const dir = await project();
    const { exited } = startEdit(dir, "wait", `mine-${CANARY}\n`);
    await editorReady(dir);
    const theirs = await runCli(["set", "TOKEN"], { cwd: dir, input: `theirs-${CANARY}` });
    assert.equal(theirs.code, 0, theirs.stderr);
    const { code, stderr } = await exited;
    assert.equal(code, 12, stderr);
    assert.match(stderr, /E_STORE_CAS/);
    assert.deepEqual(leftovers(stateScratch(dir)), []);
    assert.equal((await value(dir, "TOKEN")).stdout, `theirs-${CANARY}`);
  });
});
