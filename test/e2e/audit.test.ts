// One rule for where audit records go, shared by every entry point, and the query
// command over them (issue 12, first part).
import assert from "node:assert/strict";
import { appendFileSync, existsSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { describe, it } from "node:test";
import { loadConfig } from "../../src/project/load.js";
import { runCli, tempProject } from "../helpers/cli.js";

const lines = (path: string) =>
  existsSync(path)
    ? readFileSync(path, "utf8")
        .split("\n")
        .filter(Boolean)
        .map((line) => JSON.parse(line) as Record<string, unknown>)
    : [];

describe("audit: one rule for every entry point", () => {
  const CONFIG = `variables:
  TOKEN: { secret: true, ref: "store://TOKEN", rotation: { every: 90d, generator: uuid } }
`;

  it("STRONGBOX_AUDIT_FILE is honoured by loadConfig, run, store commands and rotation alike", async () => {
    const dir = tempProject({ "strongbox.config.yaml": CONFIG });
    const log = join(dir, "from-env.jsonl");
    const env = { STRONGBOX_AUDIT_FILE: log };
    assert.equal((await runCli(["init"], { cwd: dir, env })).code, 0);
    assert.equal(
      (await runCli(["set", "TOKEN"], { cwd: dir, env, input: "audit-canary-1" })).code,
      0,
    );
    const afterSet = lines(log).length;
    assert.ok(afterSet >= 1, "the store write is recorded");
    assert.equal((await runCli(["run", "--", "true"], { cwd: dir, env })).code, 0);
    const afterRun = lines(log).length;
    assert.ok(afterRun > afterSet, "the CLI's resolution is recorded");
    await loadConfig(
      { variables: { TOKEN: { secret: true, ref: "store://TOKEN" } } },
      { cwd: dir, baseDir: dir, processEnv: { HOME: dir, ...env } },
    );
    const afterLoad = lines(log).length;
    assert.ok(afterLoad > afterRun, "loadConfig in an application is recorded");
    assert.equal((await runCli(["rotate", "TOKEN"], { cwd: dir, env })).code, 0);
    assert.ok(lines(log).some((event) => event.action === "rotate" && event.variable === "TOKEN"));
    assert.ok(!readFileSync(log, "utf8").includes("audit-canary-1"), "no value in the log");
  });

  it("the config's audit.file wins over STRONGBOX_AUDIT_FILE, relative to the config", async () => {
    const dir = tempProject({
      "strongbox.config.yaml": `audit: { file: logs/audit.jsonl }\n${CONFIG}`,
    });
    const env = { STRONGBOX_AUDIT_FILE: join(dir, "ignored.jsonl") };
    await runCli(["init"], { cwd: dir, env });
    await runCli(["set", "TOKEN"], { cwd: dir, env, input: "audit-canary-2" });
    await runCli(["run", "--", "true"], { cwd: dir, env });
    assert.ok(lines(join(dir, "logs/audit.jsonl")).length >= 2);
    assert.equal(existsSync(join(dir, "ignored.jsonl")), false);
  });
});

describe("strongbox audit (query)", () => {
  it("filters by name, outcome, action and time; JSON for machines; reports unreadable lines", async () => {
    const dir = tempProject({
      "strongbox.config.yaml":
        "audit: { file: audit.jsonl }\nvariables:\n  A: { secret: true, ref: 'store://A' }\n  B: { secret: true, ref: 'store://B', required: false }\n",
    });
    await runCli(["init"], { cwd: dir });
    const start = new Date().toISOString();
    await runCli(["set", "A"], { cwd: dir, input: "query-canary-a" });
    await runCli(["run", "--", "true"], { cwd: dir });
    const json = JSON.parse((await runCli(["audit", "--format", "json"], { cwd: dir })).stdout);
    assert.ok(json.events.length >= 3);
    const onlyA = JSON.parse(
      (await runCli(["audit", "--name", "A", "--format", "json"], { cwd: dir })).stdout,
    );
    assert.ok(
      onlyA.events.every(
        (e: { variable?: string; secret?: string }) => (e.variable ?? e.secret) === "A",
      ),
    );
    const missing = JSON.parse(
      (
        await runCli(["audit", "--name", "B", "--outcome", "missing", "--format", "json"], {
          cwd: dir,
        })
      ).stdout,
    );
    assert.ok(missing.events.length >= 1, "B was looked for and not found");
    const writes = JSON.parse(
      (await runCli(["audit", "--action", "write", "--format", "json"], { cwd: dir })).stdout,
    );
    assert.deepEqual(
      writes.events.map((e: { secret?: string }) => e.secret),
      ["A"],
    );
    const future = JSON.parse(
      (await runCli(["audit", "--since", "2999-01-01", "--format", "json"], { cwd: dir })).stdout,
    );
    assert.deepEqual(future.events, []);
    const table = await runCli(["audit", "--since", start], { cwd: dir });
    assert.match(table.stdout, /^TIME +ACTION +NAME +ENV +SOURCE +OUTCOME +WHO\n/);
    assert.ok(!table.stdout.includes("query-canary-a"));
    appendFileSync(join(dir, "audit.jsonl"), '{"torn":\n');
    const torn = await runCli(["audit"], { cwd: dir });
    assert.match(
      torn.stderr,
      /1 line\(s\) of .*audit.jsonl could not be read; run `strongbox audit verify`/,
    );
    const streamed = await runCli(["audit"], {
      cwd: tempProject({ "strongbox.config.yaml": "variables: {}\n" }),
      env: { STRONGBOX_AUDIT_SINK: "stderr" },
    });
    assert.equal(streamed.code, 2);
    assert.match(streamed.stderr, /records go to a stream, not a file/);
  });
});

describe("audit: who", () => {
  it("records carry the OS user, host, command, git author and CI job, never a credential or an argument", async () => {
    const dir = tempProject({
      "strongbox.config.yaml":
        "audit: { file: audit.jsonl }\nvariables:\n  A: { secret: true, ref: 'store://A' }\n",
      ".git/HEAD": "ref: refs/heads/main\n",
      ".git/config":
        "[core]\n\tbare = false\n[user]\n\tname = Ada Lovelace\n\temail = ada@example.com\n",
    });
    const ci = {
      GITHUB_ACTIONS: "true",
      GITHUB_JOB: "deploy",
      GITHUB_RUN_ID: "4242",
      GITHUB_REPOSITORY: "acme/shop",
      GITHUB_ACTOR: "octocat",
      GITHUB_TOKEN: "ghs_audit-canary-token",
    };
    await runCli(["init"], { cwd: dir });
    await runCli(["set", "A", "--value", "argv-audit-canary"], { cwd: dir, env: ci });
    await runCli(["run", "--", "true"], { cwd: dir, env: ci });
    const events = lines(join(dir, "audit.jsonl"));
    const write = events.find((event) => event.action === "write") as {
      actor?: Record<string, unknown>;
    };
    assert.equal(write.actor?.command, "strongbox set");
    assert.equal(write.actor?.git, "Ada Lovelace <ada@example.com>");
    assert.deepEqual(write.actor?.ci, {
      system: "github-actions",
      job: "deploy",
      run: "4242",
      repository: "acme/shop",
      actor: "octocat",
    });
    assert.equal(typeof write.actor?.user, "string");
    assert.equal(typeof write.actor?.host, "string");
    const read = events.find((event) => event.action === "read") as {
      actor?: Record<string, unknown>;
    };
    assert.equal(read.actor?.command, "strongbox run");
    const text = readFileSync(join(dir, "audit.jsonl"), "utf8");
    assert.ok(!text.includes("argv-audit-canary"), "an argument never reaches the record");
    assert.ok(!text.includes("ghs_audit-canary-token"), "a CI token never reaches the record");
  });
});

describe("audit verify: a tamper-evident chain", () => {
  async function chainedLog(): Promise<{ dir: string; log: string; records: string[] }> {
    const dir = tempProject({
      "strongbox.config.yaml":
        "audit: { file: audit.jsonl }\nvariables:\n  A: { secret: true, ref: 'store://A' }\n",
    });
    await runCli(["init"], { cwd: dir });
    for (const value of ["v1-canary", "v2-canary", "v3-canary"])
      await runCli(["set", "A"], { cwd: dir, input: value });
    await runCli(["run", "--", "true"], { cwd: dir });
    const log = join(dir, "audit.jsonl");
    return { dir, log, records: readFileSync(log, "utf8").split("\n").filter(Boolean) };
  }
  const verify = (dir: string) => runCli(["audit", "verify"], { cwd: dir });

  it("an untouched log verifies; every record carries seq, prev and mac", async () => {
    const { dir, records } = await chainedLog();
    const result = await verify(dir);
    assert.equal(result.code, 0, result.stderr);
    assert.match(result.stderr, new RegExp(`ok: ${records.length} records in .*chain intact`));
    const parsed = records.map((line) => JSON.parse(line));
    assert.deepEqual(
      parsed.map((r) => r.seq),
      parsed.map((_, i) => i + 1),
    );
    assert.equal(parsed[1].prev, parsed[0].mac);
  });

  const tamper: Array<[string, (records: string[]) => string, RegExp]> = [
    [
      "an edited record",
      (r) => [r[0], (r[1] as string).replace('"ok"', '"denied"'), ...r.slice(2)].join("\n"),
      /line 2: its MAC does not match/,
    ],
    [
      "a deleted record",
      (r) => [r[0], ...r.slice(2)].join("\n"),
      /line 2: records 2 to 2 are missing \(deleted\)/,
    ],
    [
      "two records swapped",
      (r) => [r[0], r[2], r[1], ...r.slice(3)].join("\n"),
      /line 2: records 2 to 2 are missing|line 2: .*out of order/,
    ],
    [
      "a record inserted",
      (r) => [r[0], r[0], ...r.slice(1)].join("\n"),
      /line 2: record 1 is out of order/,
    ],
    ["the log cut short", (r) => r.slice(0, -1).join("\n"), /cut short/],
    [
      "a torn last line",
      (r) => `${r.join("\n")}\n${(r[0] as string).slice(0, 20)}`,
      /the last line is incomplete/,
    ],
  ];
  for (const [what, change, expected] of tamper)
    it(`finds ${what} and names the first bad record`, async () => {
      const { dir, log, records } = await chainedLog();
      writeFileSync(log, `${change(records)}\n`.replace(/\n\n$/, "\n"));
      if (what === "a torn last line") writeFileSync(log, change(records));
      const result = await verify(dir);
      assert.equal(result.code, 4, result.stderr);
      assert.match(result.stderr, expected);
    });

  it("an altered head file is named: it cannot be lowered to hide a cut", async () => {
    const { dir, log, records } = await chainedLog();
    writeFileSync(log, `${records.slice(0, -1).join("\n")}\n`);
    const head = readFileSync(`${log}.head`, "utf8").split("\n");
    const lowered = JSON.stringify({ ...JSON.parse(head[0] as string), seq: records.length - 1 });
    writeFileSync(`${log}.head`, `${lowered}\n${head[1]}\n`);
    const result = await verify(dir);
    assert.equal(result.code, 4);
    assert.match(
      result.stderr,
      /audit\.jsonl\.head line 1: the head file does not match its MAC \(altered\)/,
    );
  });

  it("without the key the chain cannot be rewritten: a forged record fails", async () => {
    const { dir, log, records } = await chainedLog();
    const last = JSON.parse(records.at(-1) as string);
    const forged = { ...last, seq: last.seq + 1, prev: last.mac, outcome: "ok", mac: "forged" };
    appendFileSync(log, `${JSON.stringify(forged)}\n`);
    const result = await verify(dir);
    assert.equal(result.code, 4);
    assert.match(result.stderr, new RegExp(`line ${records.length + 1}: its MAC does not match`));
  });
});

describe("audit chain after a crash", () => {
  it("a line torn by a crash does not stop later accesses; verify still names it", async () => {
    const dir = tempProject({
      "strongbox.config.yaml":
        "audit: { file: audit.jsonl }\nvariables:\n  A: { secret: true, ref: 'store://A' }\n",
    });
    await runCli(["init"], { cwd: dir });
    await runCli(["set", "A"], { cwd: dir, input: "crash-canary" });
    appendFileSync(join(dir, "audit.jsonl"), '{"v":1,"seq":');
    const run = await runCli(["run", "--", "true"], { cwd: dir });
    assert.equal(run.code, 0, run.stderr);
    const result = await runCli(["audit", "verify"], { cwd: dir });
    assert.equal(result.code, 4);
    // (init and set wrote records 1 and 2; the torn line is line 3)
    assert.match(result.stderr, /line 3: not a record \(edited or damaged\)/);
    // The records written after the crash stand on their own lines and continue the chain.
    const after = readFileSync(join(dir, "audit.jsonl"), "utf8").split("\n").filter(Boolean);
    assert.equal(after[2], '{"v":1,"seq":');
    const next = JSON.parse(after[3] as string);
    assert.equal(next.seq, JSON.parse(after[1] as string).seq + 1);
    assert.equal(next.prev, JSON.parse(after[1] as string).mac);
  });
});
