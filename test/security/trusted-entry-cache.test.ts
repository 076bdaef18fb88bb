// Issue 25 (start-up): assertTrustedEntry judges a store's files without walking their
// directory's chain again for each one; it remembers directories whose whole walk passed
// (by spelling, checked against their (dev, ino) and their own owner and mode on each
// call). Every way of swapping the directory, or a directory above it, between two calls
// is generated here: each must be refused exactly when the whole walk refuses it, and the
// swaps a user makes of their own directories must still pass.
import assert from "node:assert/strict";
import {
  chmodSync,
  chownSync,
  cpSync,
  lchownSync,
  mkdirSync,
  renameSync,
  rmSync,
  symlinkSync,
  writeFileSync,
} from "node:fs";
import { join } from "node:path";
import { describe, it } from "node:test";
import { StrongboxError } from "../../src/errors.js";
import {
  assertTrusted,
  assertTrustedEntry,
  untrustedReason,
} from "../../src/security/trusted-path.js";
import { tempProject } from "../helpers/cli.js";

const isRoot = process.getuid?.() === 0;
const OTHER = 4242;

/** A store-like chain base/a/b/secrets holding a file, and a directory everyone can write to. */
function layout() {
  const base = tempProject();
  const secrets = join(base, "a", "b", "secrets");
  mkdirSync(secrets, { recursive: true, mode: 0o700 });
  writeFileSync(join(secrets, "FOO.sbx"), "sealed", { mode: 0o600 });
  const open = join(base, "open");
  mkdirSync(open);
  chmodSync(open, 0o777);
  return { base, secrets, file: join(secrets, "FOO.sbx"), open };
}

type Layout = ReturnType<typeof layout>;

/** The directory itself and each directory above it, up to the project. */
const LEVELS: ReadonlyArray<readonly [string, (l: Layout) => string]> = [
  ["the secrets directory", (l) => l.secrets],
  ["its parent", (l) => join(l.secrets, "..")],
  ["its grandparent", (l) => join(l.secrets, "..", "..")],
];

/** Replaces `dir` (renamed away first) by what an attacker would put there. */
const HOSTILE_SWAPS: ReadonlyArray<readonly [string, (dir: string, l: Layout) => void]> = [
  [
    "replaced by a copy inside a directory everyone can write to, linked in",
    (dir, l) => {
      const copy = join(l.open, `copy-${Math.random().toString(36).slice(2)}`);
      cpSync(`${dir}.old`, copy, { recursive: true });
      symlinkSync(copy, dir);
    },
  ],
  [
    "replaced by a copy with its mode opened to everyone",
    (dir) => {
      cpSync(`${dir}.old`, dir, { recursive: true });
      chmodSync(dir, 0o777);
    },
  ],
  ...(isRoot
    ? ([
        [
          "replaced by a copy another user owns",
          (dir: string) => {
            cpSync(`${dir}.old`, dir, { recursive: true });
            chownSync(dir, OTHER, OTHER);
          },
        ],
        [
          "replaced by a link another user owns to a copy",
          (dir: string) => {
            cpSync(`${dir}.old`, `${dir}.copy`, { recursive: true });
            symlinkSync(`${dir}.copy`, dir);
            lchownSync(dir, OTHER, OTHER);
          },
        ],
      ] as const)
    : []),
];

/** Changes made to the judged directory itself, in place (same inode). */
const IN_PLACE: ReadonlyArray<readonly [string, (dir: string) => void]> = [
  ["made writable by everyone", (dir) => chmodSync(dir, 0o777)],
  ...(isRoot
    ? ([
        [
          "made writable by a group that is not the user's own",
          (dir: string) => {
            chownSync(dir, 0, OTHER);
            chmodSync(dir, 0o770);
          },
        ],
        ["given to another user", (dir: string) => chownSync(dir, OTHER, OTHER)],
      ] as const)
    : []),
];

/** Judges `file` the way a store does: its directory once, then the entry (twice, as reads do). */
function judgedOnce(l: Layout): void {
  assertTrusted(l.secrets, "the store's secrets directory");
  assertTrustedEntry(l.file, "the secret file");
  assertTrustedEntry(l.file, "the secret file");
}

function refused(l: Layout): void {
  // The whole walk is the rule: the entry check must agree with it, and refuse.
  assert.notEqual(untrustedReason(l.file, "the secret file"), undefined, "the whole walk refuses");
  assert.throws(
    () => assertTrustedEntry(l.file, "the secret file"),
    (error: unknown) => error instanceof StrongboxError && error.code === "E_UNSAFE_PATH",
  );
}

describe("a judged directory swapped between two reads of a store (issue 25)", () => {
  for (const [where, level] of LEVELS)
    for (const [how, swap] of HOSTILE_SWAPS)
      it(`attacks: ${where} ${how} after the store opened is refused at the next read`, () => {
        const l = layout();
        judgedOnce(l);
        const dir = level(l);
        renameSync(dir, `${dir}.old`);
        swap(dir, l);
        refused(l);
      });

  for (const [how, change] of IN_PLACE)
    it(`attacks: the secrets directory ${how} after the store opened is refused at the next read`, () => {
      const l = layout();
      judgedOnce(l);
      change(l.secrets);
      refused(l);
    });

  it("attacks: a secret file replaced by a link after the store opened is refused", () => {
    const l = layout();
    judgedOnce(l);
    writeFileSync(join(l.open, "planted"), "x", { mode: 0o600 });
    rmSync(l.file);
    symlinkSync(join(l.open, "planted"), l.file);
    assert.throws(
      () => assertTrustedEntry(l.file, "the secret file"),
      (error: unknown) => error instanceof StrongboxError && error.code === "E_UNSAFE_PATH",
    );
  });

  it("attacks: a secret file opened to everyone after the store opened is refused", () => {
    const l = layout();
    judgedOnce(l);
    chmodSync(l.file, 0o666);
    refused(l);
  });

  it("attacks: a directory refused once is not taken as judged afterwards", () => {
    const l = layout();
    chmodSync(l.secrets, 0o777);
    assert.throws(() => assertTrusted(l.secrets, "the store's secrets directory"));
    assert.throws(() => assertTrustedEntry(l.file, "the secret file"));
  });

  for (const [where, level] of LEVELS)
    it(`control: ${where} moved by the user within their own directories and linked back is accepted`, () => {
      const l = layout();
      judgedOnce(l);
      const dir = level(l);
      renameSync(dir, `${dir}.moved`);
      symlinkSync(`${dir}.moved`, dir);
      assert.equal(untrustedReason(l.file, "the secret file"), undefined);
      assertTrustedEntry(l.file, "the secret file");
    });

  it("control: a file of a directory never walked is judged by the whole walk, and accepted", () => {
    const l = layout();
    assertTrustedEntry(l.file, "the secret file");
    assertTrustedEntry(join(l.secrets, "missing.sbx"), "the secret file");
  });
});
