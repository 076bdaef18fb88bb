// Issue 24, item 8: the ownership rule (src/security/trusted-path.ts) holds for the path
// as the kernel follows it. Every way of spelling a path that ends in, or passes through,
// a directory or link someone else controls is generated here and must be refused, for
// a config (assertTrusted) and a key file (readPrivateFile); the same spellings leading
// only through directories the user controls must pass.
import assert from "node:assert/strict";
import { execFileSync } from "node:child_process";
import {
  chmodSync,
  chownSync,
  existsSync,
  lchownSync,
  mkdirSync,
  symlinkSync,
  writeFileSync,
} from "node:fs";
import { join, relative } from "node:path";
import { describe, it } from "node:test";
import { StrongboxError } from "../../src/errors.js";
import { readPrivateFile } from "../../src/security/key-file.js";
import { assertTrusted } from "../../src/security/trusted-path.js";
import { runCli, tempProject } from "../helpers/cli.js";

const isRoot = process.getuid?.() === 0;
const KEY = `${Buffer.from(Array.from({ length: 32 }, (_, i) => (i * 97 + 13) & 0xff)).toString("base64")}\n`;

/** A place with a private directory, one everyone can write to, and a sticky one. */
function layout() {
  const base = tempProject();
  const safe = join(base, "safe");
  const open = join(base, "open");
  const sticky = join(base, "sticky");
  mkdirSync(safe, { mode: 0o700 });
  mkdirSync(join(open, "sub"), { recursive: true });
  chmodSync(open, 0o777);
  mkdirSync(sticky);
  chmodSync(sticky, 0o1777);
  for (const dir of [safe, join(open, "sub"), open, sticky])
    writeFileSync(join(dir, "target"), KEY, { mode: 0o600 });
  return { base, safe, open, sticky };
}

type Layout = ReturnType<typeof layout>;
/** A variant builds links in a layout and returns the path a user would give. */
type Variant = readonly [string, (l: Layout) => string];

/** Spellings that lead into, or through, something others control. */
const HOSTILE: Variant[] = [
  ["a link to a file in an open directory", (l) => link(join(l.open, "target"), l.safe, "a")],
  [
    "a relative link to a file in an open directory",
    (l) => link(relative(l.safe, join(l.open, "target")), l.safe, "a"),
  ],
  [
    "a chain of links ending in an open directory",
    (l) => link(link(join(l.open, "target"), l.safe, "b"), l.safe, "a"),
  ],
  [
    "a chain passing through a link that sits in an open directory",
    (l) => link(link(join(l.safe, "target"), l.open, "b"), l.safe, "a"),
  ],
  [
    "a file under a parent directory that is a link to an open directory",
    (l) => join(link(l.open, l.safe, "dir"), "target"),
  ],
  [
    "a file under a link to a closed directory inside an open one",
    (l) => join(link(join(l.open, "sub"), l.safe, "dir"), "target"),
  ],
  [
    "a relative directory link climbing with ..",
    (l) => join(link("../open/sub", l.safe, "dir"), "target"),
  ],
  [
    "a link whose target climbs out through .. of a linked directory",
    (l) => `${link(join(l.open, "sub"), l.safe, "dir")}/../target`,
  ],
  ["a file directly in an open directory", (l) => join(l.open, "target")],
  ...(isRoot
    ? ([
        [
          "a link in a sticky directory owned by another user",
          (l) => {
            const path = link(join(l.safe, "target"), l.sticky, "theirs");
            lchownSync(path, 12345, 12345);
            return path;
          },
        ],
        [
          "a file inside a directory another user owns",
          (l) => {
            const dir = join(l.base, "foreign");
            mkdirSync(dir, { mode: 0o755 });
            writeFileSync(join(dir, "target"), KEY, { mode: 0o600 });
            chownSync(dir, 12345, 12345);
            return join(dir, "target");
          },
        ],
        [
          "a link to a directory another user owns",
          (l) => {
            const dir = join(l.base, "foreign");
            mkdirSync(dir, { mode: 0o755 });
            writeFileSync(join(dir, "target"), KEY, { mode: 0o600 });
            chownSync(dir, 12345, 12345);
            return join(link(dir, l.safe, "dir"), "target");
          },
        ],
      ] satisfies Variant[])
    : []),
];

/** The same shapes kept inside what the user controls. */
const FINE: Variant[] = [
  ["the file itself", (l) => join(l.safe, "target")],
  [
    "an absolute link within the private directory",
    (l) => link(join(l.safe, "target"), l.safe, "a"),
  ],
  ["a relative link", (l) => link("target", l.safe, "a")],
  ["a chain of links", (l) => link(link("target", l.safe, "b"), l.safe, "a")],
  ["a linked parent directory", (l) => join(link(l.safe, l.base, "alias"), "target")],
  ["our own link in a sticky directory", (l) => link(join(l.safe, "target"), l.sticky, "mine")],
];

function link(target: string, dir: string, name: string): string {
  const path = join(dir, name);
  symlinkSync(target, path);
  return path;
}

function refusal(action: () => unknown): StrongboxError | undefined {
  try {
    action();
    return undefined;
  } catch (error) {
    if (error instanceof StrongboxError) return error;
    throw error;
  }
}

describe("the ownership rule follows links (issue 24.8)", () => {
  for (const [name, build] of HOSTILE) {
    it(`attacks: refuses ${name}`, () => {
      const path = build(layout());
      const config = refusal(() => assertTrusted(path, "config file"));
      assert.equal(config?.code, "E_UNSAFE_PATH", `config: ${path}`);
      assert.match(config?.message ?? "", /another user|can write to/);
      const key = refusal(() => readPrivateFile(path, "key file"));
      assert.equal(key?.code, "E_STORE_KEY", `key file: ${path}`);
    });
  }

  for (const [name, build] of FINE) {
    it(`accepts ${name}`, () => {
      const path = build(layout());
      assertTrusted(path, "config file");
      assert.equal(readPrivateFile(path, "key file"), KEY);
    });
  }

  it("a loop of links is not an error of the rule (the read reports it)", () => {
    const l = layout();
    symlinkSync(join(l.safe, "y"), join(l.safe, "x"));
    symlinkSync(join(l.safe, "x"), join(l.safe, "y"));
    assertTrusted(join(l.safe, "x"), "config file");
  });
});

describe("the CLI refuses a config and a key file reached through an open directory", () => {
  it("attacks: a project's config that is a link into a directory everyone can write to is never run", async () => {
    const l = layout();
    writeFileSync(
      join(l.open, "strongbox.config.ts"),
      `import { writeFileSync } from "node:fs";\nwriteFileSync(${JSON.stringify(join(l.base, "PWNED"))}, "ran");\nexport default { variables: {} };\n`,
    );
    const project = join(l.base, "project");
    mkdirSync(join(project, ".git"), { recursive: true });
    symlinkSync(join(l.open, "strongbox.config.ts"), join(project, "strongbox.config.ts"));
    const result = await runCli(["check"], { cwd: project });
    assert.equal(result.code, 6, result.stderr);
    assert.match(result.stderr, /open, which everyone can write to \(E_UNSAFE_PATH\)/);
    assert.equal(
      (await runCli(["check", "--config", join(project, "strongbox.config.ts")], { cwd: l.base }))
        .code,
      6,
    );
    assert.equal(existsSync(join(l.base, "PWNED")), false, "the planted config ran");
  });

  it("attacks: STRONGBOX_KEY_FILE that is a link into an open directory is refused", async () => {
    const dir = tempProject();
    assert.equal((await runCli(["init"], { cwd: dir })).code, 0);
    const l = layout();
    const keyFile = link(join(l.open, "target"), l.safe, "store.key");
    const result = await runCli(["list"], { cwd: dir, env: { STRONGBOX_KEY_FILE: keyFile } });
    assert.equal(result.code, 7, result.stderr);
    assert.match(result.stderr, /which others can write to/);
  });
});

// Red team follow-up (item 2): with a POSIX access ACL the mode's group bits are the ACL's
// mask, so "group-writable, but the group is the user's private one" no longer means only the
// user may write. The ACL is written as the kernel stores it (system.posix_acl_access) with
// python3's os.setxattr, which a fresh Linux machine has (setfacl may not be installed).
const ACL_TAGS = { userObj: 1, user: 2, groupObj: 4, group: 8, mask: 0x10, other: 0x20 };
function setAcl(path: string, named: "user" | "group", maskPerm: number): void {
  const entries: Array<[number, number, number]> = [
    [ACL_TAGS.userObj, 7, 0xffffffff],
    [ACL_TAGS[named], 7, 1234],
    [ACL_TAGS.groupObj, 6, 0xffffffff],
    [ACL_TAGS.mask, maskPerm, 0xffffffff],
    [ACL_TAGS.other, 0, 0xffffffff],
  ];
  // Entries sorted by tag, as the kernel requires.
  entries.sort((a, b) => a[0] - b[0]);
  const bytes = Buffer.alloc(4 + entries.length * 8);
  bytes.writeUInt32LE(2, 0);
  for (const [i, [tag, perm, id]] of entries.entries()) {
    bytes.writeUInt16LE(tag, 4 + i * 8);
    bytes.writeUInt16LE(perm, 6 + i * 8);
    bytes.writeUInt32LE(id, 8 + i * 8);
  }
  execFileSync("python3", [
    "-c",
    "import os,sys\nos.setxattr(sys.argv[1],'system.posix_acl_access',bytes.fromhex(sys.argv[2]),follow_symlinks=False)",
    path,
    bytes.toString("hex"),
  ]);
}

describe("the ownership rule sees POSIX ACLs behind a private group's write bit", () => {
  /** A project dir and config in the user's private group (root's group when run as root). */
  const project = () => {
    const base = tempProject();
    const dir = join(base, "p");
    mkdirSync(dir, { mode: 0o770 });
    chmodSync(dir, 0o770);
    const config = join(dir, "strongbox.config.yaml");
    writeFileSync(config, "variables: {}\n", { mode: 0o660 });
    chmodSync(config, 0o660);
    return { dir, config };
  };
  it("control: group-writable in the private group without an ACL is accepted", () => {
    const { config } = project();
    assert.doesNotThrow(() => assertTrusted(config, "config file"));
  });
  it("attacks: the ACL probe runs nothing the judged directory holds (a python3 planted in node_modules/.bin, first on PATH as npm run puts it, with the project as the working directory)", async () => {
    const { dir } = project();
    const bin = join(dir, "node_modules/.bin");
    mkdirSync(bin, { recursive: true });
    const marker = join(dir, "planted-ran");
    for (const tool of ["python3", "getfattr"]) {
      writeFileSync(join(bin, tool), `#!/bin/sh\ntouch '${marker}'\necho none\n`, { mode: 0o755 });
      chmodSync(join(bin, tool), 0o755);
    }
    setAcl(dir, "user", 7);
    for (const path of [`${bin}:${process.env.PATH}`, `./node_modules/.bin:${process.env.PATH}`]) {
      const result = await runCli(["check"], { cwd: dir, env: { PATH: path } });
      assert.equal(result.code, 6, result.stdout + result.stderr);
      assert.match(result.stderr, /E_UNSAFE_PATH/);
      assert.ok(!existsSync(marker), `the planted probe ran (PATH=${path.split(":")[0]})`);
    }
  });
  for (const named of ["user", "group"] as const) {
    for (const where of ["the config", "its directory"] as const) {
      it(`attacks: an ACL granting a named ${named} write on ${where} is refused`, () => {
        const { dir, config } = project();
        setAcl(where === "the config" ? config : dir, named, 7);
        assert.throws(
          () => assertTrusted(config, "config file"),
          (error: unknown) => error instanceof StrongboxError && error.code === "E_UNSAFE_PATH",
        );
      });
      it(`control: an ACL naming a ${named} on ${where} with a mask without write is accepted`, () => {
        const { dir, config } = project();
        setAcl(where === "the config" ? config : dir, named, 5);
        assert.doesNotThrow(() => assertTrusted(config, "config file"));
      });
    }
  }
});
