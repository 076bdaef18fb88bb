// Issue 24, item 9: every command that changes the store records the change before
// making it. The list of commands is checked against the command table, so a new
// command cannot be left out; every variant is run with audit sinks that fail in
// different ways, and the project's files (the store, the key files, the .env being
// imported) must be byte-for-byte as they were. Each mutating variant is also run
// with a working sink, which must change the files and leave a record: a variant that
// changes nothing would make the first check vacuous.
import assert from "node:assert/strict";
import { execFileSync } from "node:child_process";
import { createHash } from "node:crypto";
import {
  cpSync,
  existsSync,
  lstatSync,
  mkdirSync,
  readdirSync,
  readFileSync,
  readlinkSync,
  writeFileSync,
} from "node:fs";
import { join } from "node:path";
import { before, describe, it } from "node:test";
import { COMMANDS } from "../../src/cli/command-table.js";
import { runCli, tempProject } from "../helpers/cli.js";

const CONFIG = `variables:
  TOKEN: { secret: true, ref: "store://TOKEN", rotation: { every: 90d, generator: uuid, overlap: 0s, soak: 0s } }
  ROLLING: { secret: true, ref: "store://ROLLING", rotation: { every: 90d, generator: uuid, overlap: 0s, soak: 0s } }
`;

/** One command line and what it does to the store. */
interface Variant {
  readonly argv: readonly string[];
  /** The audit action its record carries (a mutating variant). */
  readonly records?: string;
  readonly input?: string;
  /** More environment (EDITOR: the scripted editor, as `SCRIPTED_EDITOR`). */
  readonly env?: Readonly<Record<string, string>>;
  /** Run in a directory with no store yet (init). */
  readonly fresh?: boolean;
  /**
   * Its change is the user's trust in the store (the pin in ~/.local/state), which
   * trusting the same keyring again leaves as it was: the record is checked, and
   * the pin is part of the files that must not change when the record fails.
   */
  readonly trust?: boolean;
  /** Run on a copy whose secret SHARED has a git merge conflict. */
  readonly conflict?: boolean;
}

/**
 * Every command of the command table, with the variants that change the local
 * store (`records`) and, for the others, why they cannot, or command lines that
 * are run anyway to show the store stays as it was.
 */
const COMMAND_VARIANTS: Record<string, readonly Variant[] | { readonly untouched: string }> = {
  init: [
    { argv: ["init"], records: "init", fresh: true },
    { argv: ["init", "--env", "production"], records: "init" },
  ],
  set: [
    { argv: ["set", "TOKEN"], input: "new-value-canary", records: "write" },
    { argv: ["set", "BRAND_NEW"], input: "new-value-canary", records: "write" },
    { argv: ["set", "TOKEN=pair-canary-1", "PAIR_NEW=pair-canary-2"], records: "write" },
    { argv: ["set", "-f", "plain.env"], records: "write" },
    { argv: ["set", "-f", "-"], input: "FROM_STDIN=stdin-canary\n", records: "write" },
  ],
  edit: [
    { argv: ["edit", "TOKEN"], env: { EDITOR: "SCRIPTED_EDITOR" }, records: "write" },
    { argv: ["edit", "EDIT_NEW"], env: { EDITOR: "SCRIPTED_EDITOR" }, records: "write" },
  ],
  rm: [
    { argv: ["rm", "TOKEN"], records: "delete" },
    { argv: ["rm", "TOKEN", "--purge"], records: "purge" },
    { argv: ["rm", "TOKEN", "--version", "1"], records: "destroy" },
  ],
  rollback: [{ argv: ["rollback", "TOKEN", "--to", "1"], records: "rollback" }],
  resolve: [
    { argv: ["resolve", "SHARED", "--ours"], records: "resolve", conflict: true },
    { argv: ["resolve", "SHARED", "--theirs"], records: "resolve", conflict: true },
  ],
  import: [{ argv: ["import", "plain.env", "--delete"], records: "write" }],
  rotate: [
    { argv: ["rotate", "TOKEN", "--force"], records: "rotate" },
    { argv: ["rotate", "--finish", "ROLLING", "--force"], records: "retire" },
    { argv: ["rotate", "--due"], records: "retire" },
  ],
  compromise: [
    {
      argv: ["compromise", "TOKEN", "--since", "2000-01-01T00:00:00Z", "--yes"],
      records: "rotate",
    },
    { argv: ["compromise", "TOKEN", "--since", "2000-01-01T00:00:00Z", "--dry-run"] },
  ],
  "rotate-key": [{ argv: ["rotate-key"], records: "rotate-key" }],
  rewrap: [{ argv: ["rewrap"], records: "rewrap" }],
  rekey: [{ argv: ["rekey"], records: "rekey" }],
  recipients: [
    { argv: ["recipients", "add", "AGE2", "--name", "bob"], records: "recipient-add" },
    { argv: ["recipients", "rm", "alice"], records: "recipient-rm" },
    { argv: ["recipients", "trust"], records: "keyring-trust", trust: true },
    { argv: ["recipients", "list"] },
    { argv: ["recipients", "fingerprint"] },
  ],
  get: [{ argv: ["get", "TOKEN"] }],
  list: [{ argv: ["list"] }],
  history: [{ argv: ["history", "TOKEN"] }],
  check: [{ argv: ["check"] }],
  export: [{ argv: ["export"] }],
  run: [{ argv: ["run", "--", "true"] }],
  explain: [{ argv: ["explain"] }],
  diff: [{ argv: ["diff", "local", "staging"] }],
  inventory: [{ argv: ["inventory"] }],
  lint: [{ argv: ["lint"] }],
  doctor: [{ argv: ["doctor"] }],
  audit: [{ argv: ["audit"] }],
  generate: [{ argv: ["generate", "example", "--stdout"] }],
  "generate-secret": [{ argv: ["generate-secret", "bytes:16"] }],
  keygen: { untouched: "makes the user's own age identity in ~/.config, not a store file" },
  completion: [{ argv: ["completion", "bash"] }],
  version: [{ argv: ["version"] }],
  hook: { untouched: "installs a git hook and reads the index; it has no store writer" },
  scan: [{ argv: ["scan", "plain.env"] }],
  smoke: [{ argv: ["smoke"] }],
  ui: { untouched: "a read-only dashboard: it opens the store only to list it" },
  vault: { untouched: "Vault operator tools: policies and AppRoles in Vault, not the store" },
  "rewrap-data": { untouched: "re-encrypts a database table's fields; no store file" },
  migrate: { untouched: "moves .env secrets into Vault, never into the store" },
  env: { untouched: "creates and destroys Vault environments, not the store" },
  render: { untouched: "renders templates from Vault; it has no store writer" },
  agent: { untouched: "renders templates from Vault and runs a child; no store writer" },
};

/** Sinks that cannot take a record, each failing another way. */
function failingSinks(base: string): Array<[string, string]> {
  mkdirSync(join(base, "log-is-a-directory"), { recursive: true });
  writeFileSync(join(base, "parent-is-a-file"), "");
  return [
    ["/dev/full", "/dev/full"],
    ["a directory where the log should be", join(base, "log-is-a-directory")],
    ["a log whose parent is a file", join(base, "parent-is-a-file", "audit.jsonl")],
  ];
}

/**
 * Every file, directory and link under `dir` with its mode and bytes, but git's
 * and HOME's state (with `trust`, the known-stores pin is included).
 */
function treeDigest(dir: string, trust = false): string {
  const hash = createHash("sha256");
  const walk = (at: string, relative: string) => {
    for (const name of readdirSync(at).sort()) {
      const path = join(at, name);
      const rel = join(relative, name);
      if (relative === "" && [".git", ".local", ".cache"].includes(name)) continue;
      // The audit's own key, made by the sink on its first use, is no store file.
      if (name === "audit.key") continue;
      const stats = lstatSync(path);
      hash.update(`${rel}\0${stats.mode}\0`);
      if (stats.isDirectory()) walk(path, rel);
      else if (stats.isSymbolicLink()) hash.update(readlinkSync(path));
      else hash.update(readFileSync(path));
      hash.update("\0");
    }
  };
  walk(dir, "");
  const pins = join(dir, ".local/state/strongbox/known-stores.json");
  if (trust && existsSync(pins)) hash.update(readFileSync(pins));
  return hash.digest("hex");
}

const git = (cwd: string, ...args: string[]) =>
  execFileSync("git", args, {
    cwd,
    stdio: "pipe",
    env: {
      PATH: process.env.PATH ?? "/usr/bin:/bin",
      HOME: cwd,
      GIT_AUTHOR_NAME: "t",
      GIT_AUTHOR_EMAIL: "t@example.com",
      GIT_COMMITTER_NAME: "t",
      GIT_COMMITTER_EMAIL: "t@example.com",
    },
  }).toString();

async function ok(args: string[], cwd: string, input?: string): Promise<string> {
  const result = await runCli(args, { cwd, ...(input === undefined ? {} : { input }) });
  assert.equal(result.code, 0, `${args.join(" ")}: ${result.stderr}`);
  return result.stdout;
}

/**
 * A project whose store has something for every mutating variant: secrets with
 * versions, a rotation in progress, a git merge conflict in SHARED, two named
 * age recipients, and a plaintext .env to import.
 */
async function buildFixture(): Promise<Fixture> {
  const dir = tempProject({
    ".gitignore": ".local/\n.config/\n.cache/\n",
    "strongbox.config.yaml": CONFIG,
    "plain.env": "IMPORTED_TOKEN=plain-canary-value\n",
  });
  git(dir, "init", "-q", "-b", "main");
  await ok(["init"], dir);
  const alice = (await ok(["keygen"], dir)).trim();
  await ok(["recipients", "add", alice, "--name", "alice"], dir);
  const bob = (await ok(["keygen"], tempProject())).trim();
  await ok(["recipients", "add", bob, "--name", "carol"], dir);
  await ok(["set", "TOKEN"], dir, "token-v1-canary");
  await ok(["set", "TOKEN"], dir, "token-v2-canary");
  await ok(["set", "ROLLING"], dir, "rolling-v1-canary");
  await ok(["rotate", "ROLLING", "--force"], dir);
  await ok(["set", "SHARED"], dir, "base-value");
  git(dir, "add", "-A");
  git(dir, "commit", "-qm", "store");
  const conflict = tempProject();
  cpSync(dir, conflict, { recursive: true });
  await mergeConflict(conflict);
  const tools = tempProject({
    "editor.cjs": 'require("node:fs").writeFileSync(process.argv.at(-1), "edited-canary\\n");\n',
  });
  const editor = `'${process.execPath}' '${join(tools, "editor.cjs")}'`;
  return { dir, conflict, bob: (await ok(["keygen"], tempProject())).trim(), editor };
}

/**
 * Leaves SHARED with a git merge conflict: each branch set it anew, twice, so
 * either side holds every version the store wrote (a side with fewer would be
 * refused as a rollback before the audit is reached).
 */
async function mergeConflict(dir: string): Promise<void> {
  git(dir, "checkout", "-qb", "feature");
  await ok(["set", "SHARED"], dir, "their-value");
  await ok(["set", "SHARED"], dir, "their-value-2");
  git(dir, "add", "-A");
  git(dir, "commit", "-qm", "theirs");
  git(dir, "checkout", "-q", "main");
  await ok(["set", "SHARED"], dir, "our-value");
  await ok(["set", "SHARED"], dir, "our-value-2");
  git(dir, "add", "-A");
  git(dir, "commit", "-qm", "ours");
  assert.throws(() => git(dir, "merge", "-q", "feature", "-m", "merge"));
}

interface Fixture {
  readonly dir: string;
  readonly conflict: string;
  /** A recipient who is not one yet. */
  readonly bob: string;
  /** $EDITOR for `edit`: a script that writes a new value. */
  readonly editor: string;
}

describe("store changes are recorded before they are made (issue 24.9)", () => {
  let fixture: Fixture;
  before(async () => {
    fixture = await buildFixture();
  });

  it("the list of store commands covers the whole command table", () => {
    assert.deepEqual(Object.keys(COMMAND_VARIANTS).sort(), Object.keys(COMMANDS).sort());
  });

  const copy = (variant: Variant) => {
    const dir = tempProject();
    if (variant.fresh === true) writeFileSync(join(dir, "strongbox.config.yaml"), CONFIG);
    else
      cpSync(variant.conflict === true ? fixture.conflict : fixture.dir, dir, { recursive: true });
    return dir;
  };
  const argvOf = (variant: Variant) =>
    variant.argv.map((arg) => (arg === "AGE2" ? fixture.bob : arg));
  const envOf = (variant: Variant, log: string) => ({
    STRONGBOX_AUDIT_FILE: log,
    ...Object.fromEntries(
      Object.entries(variant.env ?? {}).map(([name, text]) => [
        name,
        text === "SCRIPTED_EDITOR" ? fixture.editor : text,
      ]),
    ),
  });

  for (const variants of Object.values(COMMAND_VARIANTS)) {
    if (!Array.isArray(variants)) continue;
    for (const variant of variants as readonly Variant[]) {
      const label = variant.argv.join(" ");
      it(`${label}: with the audit failing, ${variant.records ? "refused and " : ""}the project's files unchanged`, async () => {
        for (const [how, log] of failingSinks(tempProject())) {
          const dir = copy(variant);
          const beforeDigest = treeDigest(dir, variant.trust === true);
          const result = await runCli(argvOf(variant), {
            cwd: dir,
            env: envOf(variant, log),
            ...(variant.input === undefined ? {} : { input: variant.input }),
          });
          assert.equal(
            treeDigest(dir, variant.trust === true),
            beforeDigest,
            `${label} (${how}) changed files: ${result.stderr}`,
          );
          if (variant.records !== undefined) {
            assert.notEqual(result.code, 0, `${label} (${how}) succeeded unrecorded`);
            assert.match(result.stderr, /audit/i, `${label} (${how}): ${result.stderr}`);
          }
          assert.ok(!result.stderr.includes("canary"), "no value in the error");
        }
      });
      if (variant.records === undefined) continue;
      it(`${label}: with a working audit, changes the store and records ${variant.records}`, async () => {
        const dir = copy(variant);
        const log = join(tempProject(), "audit.jsonl");
        const beforeDigest = treeDigest(dir);
        const result = await runCli(argvOf(variant), {
          cwd: dir,
          env: envOf(variant, log),
          ...(variant.input === undefined ? {} : { input: variant.input }),
        });
        assert.equal(result.code, 0, result.stderr);
        if (variant.trust !== true)
          assert.notEqual(treeDigest(dir), beforeDigest, `${label} changed nothing`);
        const actions = existsSync(log)
          ? readFileSync(log, "utf8")
              .split("\n")
              .filter(Boolean)
              .map((line) => (JSON.parse(line) as { action: string }).action)
          : [];
        assert.ok(actions.includes(variant.records as string), `${label}: ${actions.join(", ")}`);
      });
    }
  }
});
