// The library (`strongbox/store`, the bundle users import) records every store change
// before making it, as the CLI does. Before, `openStore({ dir, env })` had no sink unless
// given one, so `store.set(...)` changed the manifest and the secret's file with no
// record. Generated: every method of the public Store (the list is checked equal to
// Store.prototype, so a new method must be classified) and initStore, each run in a
// child process with the default sink (a record of its action appears and the store
// changes) and with failing sinks (it throws and the store is byte for byte as it was).
import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import { createHash } from "node:crypto";
import { cpSync, existsSync, readdirSync, readFileSync, statSync } from "node:fs";
import { join } from "node:path";
import { before, describe, it } from "node:test";
import { Store } from "../../src/store/store.js";
import { cleanEnv, ROOT, runCli, tempProject } from "../helpers/cli.js";

const BUNDLE = join(ROOT, "dist/bundle/store.js");
const BOB = "BOB_RECIPIENT";

type Call = {
  readonly args: readonly unknown[];
  /** The audit action the change records. */
  readonly action: string;
  /** Which fixture: a key-file store (default), one with two age recipients, one with a git conflict. */
  readonly fixture?: "recipients" | "conflict";
};
type Method = readonly Call[] | { readonly readOnly: string };

/** Every method of Store.prototype: how to call it to change the store, or why it changes nothing. */
const METHODS: Record<string, Method> = {
  constructor: { readOnly: "not callable from the library (takes the store's core)" },
  origin: { readOnly: "a getter" },
  id: { readOnly: "a getter" },
  activeKey: { readOnly: "a getter" },
  get: { readOnly: "reads a value" },
  history: { readOnly: "reads metadata" },
  list: { readOnly: "reads metadata" },
  keyUsage: { readOnly: "reads metadata" },
  recipients: { readOnly: "reads the keyring" },
  fingerprint: { readOnly: "reads the keyring" },
  set: [
    { args: ["NEWNAME", "$VALUE"], action: "write" },
    { args: ["TOKEN", "$VALUE"], action: "write" },
  ],
  setMany: [
    {
      args: [
        [
          { name: "NEWNAME", value: "$VALUE" },
          { name: "TOKEN", value: "$VALUE" },
        ],
      ],
      action: "write",
    },
  ],
  remove: [
    { args: ["TOKEN"], action: "delete" },
    { args: ["TOKEN", { purge: true }], action: "purge" },
  ],
  destroyVersions: [{ args: ["TOKEN", [1]], action: "destroy" }],
  rollback: [{ args: ["TOKEN", 1], action: "rollback" }],
  resolve: [{ args: ["SHARED", "theirs"], action: "resolve", fixture: "conflict" }],
  rotateKey: [{ args: [], action: "rotate-key" }],
  rewrap: [{ args: [], action: "rewrap" }],
  rekey: [{ args: [], action: "rekey" }],
  addRecipient: [
    { args: [BOB], action: "recipient-add" },
    { args: [BOB], action: "recipient-add", fixture: "recipients" },
  ],
  removeRecipient: [{ args: ["carol"], action: "recipient-rm", fixture: "recipients" }],
  rekeyRecipients: [{ args: [], action: "rekey", fixture: "recipients" }],
};

// Runs one call through the bundle, with the environment as the only audit say.
const SCRIPT = `
const lib = await import(${JSON.stringify(BUNDLE)});
const spec = JSON.parse(process.env.CALL_SPEC);
delete process.env.CALL_SPEC;
const value = (arg) =>
  arg === "$VALUE" ? Buffer.from("library-canary-value")
  : Array.isArray(arg) ? arg.map(value)
  : arg !== null && typeof arg === "object" ? Object.fromEntries(Object.entries(arg).map(([k, v]) => [k, value(v)]))
  : arg;
const args = spec.args.map(value);
const env = process.env;
try {
  if (spec.method === "initStore") lib.initStore({ dir: spec.dir, env });
  else {
    const store = await lib.openStore({ dir: spec.dir, env, ...(spec.optOut ? { audit: false } : {}) });
    await store[spec.method](...args);
  }
} catch (error) {
  process.stderr.write(String(error.code) + " " + error.message);
  process.exitCode = 3;
}
`;

function call(
  home: string,
  spec: { method: string; args: readonly unknown[]; dir: string; optOut?: boolean },
  extra: Record<string, string> = {},
) {
  return spawnSync(process.execPath, ["--input-type=module", "-e", SCRIPT], {
    cwd: home,
    env: cleanEnv(home, { ...extra, CALL_SPEC: JSON.stringify(spec) }),
    encoding: "utf8",
    timeout: 60_000,
  });
}

/** The store's files and the key files, hashed: what a change would touch. */
function digest(home: string): string {
  const hash = createHash("sha256");
  for (const root of [".strongbox", ".config/strongbox/keys"]) {
    const base = join(home, root);
    if (!existsSync(base)) continue;
    for (const name of readdirSync(base, { recursive: true }).map(String).sort()) {
      const path = join(base, name);
      hash.update(`${root}/${name}\n`);
      if (statSync(path).isFile()) hash.update(readFileSync(path));
    }
  }
  return hash.digest("hex");
}

const DEFAULT_LOG = ".local/state/strongbox/audit.jsonl";
const records = (home: string, log = join(home, DEFAULT_LOG)) =>
  existsSync(log)
    ? readFileSync(log, "utf8")
        .split("\n")
        .filter(Boolean)
        .map((line) => JSON.parse(line) as { action: string; source?: string })
    : [];

/** Ways the default sink fails: each must refuse the change. */
function failingSinks(): [string, Record<string, string>][] {
  return [
    ["STRONGBOX_AUDIT_FILE=/dev/full", { STRONGBOX_AUDIT_FILE: "/dev/full" }],
    [
      "STRONGBOX_AUDIT_FILE under a regular file",
      { STRONGBOX_AUDIT_FILE: join(ROOT, "package.json", "audit.jsonl") },
    ],
    ["STRONGBOX_AUDIT_SINK=off", { STRONGBOX_AUDIT_SINK: "off" }],
    ["STRONGBOX_AUDIT_SINK=stderr on /dev/null", { STRONGBOX_AUDIT_SINK: "stderr" }],
  ];
}

async function ok(args: string[], cwd: string, input?: string): Promise<string> {
  const result = await runCli(args, { cwd, ...(input === undefined ? {} : { input }) });
  assert.equal(result.code, 0, `${args.join(" ")}: ${result.stderr}`);
  return result.stdout;
}

describe("the library records every store change before making it", () => {
  const fixtures: Record<string, string> = {};
  let bob = "";
  before(async () => {
    const plain = tempProject({ "strongbox.config.yaml": "variables: {}\n" });
    await ok(["init"], plain);
    await ok(["set", "TOKEN"], plain, "token-v1");
    await ok(["set", "TOKEN"], plain, "token-v2");
    fixtures.plain = plain;
    const recipients = tempProject();
    cpSync(plain, recipients, { recursive: true });
    const alice = (await ok(["keygen"], recipients)).trim();
    await ok(["recipients", "add", alice, "--name", "alice"], recipients);
    await ok(
      ["recipients", "add", (await ok(["keygen"], tempProject())).trim(), "--name", "carol"],
      recipients,
    );
    fixtures.recipients = recipients;
    const conflict = tempProject();
    cpSync(plain, conflict, { recursive: true });
    await ok(["set", "SHARED"], conflict, "base");
    const file = join(
      conflict,
      ".strongbox/secrets",
      readdirSync(join(conflict, ".strongbox/secrets")).find((n) =>
        n.startsWith("SHARED"),
      ) as string,
    );
    const base = readFileSync(file, "utf8");
    await ok(["set", "SHARED"], conflict, "theirs");
    const theirs = readFileSync(file, "utf8");
    const { writeFileSync } = await import("node:fs");
    writeFileSync(file, `<<<<<<< HEAD\n${base}=======\n${theirs}>>>>>>> feature\n`);
    fixtures.conflict = conflict;
    bob = (await ok(["keygen"], tempProject())).trim();
  });

  it("the method list covers Store.prototype", () => {
    assert.deepEqual(
      Object.keys(METHODS).sort(),
      Object.getOwnPropertyNames(Store.prototype).sort(),
    );
  });

  const copy = (fixture: string) => {
    const home = tempProject();
    cpSync(fixtures[fixture] as string, home, { recursive: true });
    return home;
  };
  const cases: [string, Call & { method: string }][] = [
    ["initStore", { method: "initStore", args: [], action: "init" }],
  ];
  for (const [method, spec] of Object.entries(METHODS))
    if (Array.isArray(spec))
      for (const c of spec as readonly Call[])
        cases.push([
          `${method}(${c.args.map((a) => JSON.stringify(a)).join(", ")})${c.fixture ? ` on a ${c.fixture} store` : ""}`,
          { ...c, method },
        ]);

  for (const [label, c] of cases) {
    const prepare = () => {
      const home = c.method === "initStore" ? tempProject() : copy(c.fixture ?? "plain");
      const args = c.args.map((arg) => (arg === BOB ? bob : arg));
      return { home, spec: { method: c.method, args, dir: join(home, ".strongbox") } };
    };
    it(`${label}: records ${c.action} with the default sink, then changes the store`, () => {
      const { home, spec } = prepare();
      const before = digest(home);
      const count = records(home).length;
      const result = call(home, spec);
      assert.equal(result.status, 0, result.stderr);
      assert.notEqual(
        digest(home),
        before,
        "the call changed nothing (the check would be vacuous)",
      );
      const added = records(home).slice(count);
      assert.ok(
        added.some((record) => record.action === c.action && record.source === "store"),
        `no ${c.action} record: ${JSON.stringify(added.map((r) => r.action))}`,
      );
    });
    it(`${label}: with the audit failing, refused and the store unchanged`, () => {
      for (const [how, extra] of failingSinks()) {
        const { home, spec } = prepare();
        const before = digest(home);
        const result = how.includes("/dev/null")
          ? spawnSync(process.execPath, ["--input-type=module", "-e", SCRIPT], {
              cwd: home,
              env: cleanEnv(home, { ...extra, CALL_SPEC: JSON.stringify(spec) }),
              stdio: ["ignore", "pipe", "ignore"],
              encoding: "utf8",
            })
          : call(home, spec, extra);
        assert.equal(result.status, 3, `${how}: not refused (${result.stderr})`);
        assert.equal(digest(home), before, `${how}: the store changed`);
      }
    });
  }

  it("audit: false is the documented opt-out: the change is made with no record", () => {
    const home = copy("plain");
    const count = records(home).length;
    const result = call(
      home,
      { method: "set", args: ["OPTOUT", "$VALUE"], dir: join(home, ".strongbox"), optOut: true },
      { STRONGBOX_AUDIT_FILE: "/dev/full" },
    );
    assert.equal(result.status, 0, result.stderr);
    assert.equal(records(home).length, count);
  });
});
