import assert from "node:assert/strict";
import { execFileSync } from "node:child_process";
import { readFileSync, statSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { describe, it } from "node:test";
import { inspect } from "node:util";
import * as v from "valibot";
import { z } from "zod";
import { type AuditEvent, createJsonlSink } from "../../src/audit/event.js";
import { ResolutionError } from "../../src/errors.js";
import { loadConfig, loadConfigSync } from "../../src/project/load.js";
import { resolveConfig, resolveConfigSync } from "../../src/resolve/drive.js";
import type { ConfigSpec } from "../../src/schema/types.js";
import { tempProject } from "../helpers/cli.js";

const codes = (issues: readonly { code: string; variable?: string }[]) =>
  issues.map((item) => `${item.variable}:${item.code}`).sort();

describe("resolver", () => {
  it("applies precedence: process env, later -f file, earlier file, ref, default", async () => {
    const dir = tempProject({
      "a.env": "A=from-a\nB=from-a\nC=from-a\n",
      "b.env": "B=from-b\nC=from-b\n",
    });
    const config: ConfigSpec = {
      variables: {
        A: { default: "def" },
        B: {},
        C: {},
        D: { ref: "env://SOURCE_D", default: "def" },
        E: { default: "def" },
      },
    };
    const result = await resolveConfig(config, {
      cwd: dir,
      files: ["a.env", "b.env"],
      processEnv: { C: "from-env", SOURCE_D: "via-ref" },
    });
    assert.deepEqual(result.issues, []);
    const raw = Object.fromEntries(result.entries.map((entry) => [entry.name, entry.raw]));
    assert.deepEqual(raw, { A: "from-a", B: "from-b", C: "from-env", D: "via-ref", E: "def" });
    const c = result.entries.find((entry) => entry.name === "C")?.provenance;
    assert.equal(c?.winner?.place, "the process environment (C)");
    assert.deepEqual(
      c?.shadowed.map((s) => s.place),
      ["b.env line 2", "a.env line 3"],
    );
    const d = result.entries.find((entry) => entry.name === "D")?.provenance;
    assert.equal(d?.winner?.ref, "env://SOURCE_D");
    assert.equal(d?.winner?.kind, "env");
  });

  it("reads aliases, treats empty values as unset and follows refs written in .env files", async () => {
    const dir = tempProject({
      ".env": "DB=file://secret.txt\nEMPTY=\n",
      "secret.txt": "s3cret-from-file\n",
    });
    const config: ConfigSpec = {
      variables: {
        URL: { aliases: ["OLD_URL"] },
        DB: { secret: true },
        EMPTY: { default: "fallback" },
      },
    };
    const result = await resolveConfig(config, { cwd: dir, processEnv: { OLD_URL: "u" } });
    assert.deepEqual(result.issues, []);
    assert.deepEqual(
      result.entries.map((entry) => entry.raw),
      ["u", "s3cret-from-file", "fallback"],
    );
    assert.equal(result.entries[1]?.provenance.winner?.kind, "file");
  });

  it("fills {env} and {project} in schema refs per environment", async () => {
    const dir = tempProject({ "prod-token": "t" });
    const config: ConfigSpec = {
      project: "shop",
      variables: {
        TOKEN: {
          secret: true,
          ref: { production: "file://{env}-token", "*": "env://TOKEN_{project}" },
        },
      },
      environments: { production: { secrets: { from: ["file"] } }, "pr-*": {} },
    };
    const prod = await resolveConfig(config, {
      cwd: dir,
      environment: "production",
      processEnv: {},
    });
    assert.equal(prod.issues.length, 1);
    assert.match(prod.issues[0]?.message ?? "", /production-token does not exist/);
    const pr = await resolveConfig(config, {
      cwd: dir,
      environment: "pr-3",
      processEnv: { TOKEN_shop: "x" },
    });
    assert.deepEqual(pr.issues, []);
    assert.equal(pr.entries[0]?.provenance.winner?.ref, "env://TOKEN_shop");
  });

  it("reports every problem at once and resolves nothing partially", async () => {
    const dir = tempProject({ ".env": 'PORT=not-a-port\nAPI_KEY=store://api-key\nBROKEN="open\n' });
    const config: ConfigSpec = {
      variables: {
        PORT: { type: "port" },
        MISSING: {},
        API_KEY: { secret: true },
        BAD_REF: { ref: "vault://only-mount#K" },
        SECRET_FROM_ENV: { secret: true },
        OPTIONAL: { required: false },
        PROD_ONLY: { required: ["production", "pr-*"] },
      },
      environments: { local: { files: [".env"], secrets: { from: ["dotenv", "store"] } } },
    };
    const result = await resolveConfig(config, { cwd: dir, processEnv: { SECRET_FROM_ENV: "x" } });
    assert.equal(result.ok, false);
    assert.deepEqual(codes(result.issues), [
      "API_KEY:E_STORE_NOT_FOUND",
      "BAD_REF:E_REF",
      "MISSING:E_MISSING",
      "PORT:E_INVALID",
      "SECRET_FROM_ENV:E_FORBIDDEN_SOURCE",
      "undefined:E_DOTENV_PARSE",
    ]);
    const port = result.issues.find((item) => item.variable === "PORT");
    assert.equal(
      port?.message,
      'PORT: expected a port number (1-65535), got "not-a-port" (from .env line 1)',
    );
  });

  it("refuses a secret literal in a file git tracks, and in any *.example file", async () => {
    const dir = tempProject({
      ".env": "TOKEN=committed-secret\n",
      ".env.example": "TOKEN=example-secret\n",
    });
    execFileSync("git", ["init", "-q"], { cwd: dir });
    execFileSync("git", ["add", ".env"], { cwd: dir });
    const config: ConfigSpec = { variables: { TOKEN: { secret: true } } };
    for (const file of [".env", ".env.example"]) {
      const result = await resolveConfig(config, { cwd: dir, files: [file], processEnv: {} });
      assert.deepEqual(codes(result.issues), ["TOKEN:E_INLINE_SECRET"], file);
      assert.ok(!JSON.stringify(result.issues).includes('secret"'));
    }
    const allowed = await resolveConfig(
      { ...config, environments: { local: { allowInlineSecrets: true } } },
      { cwd: dir, files: [".env"], processEnv: {} },
    );
    assert.deepEqual(allowed.issues, []);
  });

  it("accepts a secret literal in an untracked .env in local only", async () => {
    const dir = tempProject({ ".env": "TOKEN=untracked-secret\n" });
    execFileSync("git", ["init", "-q"], { cwd: dir });
    const config: ConfigSpec = { variables: { TOKEN: { secret: true } } };
    assert.deepEqual((await resolveConfig(config, { cwd: dir, processEnv: {} })).issues, []);
    const ci = await resolveConfig(config, {
      cwd: dir,
      environment: "ci",
      files: [".env"],
      processEnv: {},
    });
    assert.deepEqual(codes(ci.issues), ["TOKEN:E_FORBIDDEN_SOURCE"]);
  });

  it("trusts values resolved by a parent only when trustParent vouches for the marker", async () => {
    const config: ConfigSpec = { variables: { TOKEN: { secret: true } } };
    const env = { TOKEN: "t", STRONGBOX_RESOLVED: "production" };
    const trustParent = (marker: string | undefined, environment: string) => marker === environment;
    const trusted = await resolveConfig(config, {
      environment: "production",
      processEnv: env,
      trustParent,
    });
    assert.deepEqual(trusted.issues, []);
    const other = await resolveConfig(config, {
      environment: "staging",
      processEnv: env,
      trustParent,
    });
    assert.deepEqual(codes(other.issues), ["TOKEN:E_FORBIDDEN_SOURCE"]);
    const flagOnly = await resolveConfig(config, { environment: "production", processEnv: env });
    assert.deepEqual(codes(flagOnly.issues), ["TOKEN:E_FORBIDDEN_SOURCE"]);
  });

  it("emits one value-free audit event per secret read", async () => {
    const events: AuditEvent[] = [];
    const config: ConfigSpec = {
      variables: {
        PLAIN: { default: "p" },
        TOKEN: { secret: true, ref: "env://T" },
        GONE: { secret: true },
      },
    };
    await resolveConfig(config, {
      processEnv: { T: "audited-canary" },
      audit: { write: (batch) => events.push(...batch) },
      now: () => new Date("2026-01-02T03:04:05Z"),
    });
    assert.deepEqual(
      events.map(({ pid: _pid, ...event }) => event),
      [
        {
          time: "2026-01-02T03:04:05.000Z",
          action: "read",
          environment: "local",
          variable: "TOKEN",
          source: "env",
          ref: "env://T",
          outcome: "ok",
        },
        {
          time: "2026-01-02T03:04:05.000Z",
          action: "read",
          environment: "local",
          variable: "GONE",
          source: "none",
          outcome: "missing",
          code: "E_MISSING",
        },
      ],
    );
    assert.ok(!JSON.stringify(events).includes("audited-canary"));
  });

  it("writes audit events as JSON lines (0600), and and an unwritable sink refuses secrets where the audit fails closed, warns elsewhere", async () => {
    const dir = tempProject({ "blocked/.keep": "" });
    const config: ConfigSpec = { variables: { TOKEN: { secret: true } } };
    const path = join(dir, "logs/audit.jsonl");
    await resolveConfig(config, {
      processEnv: { TOKEN: "jsonl-canary" },
      audit: createJsonlSink(path),
    });
    await resolveConfig(config, {
      processEnv: { TOKEN: "jsonl-canary" },
      audit: createJsonlSink(path),
    });
    const lines = readFileSync(path, "utf8").trim().split("\n");
    assert.equal(lines.length, 2);
    assert.equal(JSON.parse(lines[0] ?? "").variable, "TOKEN");
    assert.equal(statSync(path).mode & 0o777, 0o600);
    assert.ok(!lines.join("").includes("jsonl-canary"));
    // A path under a regular file fails for everyone, root included.
    writeFileSync(join(dir, "file"), "");
    const unwritable = createJsonlSink(join(dir, "file/audit.jsonl"));
    const open = await resolveConfig(config, {
      processEnv: { TOKEN: "x-canary" },
      audit: unwritable,
    });
    assert.equal(open.ok, true);
    assert.match(open.warnings?.join("\n") ?? "", /cannot write the audit log .* went unrecorded/);
    const closed = await resolveConfig(
      { ...config, audit: { failClosed: ["local"] } },
      { processEnv: { TOKEN: "x-canary" }, audit: unwritable },
    );
    assert.equal(closed.ok, false);
    assert.deepEqual(
      closed.issues.map((issue) => issue.code),
      ["E_AUDIT"],
    );
    assert.ok(!JSON.stringify(closed.issues).includes("x-canary"));
  });

  it("validates with zod and valibot, and scrubs secrets from validator messages", async () => {
    const echo = {
      "~standard": {
        version: 1 as const,
        vendor: "echo",
        validate: (value: unknown) => ({ issues: [{ message: `bad input: ${String(value)}` }] }),
      },
    };
    const config: ConfigSpec = {
      variables: {
        EMAIL: { schema: z.string().email() },
        COUNT: { schema: v.pipe(v.string(), v.transform(Number), v.number()) },
        LEAKY: { secret: true, schema: echo },
      },
    };
    const result = await resolveConfig(config, {
      processEnv: { EMAIL: "nope", COUNT: "7", LEAKY: "validator-canary" },
    });
    assert.deepEqual(codes(result.issues), ["EMAIL:E_INVALID", "LEAKY:E_INVALID"]);
    assert.equal(result.entries[1]?.value, 7);
    assert.ok(!JSON.stringify(result.issues).includes("validator-canary"));
    assert.match(result.issues[1]?.message ?? "", /bad input: \[redacted\]/);
  });

  it("loadConfig returns a frozen, typed object whose printed form masks secrets", async () => {
    const config = {
      variables: {
        PORT: { type: "port", default: 3000 },
        TOKEN: { secret: true },
        TAGS: { type: "list", default: ["a"] },
      },
    } as const;
    const loaded = await loadConfig(config, {
      processEnv: { TOKEN: "print-canary" },
      cwd: tempProject(),
    });
    assert.equal(loaded.PORT, 3000);
    assert.equal(loaded.TOKEN, "print-canary");
    assert.ok(Object.isFrozen(loaded) && Object.isFrozen(loaded.TAGS));
    assert.ok(!inspect(loaded).includes("print-canary"));
    assert.ok(!JSON.stringify(loaded).includes("print-canary"));
    assert.throws(() => {
      (loaded as { PORT: number }).PORT = 1;
    });
  });

  it("loadConfig throws one ResolutionError listing every problem", async () => {
    await assert.rejects(
      loadConfig(
        { variables: { A: {}, B: { type: "int" } } },
        { processEnv: { B: "x" }, cwd: tempProject() },
      ),
      (error: unknown) =>
        error instanceof ResolutionError &&
        error.issues.length === 2 &&
        error.code === "E_RESOLUTION",
    );
  });

  it("the sync resolver reads env, files and file:// refs, and names loadConfig for the rest", () => {
    const dir = tempProject({ s: "from-file" });
    const config: ConfigSpec = {
      variables: {
        A: { ref: "file://s" },
        B: { ref: "store://b", required: false },
        C: { ref: "store://c" },
      },
    };
    const result = resolveConfigSync(config, { cwd: dir, processEnv: {} });
    assert.equal(result.entries[0]?.raw, "from-file");
    assert.deepEqual(codes(result.issues), [
      "B:E_PROVIDER_UNAVAILABLE",
      "C:E_PROVIDER_UNAVAILABLE",
    ]);
    assert.match(result.issues[0]?.hint ?? "", /await loadConfig\(\)/);
    assert.equal(
      loadConfigSync(
        { variables: { X: { type: "int" } } },
        { processEnv: { X: "5" }, cwd: join(dir) },
      ).X,
      5,
    );
  });
});
