// Issue 12, second part: the default log, stream sinks, fail-closed, value HMACs,
// rotation with checkpoints, anchors, `audit tail -f`, and one record per access path.
import assert from "node:assert/strict";
import { spawn } from "node:child_process";
import {
  existsSync,
  mkdirSync,
  readdirSync,
  readFileSync,
  rmSync,
  statSync,
  writeFileSync,
} from "node:fs";
import { join } from "node:path";
import { describe, it } from "node:test";
import { createChainedSink } from "../../src/audit/chain.js";
import { loadConfig, loadConfigSync } from "../../src/project/load.js";
import { CLI, cleanEnv, runCli, tempProject } from "../helpers/cli.js";
import { until } from "../helpers/wait.js";

type Row = Record<string, unknown>;
const records = (path: string): Row[] =>
  existsSync(path)
    ? readFileSync(path, "utf8")
        .split("\n")
        .filter(Boolean)
        .map((line) => JSON.parse(line) as Row)
    : [];

const STORE_CONFIG = "variables:\n  TOKEN: { secret: true, ref: 'store://TOKEN' }\n";

async function storeProject(config = STORE_CONFIG, value = "sink-canary-value-1") {
  const dir = tempProject({ "strongbox.config.yaml": config });
  assert.equal((await runCli(["init"], { cwd: dir })).code, 0);
  const set = await runCli(["set", "TOKEN"], { cwd: dir, input: value });
  assert.equal(set.code, 0, set.stderr);
  return dir;
}

describe("audit: where records go", () => {
  it("by default to ~/.local/state/strongbox/audit.jsonl (XDG_STATE_HOME wins), which `audit` reads", async () => {
    const dir = await storeProject();
    const log = join(dir, ".local/state/strongbox/audit.jsonl");
    assert.equal((await runCli(["run", "--", "true"], { cwd: dir })).code, 0);
    assert.deepEqual(
      records(log).map((r) => [r.action, r.variable ?? r.secret]),
      [
        ["init", undefined],
        ["write", "TOKEN"],
        ["read", "TOKEN"],
      ],
    );
    const listed = JSON.parse((await runCli(["audit", "--format", "json"], { cwd: dir })).stdout);
    assert.equal(listed.log, log);
    assert.equal(listed.events.length, 3);
    const state = join(dir, "state");
    await runCli(["run", "--", "true"], { cwd: dir, env: { XDG_STATE_HOME: state } });
    assert.equal(records(join(state, "strongbox/audit.jsonl")).length, 1);
  });

  it("audit.sink: off records nothing; STRONGBOX_AUDIT_SINK=stderr prints JSON records, never into stdout's data", async () => {
    const off = await storeProject(`audit: { sink: "off" }\n${STORE_CONFIG}`);
    await runCli(["run", "--", "true"], { cwd: off });
    assert.equal(existsSync(join(off, ".local/state/strongbox/audit.jsonl")), false);
    // The config wins over the variable: an environment cannot silence an application's audit.
    await runCli(["run", "--", "true"], { cwd: off, env: { STRONGBOX_AUDIT_SINK: "stderr" } });
    const dir = await storeProject();
    const exported = await runCli(["export", "--format", "json"], {
      cwd: dir,
      env: { STRONGBOX_AUDIT_SINK: "stderr" },
    });
    assert.equal(exported.code, 0, exported.stderr);
    assert.deepEqual(Object.keys(JSON.parse(exported.stdout)), ["TOKEN"]);
    const line = exported.stderr.split("\n").find((l) => l.startsWith("{"));
    assert.ok(line, exported.stderr);
    const record = JSON.parse(line) as Row;
    assert.equal(record.audit, true);
    assert.equal(record.variable, "TOKEN");
    assert.equal(record.outcome, "ok");
    assert.ok(!exported.stderr.includes("sink-canary-value-1"));
  });

  it("an unwritable log: a warning in local, a refusal where audit.failClosed says so", async () => {
    const config = `audit: { file: audit.jsonl, failClosed: [staging] }
environments:
  local: {}
  staging: { secrets: { from: [store] } }
${STORE_CONFIG}`;
    const dir = await storeProject(config);
    rmSync(join(dir, "audit.jsonl"), { force: true });
    mkdirSync(join(dir, "audit.jsonl")); // a directory where the log should be: no write can succeed
    const marker = join(dir, "child-ran");
    const child = [
      "--",
      process.execPath,
      "-e",
      `require("fs").writeFileSync(${JSON.stringify(marker)}, "")`,
    ];
    const local = await runCli(["run", ...child], { cwd: dir });
    assert.equal(local.code, 0, local.stderr);
    assert.match(
      local.stderr,
      /warning: cannot write the audit log .*audit\.jsonl.*1 access\(es\) went unrecorded/,
    );
    assert.ok(existsSync(marker));
    rmSync(marker);
    const production = await runCli(["run", "--env", "staging", ...child], { cwd: dir });
    assert.equal(production.code, 4, production.stderr);
    assert.match(
      production.stderr,
      /no secret is released unrecorded in environment "staging" \(E_AUDIT\)/,
    );
    assert.equal(existsSync(marker), false, "the child never started");
    assert.ok(!production.stderr.includes("sink-canary-value-1"));
    // The library refuses the same way: no config object is handed out.
    await assert.rejects(
      loadConfig(
        {
          audit: { file: "audit.jsonl", failClosed: true },
          variables: { TOKEN: { secret: true } },
        },
        { cwd: dir, baseDir: dir, processEnv: { HOME: dir, TOKEN: "lib-canary-value" } },
      ),
      (error: Error & { issues?: Array<{ code: string }> }) =>
        error.issues?.some((item) => item.code === "E_AUDIT") === true &&
        !JSON.stringify(error.issues).includes("lib-canary-value"),
    );
  });
});

describe("audit: syslog over the local socket", () => {
  /** A Unix datagram socket that prints what arrives, as a syslog daemon's /dev/log receives it. */
  const RECEIVER = `
import socket, sys
s = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)
s.bind(sys.argv[1])
print("ready", flush=True)
while True:
    print(s.recv(70000).decode(), flush=True)
`;

  it("each record is one RFC 5424 message on the socket; a refused socket fails closed where asked", async () => {
    const dir = await storeProject();
    writeFileSync(
      join(dir, "strongbox.config.yaml"),
      `audit: { sink: syslog, syslog: { socket: log.sock }, failClosed: true }\n${STORE_CONFIG}`,
    );
    const socket = join(dir, "log.sock");
    const receiver = spawn("python3", ["-c", RECEIVER, socket], {
      stdio: ["ignore", "pipe", "inherit"],
    });
    let received = "";
    receiver.stdout.on("data", (chunk: Buffer) => {
      received += chunk.toString();
    });
    try {
      for (let i = 0; i < 100 && !received.startsWith("ready"); i++)
        await new Promise((r) => setTimeout(r, 50));
      const run = await runCli(["run", "--", "true"], { cwd: dir });
      assert.equal(run.code, 0, run.stderr);
      for (let i = 0; i < 50 && !received.includes("strongbox"); i++)
        await new Promise((r) => setTimeout(r, 50));
      const message = received.split("\n").find((line) => line.includes(" strongbox "));
      assert.ok(message, received);
      assert.match(
        message,
        /^<37>1 \S+ \S+ strongbox /,
        "facility auth, severity notice, RFC 5424",
      );
      const record = JSON.parse(message.slice(message.indexOf("{"))) as Row;
      assert.deepEqual([record.action, record.variable, record.outcome], ["read", "TOKEN", "ok"]);
      assert.ok(!received.includes("sink-canary-value-1"));
    } finally {
      receiver.kill();
    }
    rmSync(socket, { force: true });
    const refused = await runCli(["run", "--", "true"], { cwd: dir });
    assert.equal(refused.code, 4);
    assert.match(refused.stderr, /cannot send audit records to syslog at .*log\.sock/);
  });
});

describe("audit: what the syslog helper is given", () => {
  it("logger gets only PATH and the records on stdin: no credential, no value, nothing on its command line", async () => {
    const dir = await storeProject();
    writeFileSync(
      join(dir, "strongbox.config.yaml"),
      `audit: { sink: syslog, syslog: { socket: log.sock } }\n${STORE_CONFIG}`,
    );
    // A logger that records what it was handed, first on PATH.
    mkdirSync(join(dir, "bin"));
    writeFileSync(
      join(dir, "bin/logger"),
      `#!/bin/sh\n{ env; echo "ARGS $*"; cat; } > "${join(dir, "seen.txt")}"\n`,
      { mode: 0o755 },
    );
    const run = await runCli(["run", "--", "true"], {
      cwd: dir,
      env: {
        PATH: `${join(dir, "bin")}:${process.env.PATH}`,
        VAULT_TOKEN: "s.syslog-canary-token",
        STRONGBOX_AUDIT_KEY: Buffer.alloc(32, 5).toString("hex"),
      },
    });
    assert.equal(run.code, 0, run.stderr);
    const seen = readFileSync(join(dir, "seen.txt"), "utf8");
    const envNames = seen
      .split("\n")
      .filter((line) => /^[A-Z_][A-Z0-9_]*=/.test(line))
      .map((line) => line.slice(0, line.indexOf("=")));
    assert.ok(!envNames.some((name) => /VAULT|STRONGBOX|HOME/.test(name)), envNames.join(" "));
    assert.ok(!seen.includes("syslog-canary") && !seen.includes("sink-canary-value-1"));
    assert.match(seen, /^ARGS --socket \S+log\.sock --socket-errors=on --rfc5424/m);
    assert.match(seen, /"variable":"TOKEN"/, "the record came on stdin");
  });
});

describe("audit: which value was read", () => {
  it("records carry a keyed HMAC of the value; --value-from-stdin finds who read a leaked value", async () => {
    const dir = await storeProject(
      `audit: { file: audit.jsonl }\n${STORE_CONFIG}`,
      "leaked-value-one",
    );
    await runCli(["run", "--", "true"], { cwd: dir });
    await runCli(["set", "TOKEN"], { cwd: dir, input: "fresh-value-two" });
    await runCli(["run", "--", "true"], { cwd: dir });
    const log = readFileSync(join(dir, "audit.jsonl"), "utf8");
    assert.ok(!log.includes("leaked-value-one") && !log.includes("fresh-value-two"));
    const found = async (value: string) =>
      (
        JSON.parse(
          (
            await runCli(["audit", "--value-from-stdin", "--format", "json"], {
              cwd: dir,
              input: `${value}\n`,
            })
          ).stdout,
        ).events as Row[]
      ).map((r) => [r.action, r.version ?? null]);
    assert.deepEqual(await found("leaked-value-one"), [["read", 1]]);
    assert.deepEqual(await found("fresh-value-two"), [["read", 2]]);
    assert.deepEqual(await found("never-stored-value"), []);
    // The same value read through the store directly carries the same MAC.
    await runCli(["get", "TOKEN"], { cwd: dir });
    assert.equal((await found("fresh-value-two")).length, 2);
  });
});

describe("audit: rotation, checkpoints and anchors", () => {
  const config = `audit: { file: audit.jsonl, rotate: { maxBytes: 1500 }, checkpointEvery: 4 }\n${STORE_CONFIG}`;

  it("the log rotates by size into numbered segments; the chain, queries and verify span them", async () => {
    const dir = await storeProject(config);
    for (let i = 0; i < 6; i++) await runCli(["run", "--", "true"], { cwd: dir });
    const segments = readdirSync(dir).filter((name) => /^audit\.jsonl\.\d+$/.test(name));
    assert.ok(segments.length >= 1, "segments were made");
    const verified = await runCli(["audit", "verify", "--format", "json"], { cwd: dir });
    const report = JSON.parse(verified.stdout);
    assert.equal(report.ok, true, verified.stdout);
    const reads = JSON.parse(
      (await runCli(["audit", "--action", "read", "--format", "json"], { cwd: dir })).stdout,
    );
    assert.equal(reads.events.length, 6, "queries read every segment");
    const all = JSON.parse((await runCli(["audit", "--format", "json"], { cwd: dir })).stdout);
    assert.ok(
      all.events.every((e: Row) => e.action !== "checkpoint"),
      "checkpoints are not accesses",
    );
    const checkpoints = JSON.parse(
      (await runCli(["audit", "--action", "checkpoint", "--format", "json"], { cwd: dir })).stdout,
    );
    assert.ok(
      checkpoints.events.some((e: Row) => typeof e.segment === "string"),
      "each new segment opens with one",
    );
    assert.ok(
      checkpoints.events.some((e: Row) => e.segment === undefined),
      "and one every 4 records",
    );
    // A record edited in an old segment is named with its file.
    const first = join(dir, "audit.jsonl.1");
    writeFileSync(
      first,
      readFileSync(first, "utf8").replace('"outcome":"ok"', '"outcome":"denied"'),
    );
    const broken = await runCli(["audit", "verify"], { cwd: dir });
    assert.equal(broken.code, 4);
    assert.match(broken.stderr, /audit\.jsonl\.1 line \d+: its MAC does not match/);
  });

  it("pruning the oldest segments is allowed (the chain starts at a checkpoint); removing a middle one is not", async () => {
    const dir = await storeProject(config);
    for (let i = 0; i < 12; i++) await runCli(["run", "--", "true"], { cwd: dir });
    const segments = readdirSync(dir)
      .filter((name) => /^audit\.jsonl\.\d+$/.test(name))
      .sort((a, b) => Number(a.split(".").pop()) - Number(b.split(".").pop()));
    assert.ok(segments.length >= 3, `segments: ${segments.join(", ")}`);
    const middle = readFileSync(join(dir, segments[1] as string), "utf8");
    rmSync(join(dir, segments[1] as string));
    const gap = await runCli(["audit", "verify"], { cwd: dir });
    assert.equal(gap.code, 4);
    assert.match(gap.stderr, /records \d+ to \d+ are missing \(deleted\)/);
    writeFileSync(join(dir, segments[1] as string), middle);
    rmSync(join(dir, segments[0] as string));
    const pruned = await runCli(["audit", "verify"], { cwd: dir });
    assert.equal(pruned.code, 0, pruned.stderr);
    assert.match(pruned.stderr, /from record \d+; older segments pruned/);
  });

  it("an anchor kept outside the log exposes a rewrite by someone holding the key", async () => {
    const dir = await storeProject(`audit: { file: audit.jsonl }\n${STORE_CONFIG}`);
    await runCli(["run", "--", "true"], { cwd: dir });
    const first = await runCli(["audit", "verify"], { cwd: dir });
    const anchor = /anchor (\d+:[\w-]+)/.exec(first.stderr)?.[1];
    assert.ok(anchor, first.stderr);
    assert.equal((await runCli(["audit", "verify", "--anchor", anchor], { cwd: dir })).code, 0);
    // The key holder drops the log and writes a fresh, internally valid chain.
    for (const name of ["audit.jsonl", "audit.jsonl.head"]) rmSync(join(dir, name));
    const sink = createChainedSink(join(dir, "audit.jsonl"), { env: { HOME: dir } });
    sink.write([
      { time: new Date().toISOString(), action: "read", source: "store", outcome: "ok", pid: 1 },
    ]);
    assert.equal(
      (await runCli(["audit", "verify"], { cwd: dir })).code,
      0,
      "the rewrite verifies alone",
    );
    const anchored = await runCli(["audit", "verify", "--anchor", anchor], { cwd: dir });
    assert.equal(anchored.code, 4);
    assert.match(anchored.stderr, /anchor record \d+ is not in the log|is not the anchored one/);
  });
});

describe("audit tail -f", () => {
  it("prints records as they are written, across a rotation, and stops on SIGTERM", async () => {
    const dir = await storeProject(
      `audit: { file: audit.jsonl, rotate: { maxBytes: 1200 } }\n${STORE_CONFIG}`,
    );
    const child = spawn(
      process.execPath,
      [CLI, "audit", "tail", "-f", "-n", "0", "--format", "json"],
      {
        cwd: dir,
        env: cleanEnv(dir),
        stdio: ["ignore", "pipe", "pipe"],
      },
    );
    let out = "";
    child.stdout.on("data", (chunk: Buffer) => {
      out += chunk.toString();
    });
    const seen = () =>
      out
        .split("\n")
        .filter(Boolean)
        .map((line) => JSON.parse(line) as Row);
    await new Promise((r) => setTimeout(r, 700)); // the follower has opened the log
    for (let i = 0; i < 5; i++) await runCli(["run", "--", "true"], { cwd: dir });
    await until("five reads followed", () => seen().filter((r) => r.action === "read").length >= 5);
    assert.ok(readdirSync(dir).includes("audit.jsonl.1"), "the log rotated meanwhile");
    assert.equal(
      seen().filter((r) => r.action === "read").length,
      5,
      "each read once, none lost or repeated",
    );
    assert.ok(seen().every((r) => r.action !== "checkpoint"));
    child.kill("SIGTERM");
    const code = await new Promise((r) => child.on("exit", r));
    assert.equal(code, 0);
  });
});

describe("audit: every access path writes exactly one record", () => {
  const config = `audit: { file: audit.jsonl }
variables:
  TOKEN: { secret: true, ref: 'store://TOKEN' }
`;
  const template = 'T={{ strongbox "TOKEN" }}\n';
  const cases: ReadonlyArray<{
    name: string;
    action: string;
    act: (dir: string) => Promise<unknown>;
  }> = [
    {
      name: "set",
      action: "write",
      act: (dir) => runCli(["set", "TOKEN"], { cwd: dir, input: "path-canary-two" }),
    },
    { name: "get", action: "read", act: (dir) => runCli(["get", "TOKEN"], { cwd: dir }) },
    { name: "run", action: "read", act: (dir) => runCli(["run", "--", "true"], { cwd: dir }) },
    { name: "export", action: "read", act: (dir) => runCli(["export"], { cwd: dir }) },
    { name: "check", action: "read", act: (dir) => runCli(["check"], { cwd: dir }) },
    {
      name: "render",
      action: "read",
      act: (dir) => {
        writeFileSync(join(dir, "t.tmpl"), template);
        return runCli(["render", "-i", "t.tmpl", "-o", "out.txt"], { cwd: dir });
      },
    },
    {
      name: "rollback",
      action: "rollback",
      act: async (dir) => {
        await runCli(["set", "TOKEN"], { cwd: dir, input: "path-canary-two" });
        rmSync(join(dir, "audit.jsonl"));
        rmSync(join(dir, "audit.jsonl.head"));
        return runCli(["rollback", "TOKEN", "--to", "1"], { cwd: dir });
      },
    },
    { name: "rm", action: "delete", act: (dir) => runCli(["rm", "TOKEN"], { cwd: dir }) },
    {
      name: "rotate-key",
      action: "rotate-key",
      act: (dir) => runCli(["rotate-key"], { cwd: dir }),
    },
    { name: "rewrap", action: "rewrap", act: (dir) => runCli(["rewrap"], { cwd: dir }) },
    {
      name: "loadConfig",
      action: "read",
      act: (dir) =>
        loadConfig(
          {
            audit: { file: "audit.jsonl" },
            variables: { TOKEN: { secret: true, ref: "store://TOKEN" } },
          },
          { cwd: dir, baseDir: dir, processEnv: { HOME: dir } },
        ),
    },
    {
      name: "loadConfigSync",
      action: "read",
      act: async (dir) =>
        loadConfigSync(
          { audit: { file: "audit.jsonl" }, variables: { TOKEN: { secret: true } } },
          { cwd: dir, baseDir: dir, processEnv: { HOME: dir, TOKEN: "from-the-env-1" } },
        ),
    },
  ];
  for (const { name, action, act } of cases)
    it(`${name}: one ${action} record of TOKEN`, async () => {
      const dir = await storeProject(config, "path-canary-one");
      const log = join(dir, "audit.jsonl");
      rmSync(log);
      rmSync(`${log}.head`);
      await act(dir);
      const added = records(log).filter((r) => r.action !== "checkpoint");
      const mine = added.filter((r) => r.action === action);
      assert.equal(mine.length, 1, JSON.stringify(added));
      const subject = mine[0]?.variable ?? mine[0]?.secret;
      if (!["rotate-key", "rewrap"].includes(action)) assert.equal(subject, "TOKEN");
      assert.equal(added.length, 1, `nothing else recorded: ${JSON.stringify(added)}`);
      const text = existsSync(log) ? readFileSync(log, "utf8") : "";
      assert.ok(!/path-canary|from-the-env/.test(text), "no value in the log");
    });

  it("a child started by `strongbox run` that loads its config adds no second record", async () => {
    const dir = await storeProject(config);
    const app = join(dir, "app.mjs");
    writeFileSync(
      app,
      `import { loadConfig } from ${JSON.stringify(join(CLI, "../index.js"))};
await loadConfig({ audit: { file: "audit.jsonl" }, variables: { TOKEN: { secret: true, ref: "store://TOKEN" } } }, { baseDir: ${JSON.stringify(dir)} });
`,
    );
    rmSync(join(dir, "audit.jsonl"));
    rmSync(join(dir, "audit.jsonl.head"));
    const run = await runCli(["run", "--", process.execPath, app], { cwd: dir });
    assert.equal(run.code, 0, run.stderr);
    assert.equal(records(join(dir, "audit.jsonl")).filter((r) => r.action === "read").length, 1);
  });
});

describe("audit log permissions", () => {
  it("the log, its head and the audit key are private to the user", async () => {
    const dir = await storeProject();
    const log = join(dir, ".local/state/strongbox/audit.jsonl");
    for (const path of [log, `${log}.head`, join(dir, ".config/strongbox/keys/audit.key")])
      assert.equal(statSync(path).mode & 0o077, 0, path);
    assert.equal(statSync(join(log, "..")).mode & 0o077, 0);
  });
});
