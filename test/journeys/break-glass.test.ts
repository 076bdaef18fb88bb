// Journey: production on Vault during an outage. Pure Vault mode refuses to
// start without Vault; the operator breaks the glass with a reason, the
// emergency .env stands in for this one invocation, and the audit log shows
// who, why and which names before any value was released.
import assert from "node:assert/strict";
import { createHash } from "node:crypto";
import { copyFileSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { after, before, describe, it } from "node:test";
import { type Bao, readOnlyToken, startBao } from "../helpers/bao.js";
import { runCli } from "../helpers/cli.js";
import { Journey } from "../helpers/journey.js";

const VAULT_SESSION = "glass-vault-session-canary-8c1d";
const VAULT_DB = "postgres://shop:glass-vault-db-canary-2e4f@db/shop";
const EMERGENCY_SESSION = "glass-emergency-session-canary-5a7b";
const EMERGENCY_DB = "postgres://shop:glass-emergency-db-canary-9d3e@db/shop";

const config = (production: string, extra = "") =>
  [
    "project: shop",
    "environments:",
    "  local: {}",
    "  production:",
    "    files: [.env.emergency]",
    "    secrets: { from: [vault] }",
    ...(production === "" ? [] : [`    ${production}`]),
    "variables:",
    "  PORT: { type: port, default: 8080 }",
    "  SESSION_SECRET: { secret: true, ref: { production: 'vault://secret/shop/app#SESSION_SECRET' } }",
    "  DATABASE_URL: { secret: true, ref: { production: 'vault://secret/shop/app#DATABASE_URL' } }",
    extra,
  ].join("\n");

/** The app: digests of what it got, and whether a break-glass marker reached it. */
const APP = [
  'const d = (v) => v ? require("node:crypto").createHash("sha256").update(v).digest("hex").slice(0, 12) : "unset";',
  'const glass = Object.keys(process.env).filter((k) => /GLASS/i.test(k) || /INC-1234/.test(process.env[k] ?? ""));',
  'console.log(`session=${d(process.env.SESSION_SECRET)} db=${d(process.env.DATABASE_URL)} glass=[${glass.join(",")}]`);',
].join("\n");
const digest = (value: string) => createHash("sha256").update(value).digest("hex").slice(0, 12);
const EMERGENCY = `SESSION_SECRET=${EMERGENCY_SESSION}\nDATABASE_URL=${EMERGENCY_DB}\n`;

interface Line {
  action?: string;
  reason?: string;
  environment?: string;
  variables?: string[];
  actor?: { user?: string };
  pid?: number;
}

describe("journey: break-glass in pure Vault mode (TLS OpenBao up, then down)", () => {
  let bao: Bao;
  before(async () => {
    bao = await startBao({ tls: true });
  });
  after(async () => bao.stop());

  it("refused without Vault → --break-glass REASON → audited → verified; forbidden and unrecordable refuse", async () => {
    bao.cli([
      "kv",
      "put",
      "-mount=secret",
      "shop/app",
      `SESSION_SECRET=${VAULT_SESSION}`,
      `DATABASE_URL=${VAULT_DB}`,
    ]);
    const token = readOnlyToken(bao);
    const j = new Journey("break-glass", {
      files: { "strongbox.config.yaml": config(""), "app.js": APP },
      env: { VAULT_ADDR: bao.addr, VAULT_CACERT: "vault-ca.pem", VAULT_TOKEN: token },
    }).canary(VAULT_SESSION, VAULT_DB, EMERGENCY_SESSION, EMERGENCY_DB, token, bao.rootToken);
    // The dev server deletes its CA when it stops; a real outage keeps the deployment's copy.
    copyFileSync(bao.caCert as string, join(j.dir, "vault-ca.pem"));
    const run = (...glass: string[]) => [
      "run",
      "--env",
      "production",
      ...glass,
      "--",
      process.execPath,
      "app.js",
    ];
    const fromVault = new RegExp(
      `session=${digest(VAULT_SESSION)} db=${digest(VAULT_DB)} glass=\\[\\]`,
    );
    const fromEmergency = new RegExp(
      `session=${digest(EMERGENCY_SESSION)} db=${digest(EMERGENCY_DB)} glass=\\[\\]`,
    );

    await j.step(run(), { stdout: [fromVault] });
    j.write({ ".env.emergency": EMERGENCY }, "an operator prepares the emergency file");
    await j.step(run(), {
      code: 4,
      stderr: [/E_FORBIDDEN_SOURCE/, /pure Vault mode/],
      not: [/session=/],
    });
    j.note("with Vault up, a broken glass still takes every value Vault answers");
    await j.step(run("--break-glass", "INC-1233 drill"), {
      stdout: [fromVault],
      stderr: [/BREAK-GLASS in environment "production": every secret still came from Vault/],
    });

    await bao.stop();
    j.note("Vault goes down (the server is stopped)");
    await j.step(run(), { code: 4, stderr: [/E_FORBIDDEN_SOURCE/], not: [/session=/] });
    await j.step(run("--break-glass", ""), {
      code: 2,
      stderr: [/E_USAGE/, /reason/],
      not: [/session=/],
    });
    await j.step(run("--break-glass", "   "), { code: 2, stderr: [/E_USAGE/], not: [/session=/] });
    await j.step(["run", "--env", "production", "--break-glass"], { code: 2, stderr: [/E_USAGE/] });
    j.note("no variable breaks the glass: only the flag does");
    for (const name of ["STRONGBOX_BREAK_GLASS", "STRONGBOX_BREAKGLASS", "BREAK_GLASS"])
      await j.step(run(), {
        code: 4,
        env: { [name]: "INC-1234 vault down" },
        stderr: [/E_FORBIDDEN_SOURCE/],
        not: [/session=/, /BREAK-GLASS/],
      });

    await j.step(run("--break-glass", "INC-1234 vault down"), {
      stdout: [fromEmergency],
      stderr: [
        /BREAK-GLASS in environment "production": 2 secrets did not come from Vault: SESSION_SECRET, DATABASE_URL; recorded in the audit log/,
        /SESSION_SECRET: Vault could not be reached \(E_VAULT_UNREACHABLE\); using \.env\.emergency line 1 instead, as --break-glass allows/,
      ],
      not: [/INC-1234 vault down/],
    });
    const checked = await j.step(
      ["check", "--env", "production", "--json", "--break-glass", "INC-1234 vault down"],
      { stderr: [/BREAK-GLASS/] },
    );
    assert.deepEqual(JSON.parse(checked.stdout).breakGlass, {
      reason: "INC-1234 vault down",
      variables: ["SESSION_SECRET", "DATABASE_URL"],
    });

    const log = join(j.dir, ".local", "state", "strongbox", "audit.jsonl");
    const lines = readFileSync(log, "utf8")
      .trim()
      .split("\n")
      .map((l) => JSON.parse(l) as Line);
    const glass = lines.filter((l) => l.action === "break-glass");
    assert.equal(glass.length, 3, "the drill, the run and the check, nothing for refused attempts");
    const incident = glass[1] as Line;
    assert.equal(incident.reason, "INC-1234 vault down");
    assert.equal(incident.environment, "production");
    assert.deepEqual(incident.variables, ["SESSION_SECRET", "DATABASE_URL"]);
    assert.ok(incident.actor?.user, "the record names the operator");
    const index = lines.indexOf(incident);
    const reads = lines.filter(
      (l, i) => l.pid === incident.pid && l.action === "read" && i < index,
    );
    assert.equal(reads.length, 0, "the break-glass is recorded before the reads it allowed");
    for (const value of [EMERGENCY_SESSION, EMERGENCY_DB, VAULT_SESSION])
      assert.ok(!readFileSync(log, "utf8").includes(value), "no value in the audit log");
    await j.step(["audit", "verify"], { stderr: [/ok: \d+ records .*chain intact/] });
    await j.step(["audit", "--action", "break-glass", "--format", "json"], {
      stdout: [
        /"reason": "INC-1234 vault down"/,
        /"variables": \[\s*"SESSION_SECRET",\s*"DATABASE_URL"\s*\]/,
      ],
    });
    j.note("outside pure mode a break-glass changes nothing, and says so");
    await j.step(["check", "--env", "local", "--break-glass", "drill"], {
      code: 4,
      stderr: [/--break-glass has no effect in environment "local"/],
      not: [/BREAK-GLASS/],
    });

    j.note("the audit log cannot be written (its directory is a file): nothing is released");
    await j.step(run("--break-glass", "INC-1234 vault down"), {
      code: 4,
      env: { STRONGBOX_AUDIT_FILE: join(j.dir, "app.js", "audit.jsonl") },
      stderr: [/E_BREAK_GLASS|E_AUDIT/],
      not: [/session=/],
    });
    j.write({ "strongbox.config.yaml": config("", "audit: { failClosed: false }\n") });
    j.note("even where lost read records only warn, a lost break-glass record refuses");
    await j.step(run("--break-glass", "INC-1234 vault down"), {
      code: 4,
      env: { STRONGBOX_AUDIT_FILE: join(j.dir, "app.js", "audit.jsonl") },
      stderr: [/E_BREAK_GLASS/, /releases nothing/],
      not: [/session=/],
    });
    await j.step(run("--break-glass", "INC-1234 vault down"), {
      code: 4,
      env: { STRONGBOX_AUDIT_SINK: "off" },
      stderr: [/E_BREAK_GLASS/, /needs an audit log/],
      not: [/session=/],
    });

    j.write({ "strongbox.config.yaml": config("breakGlass: false") }, "the config forbids it");
    await j.step(run("--break-glass", "INC-1234 vault down"), {
      code: 4,
      stderr: [/E_BREAK_GLASS/, /forbids --break-glass/],
      not: [/session=/],
    });
    assert.equal(
      readFileSync(log, "utf8")
        .trim()
        .split("\n")
        .filter((l) => l.includes('"break-glass"')).length,
      3,
      "refused break-glasses release nothing and record no break-glass",
    );

    j.note("export releases values too; its break-glass is the same");
    j.write({ "strongbox.config.yaml": config("") });
    const exported = await runCli(
      ["export", "--env", "production", "--only-secrets", "--break-glass", "INC-1234 vault down"],
      {
        cwd: j.dir,
        env: { VAULT_ADDR: bao.addr, VAULT_CACERT: "vault-ca.pem", VAULT_TOKEN: token },
      },
    );
    assert.equal(exported.code, 0, exported.stderr);
    assert.match(exported.stdout, new RegExp(EMERGENCY_SESSION));
    assert.match(exported.stderr, /BREAK-GLASS/);
  });
});
