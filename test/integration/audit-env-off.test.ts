// Issue 24, item 11: the environment can never turn the audit off where the audit
// fails closed. Every way a variable could weaken the audit (off in any spelling, an
// empty value, a log that is no file, a stream that goes nowhere) is generated and
// tried against every environment that fails closed (production, pure Vault, with no
// `audit:` section; an environment the config makes fail closed) through `run`,
// `export`, `render` and the library's `loadConfig`, and against `get`, a store
// command (which always fails closed). Each access is either refused, with no value
// released, or recorded where a reader finds it.
import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import { existsSync, mkdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { after, before, describe, it } from "node:test";
import { loadConfig } from "../../src/project/load.js";
import { type Bao, startBao } from "../helpers/bao.js";
import { CLI, cleanEnv, runCli, tempProject } from "../helpers/cli.js";

const VALUE = "env-off-canary-value-7f3a";

/** The variables and values that could weaken the audit, with a label. */
function weakenings(dir: string): Array<[string, Record<string, string>]> {
  mkdirSync(join(dir, "a-directory"), { recursive: true });
  return [
    ...["off", "OFF", "Off", "none", "false", "0", "", " off"].map(
      (value): [string, Record<string, string>] => [
        `STRONGBOX_AUDIT_SINK=${JSON.stringify(value)}`,
        { STRONGBOX_AUDIT_SINK: value },
      ],
    ),
    ...["/dev/null", "/dev/stdout", "", join(dir, "a-directory")].map(
      (value): [string, Record<string, string>] => [
        `STRONGBOX_AUDIT_FILE=${JSON.stringify(value)}`,
        { STRONGBOX_AUDIT_FILE: value },
      ],
    ),
    ["STRONGBOX_AUDIT_SINK=syslog with no syslog daemon", { STRONGBOX_AUDIT_SINK: "syslog" }],
    [
      "STRONGBOX_AUDIT_SINK=off with STRONGBOX_AUDIT_FILE set",
      { STRONGBOX_AUDIT_SINK: "off", STRONGBOX_AUDIT_FILE: join(dir, "x.jsonl") },
    ],
  ];
}

/** Whether a record of reading `name` is in the default log or the file the variables name. */
function recorded(dir: string, extra: Record<string, string>, name: string): boolean {
  const logs = [join(dir, ".local/state/strongbox/audit.jsonl"), extra.STRONGBOX_AUDIT_FILE ?? ""];
  return logs.some(
    (log) =>
      log !== "" &&
      existsSync(log) &&
      readFileSync(log, "utf8")
        .split("\n")
        .some((line) => line.includes(`"${name}"`) && line.includes('"action":"read"')),
  );
}

describe("audit: the environment cannot turn it off where it fails closed (issue 24.11)", () => {
  let bao: Bao;
  before(async () => {
    bao = await startBao();
    bao.cli(["kv", "put", "-mount=secret", "app", `DB=${VALUE}`]);
  });
  after(async () => {
    await bao.stop();
  });

  /** Production (pure Vault) with no audit section; staging, made fail closed by the config. */
  const projects = () => [
    {
      environment: "production",
      config: `environments:
  production: { vault: { address: '${bao.addr}', allowInsecure: true } }
variables:
  DB: { secret: true, ref: 'vault://secret/app#DB' }
`,
    },
    {
      environment: "staging",
      config: `audit: { failClosed: [staging] }
environments:
  staging: { vault: { address: '${bao.addr}' } }
variables:
  DB: { secret: true, ref: 'vault://secret/app#DB' }
`,
    },
  ];

  const entryPoints: Array<
    [
      string,
      (
        dir: string,
        env: Record<string, string>,
        environment: string,
      ) => Promise<{ released: boolean; refused: boolean }>,
    ]
  > = [
    [
      "run",
      async (dir, env, environment) => {
        const marker = join(dir, "child-ran");
        const result = await runCli(
          [
            "run",
            "-e",
            environment,
            "--",
            process.execPath,
            "-e",
            `require("fs").writeFileSync(${JSON.stringify(marker)}, process.env.DB ?? "")`,
          ],
          { cwd: dir, env },
        );
        const released = existsSync(marker) && readFileSync(marker, "utf8") === VALUE;
        return { released, refused: result.code !== 0 && !existsSync(marker) };
      },
    ],
    [
      "export",
      async (dir, env, environment) => {
        const result = await runCli(["export", "-e", environment, "--format", "json"], {
          cwd: dir,
          env,
        });
        return { released: result.stdout.includes(VALUE), refused: result.code !== 0 };
      },
    ],
    [
      "render",
      async (dir, env, environment) => {
        const out = join(dir, `rendered-${Date.now()}.env`);
        const result = await runCli(["render", "-e", environment, "-i", "app.ctmpl", "-o", out], {
          cwd: dir,
          env,
        });
        const released = existsSync(out) && readFileSync(out, "utf8").includes(VALUE);
        return { released, refused: result.code !== 0 && !existsSync(out) };
      },
    ],
    [
      "loadConfig",
      async (dir, env, environment) => {
        try {
          const config = await loadConfig(
            { variables: { DB: { secret: true, ref: "vault://secret/app#DB" } } },
            {
              cwd: dir,
              processEnv: { ...cleanEnv(dir, env), STRONGBOX_ENV: environment },
            },
          );
          return { released: (config as Record<string, unknown>).DB === VALUE, refused: false };
        } catch (error) {
          assert.ok(!String((error as Error).message).includes(VALUE));
          return { released: false, refused: true };
        }
      },
    ],
  ];

  for (const [entry, access] of entryPoints)
    it(`${entry}: every weakening, in every fail-closed environment, is refused or recorded`, async () => {
      for (const { environment, config } of projects()) {
        for (const [label, extra] of weakenings(tempProject())) {
          const dir = tempProject({
            "strongbox.config.yaml": config,
            "app.ctmpl": '{{ with secret "secret/data/app" }}DB={{ .Data.data.DB }}{{ end }}\n',
          });
          const env = { VAULT_TOKEN: bao.rootToken, ...extra };
          const { released, refused } = await access(dir, env, environment);
          const what = `${entry} in ${environment} with ${label}`;
          if (!refused) {
            assert.ok(released, `${what}: neither refused nor released`);
            assert.ok(
              recorded(dir, extra, entry === "render" ? "secret/data/app" : "DB"),
              `${what}: released unrecorded`,
            );
          } else assert.ok(!released, `${what}: refused yet released`);
          // Off in any spelling, a log that is no file, a socket that is not there: refused.
          if (label !== 'STRONGBOX_AUDIT_SINK=""' && label !== 'STRONGBOX_AUDIT_FILE=""')
            assert.ok(refused, `${what}: not refused`);
        }
      }
    });

  it("run and export: STRONGBOX_AUDIT_SINK=stderr with stderr on /dev/null is refused in production", () => {
    const { config } = projects()[0] as { config: string };
    const dir = tempProject({ "strongbox.config.yaml": config });
    for (const args of [
      ["export", "-e", "production", "--format", "json"],
      ["run", "-e", "production", "--", "printenv", "DB"],
    ]) {
      const result = spawnSync(process.execPath, [CLI, ...args], {
        cwd: dir,
        env: cleanEnv(dir, { VAULT_TOKEN: bao.rootToken, STRONGBOX_AUDIT_SINK: "stderr" }),
        stdio: ["ignore", "pipe", "ignore"],
        encoding: "utf8",
      });
      assert.notEqual(result.status, 0, args.join(" "));
      assert.ok(!result.stdout.includes(VALUE), args.join(" "));
    }
  });

  it("get (a store command, always fail closed): every weakening is refused or recorded", async () => {
    for (const [label, extra] of weakenings(tempProject())) {
      const dir = tempProject({ "strongbox.config.yaml": "variables: {}\n" });
      assert.equal((await runCli(["init"], { cwd: dir })).code, 0);
      assert.equal((await runCli(["set", "DB"], { cwd: dir, input: VALUE })).code, 0);
      const result = await runCli(["get", "DB"], { cwd: dir, env: extra });
      const released = result.stdout.includes(VALUE);
      if (result.code === 0) assert.ok(released && recorded(dir, extra, "DB"), `get with ${label}`);
      else assert.ok(!released, `get with ${label}`);
      if (label !== 'STRONGBOX_AUDIT_SINK=""' && label !== 'STRONGBOX_AUDIT_FILE=""')
        assert.notEqual(result.code, 0, `get with ${label}: not refused`);
    }
  });

  it("where the audit fails open, STRONGBOX_AUDIT_SINK=off still silences resolution, without a warning", async () => {
    const dir = tempProject({
      "strongbox.config.yaml": `environments:
  local: { vault: { address: '${bao.addr}' } }
variables:
  DB: { secret: true, ref: 'vault://secret/app#DB' }
`,
    });
    const result = await runCli(["export", "-e", "local", "--format", "json"], {
      cwd: dir,
      env: { VAULT_TOKEN: bao.rootToken, STRONGBOX_AUDIT_SINK: "off" },
    });
    assert.equal(result.code, 0, result.stderr);
    assert.equal(JSON.parse(result.stdout).DB, VALUE);
    assert.doesNotMatch(result.stderr, /warning/);
    assert.equal(existsSync(join(dir, ".local/state/strongbox/audit.jsonl")), false);
  });
});
