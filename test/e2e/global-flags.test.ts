// Issue 27 items 5, 6 (--quiet, --debug) and 9 against the real CLI: global
// flags before the command name, STRONGBOX_CONFIG, `strongbox version`,
// --quiet's rule (data unchanged, only warnings and errors on stderr), and
// the next steps after init and import.
import assert from "node:assert/strict";
import { cpSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { describe, it } from "node:test";
import { startBao } from "../helpers/bao.js";
import { runCli, tempProject } from "../helpers/cli.js";

const CONFIG = `environments:
  local: {}
  staging: {}
  production: {}
variables:
  PORT: { type: port, default: 3000 }
`;

/** Every spelling of `--env NAME` a user may type. */
const envSpellings = (name: string) => [
  ["--env", name],
  [`--env=${name}`],
  ["-e", name],
  [`-e${name}`],
];

describe("global flags in any position", () => {
  it("--env before `run` selects the environment, in every spelling, as after it", async () => {
    const dir = tempProject({ "strongbox.config.yaml": CONFIG });
    for (const flag of envSpellings("staging"))
      for (const argv of [
        [...flag, "run", "--", "printenv", "STRONGBOX_ENV"],
        ["run", ...flag, "--", "printenv", "STRONGBOX_ENV"],
        [...flag, "run", "printenv", "STRONGBOX_ENV"],
      ]) {
        const out = await runCli(argv, { cwd: dir });
        assert.equal(out.code, 0, `${argv.join(" ")}: ${out.stderr}`);
        assert.equal(out.stdout, "staging\n", argv.join(" "));
      }
  });

  it("run's program keeps every argument after its name, global-looking or not", async () => {
    const dir = tempProject({ "strongbox.config.yaml": CONFIG });
    const tail = ["--env", "production", "-q", "--debug", "--json", "-c", "x"];
    const out = await runCli(
      ["-e", "staging", "-q", "run", "sh", "-c", PRINT_ARGS, "sh", ...tail],
      {
        cwd: dir,
      },
    );
    assert.equal(out.code, 0, out.stderr);
    assert.deepEqual(out.stdout.split("\n").slice(0, -1), tail);
  });

  it("given on both sides, the flag after the command name wins", async () => {
    const dir = tempProject({ "strongbox.config.yaml": CONFIG });
    const out = await runCli(["--env", "production", "check", "--env", "staging", "--json"], {
      cwd: dir,
    });
    assert.equal(out.code, 0, out.stderr);
    assert.equal(JSON.parse(out.stdout).environment, "staging");
  });

  it("--json and -c before the command name", async () => {
    const dir = tempProject({ "sub/other.yaml": CONFIG });
    const out = await runCli(["--json", "-c", "sub/other.yaml", "check"], { cwd: dir });
    assert.equal(out.code, 0, out.stderr);
    assert.equal(JSON.parse(out.stdout).variables, 1);
  });

  it("the issue's example is no longer a misleading did-you-mean", async () => {
    const dir = tempProject({ "strongbox.config.yaml": CONFIG });
    const out = await runCli(["--env", "production", "keygen"], { cwd: dir });
    assert.equal(out.code, 2);
    assert.match(out.stderr, /keygen does not take --env \(given before the command name\)/);
    assert.doesNotMatch(out.stderr, /did you mean `env`/);
  });
});

/** A shell script that prints each of its arguments on a line. */
const PRINT_ARGS = 'printf "%s\\n" "$@"';

describe("STRONGBOX_CONFIG names the config file", () => {
  const two = () =>
    tempProject({
      "a/one.yaml": "variables:\n  A: { default: a }\n",
      "b/two.yaml": "variables:\n  A: { default: a }\n  B: { default: b }\n",
      "strongbox.config.yaml": CONFIG,
    });

  it("is used like --config, and --config wins over it", async () => {
    const dir = two();
    const env = { STRONGBOX_CONFIG: "b/two.yaml" };
    const byVariable = await runCli(["check", "--json"], { cwd: dir, env });
    assert.equal(byVariable.code, 0, byVariable.stderr);
    assert.equal(JSON.parse(byVariable.stdout).variables, 2);
    for (const argv of [
      ["check", "--json", "-c", "a/one.yaml"],
      ["-c", "a/one.yaml", "check", "--json"],
    ]) {
      const out = await runCli(argv, { cwd: dir, env });
      assert.equal(JSON.parse(out.stdout).variables, 1, argv.join(" "));
    }
  });

  it("a file it names that does not exist is E_CONFIG naming the variable", async () => {
    const dir = two();
    for (const command of [["check"], ["list"], ["run", "--", "true"]]) {
      const out = await runCli(command, { cwd: dir, env: { STRONGBOX_CONFIG: "gone.yaml" } });
      assert.equal(out.code, 3, `${command.join(" ")}: ${out.stderr}`);
      assert.match(out.stderr, /STRONGBOX_CONFIG names .*gone\.yaml, which does not exist/);
      assert.match(out.stderr, /\(E_CONFIG\)/);
    }
  });
});

describe("strongbox version", () => {
  it("prints the version, Node, the platform and the kind of install; --json in any position", async () => {
    const dir = tempProject();
    const text = await runCli(["version"], { cwd: dir });
    assert.equal(text.code, 0);
    assert.match(
      text.stdout,
      new RegExp(
        `^strongbox \\d+\\.\\d+\\.\\d+\\S* \\((npm package; node ${process.versions.node}|single executable; (node|bun) \\d+\\.\\d+\\.\\d+); ${process.platform}-${process.arch}\\)\\n$`,
      ),
    );
    const short = await runCli(["--version"], { cwd: dir });
    for (const argv of [
      ["version", "--json"],
      ["--json", "version"],
    ]) {
      const json = JSON.parse((await runCli(argv, { cwd: dir })).stdout);
      assert.equal(json.ok, true);
      assert.equal(`${json.version}\n`, short.stdout);
      // The npm package runs on the Node.js running the tests; the executable on its own runtime.
      if (json.binary === "npm")
        assert.deepEqual([json.runtime, json.runtimeVersion], ["node", process.versions.node]);
      else assert.match(`${json.runtime} ${json.runtimeVersion}`, /^(node|bun) \d+\.\d+\.\d+$/);
      assert.equal(json.platform, process.platform);
      assert.ok(json.binary === "npm" || json.binary === "binary", json.binary);
    }
  });
});

/** A project with a store, a secret, a .env holding an undeclared key (a warning on every resolve). */
async function storeProject(): Promise<string> {
  const dir = tempProject({
    "strongbox.config.yaml": `${CONFIG}  TOKEN: { secret: true, ref: store://TOKEN }\n`,
    ".env": "EXTRA=1\n",
    "plain.env": "API_KEY=abcdefghijklmnop1234\nNAME=x\n",
  });
  assert.equal((await runCli(["init"], { cwd: dir })).code, 0);
  const set = await runCli(["set", "TOKEN"], { cwd: dir, input: "tok-value-123456\n" });
  assert.equal(set.code, 0, set.stderr);
  return dir;
}

describe("--quiet: data unchanged, only warnings and errors on stderr", () => {
  // Commands that print notices (init, import, set, run's start line, check's ok line) and
  // ones that print data; mutating ones run in a fresh copy each time.
  const ARGVS = [
    ["check"],
    ["run", "--", "printenv", "PORT"],
    ["export", "--format", "dotenv"],
    ["list"],
    ["explain"],
    ["history", "TOKEN"],
    ["generate", "example", "--stdout"],
    ["import", "plain.env", "--rewrite"],
    ["set", "OTHER"],
    ["init", "--store", "second"],
    ["rotate-key"],
  ];
  it("each command: stdout byte-identical; stderr holds warnings only", async () => {
    const base = await storeProject();
    const noticed: string[] = [];
    for (const argv of ARGVS) {
      const outputs: Array<{ stdout: string; stderr: string }> = [];
      for (const flags of [[], ["--quiet"], ["-q"]]) {
        for (const before of flags.length === 0 ? [true] : [true, false]) {
          const dir = tempProject();
          cpSync(base, dir, { recursive: true });
          const [name, ...rest] = argv as [string, ...string[]];
          const full = before ? [...flags, name, ...rest] : [name, ...flags, ...rest];
          const out = await runCli(full, { cwd: dir, input: "value-of-other-1234\n" });
          assert.equal(out.code, 0, `${full.join(" ")}: ${out.stderr}`);
          outputs.push(out);
          if (flags.length === 0) continue;
          const lines = out.stderr.split("\n").filter((line) => line !== "");
          for (const line of lines)
            assert.match(line, /^strongbox: warning: /, `${full.join(" ")}: ${out.stderr}`);
        }
      }
      const plain = outputs[0] as { stdout: string; stderr: string };
      if (/^strongbox: (?!warning:)/m.test(plain.stderr)) noticed.push(argv[0] as string);
      for (const out of outputs.slice(1)) assert.equal(out.stdout, plain.stdout, argv.join(" "));
    }
    // The rule was exercised: these print notices without --quiet.
    for (const name of ["check", "run", "import", "set", "init", "rotate-key"])
      assert.ok(noticed.includes(name), `${name} printed no notice: ${noticed.join(", ")}`);
  });

  it("errors and warnings stay under --quiet", async () => {
    const dir = await storeProject();
    const error = await runCli(["-q", "check", "-e", "nope"], { cwd: dir });
    assert.equal(error.code, 3);
    assert.match(error.stderr, /strongbox: error: environment "nope" is not declared/);
    assert.match(error.stderr, /strongbox: hint: /);
    const warned = await runCli(["check", "-q"], { cwd: dir });
    assert.match(warned.stderr, /strongbox: warning: EXTRA \(\.env line 1\) is not in the schema/);
  });

  it("a command's findings are its result: lint's and doctor's stay under --quiet", async () => {
    const dir = tempProject({
      "strongbox.config.yaml": "variables:\n  NEXT_PUBLIC_API_SECRET: { secret: true }\n",
    });
    const plain = await runCli(["lint"], { cwd: dir });
    assert.equal(plain.code, 4, plain.stderr);
    const quiet = await runCli(["-q", "lint"], { cwd: dir });
    assert.equal(quiet.code, 4);
    assert.equal(quiet.stderr, plain.stderr);
    assert.match(quiet.stderr, /✗ .*\(public-name-secret\)/);
    const doctor = await runCli(["doctor", "--quiet"], { cwd: tempProject() });
    assert.match(doctor.stderr, /config/);
    assert.doesNotMatch(doctor.stderr, /^✓/m);
  });

  it("--debug adds the code, cause chain and timing to an error", async () => {
    const dir = await storeProject();
    const out = await runCli(["--debug", "check", "-e", "nope"], { cwd: dir });
    assert.equal(out.code, 3);
    assert.match(out.stderr, /strongbox: debug: E_UNKNOWN_ENV, exit status 3/);
    assert.match(out.stderr, /strongbox: debug: cause chain: StrongboxError\(E_UNKNOWN_ENV\)/);
    assert.match(out.stderr, /strongbox: debug: check took \d+ ms/);
    assert.doesNotMatch(out.stderr, /tok-value-123456/);
  });
});

describe("next steps after init, init --from and import (item 9)", () => {
  const nextSteps = (stderr: string) => /strongbox: next:\n((?: {2}\S.*\n)+)/.exec(stderr)?.[1];

  it("init --from .env: import, check, run; not with --quiet or --json", async () => {
    const files = { ".env": "PORT=3000\nAPI_TOKEN=abcdefghijklmnop1234\n" };
    const dir = tempProject(files);
    const out = await runCli(["init", "--from", ".env", "--yes"], { cwd: dir });
    assert.equal(out.code, 0, out.stderr);
    const steps = nextSteps(out.stderr) ?? "";
    assert.match(steps, /^ {2}strongbox import \.env --rewrite +move/m);
    assert.match(steps, /^ {2}strongbox check +/m);
    assert.match(steps, /^ {2}strongbox run -- COMMAND +/m);
    // The steps work: import as suggested, then check.
    const imported = await runCli(["import", ".env", "--rewrite"], { cwd: dir });
    assert.equal(imported.code, 0, imported.stderr);
    assert.match(nextSteps(imported.stderr) ?? "", /^ {2}strongbox check /m);
    assert.equal((await runCli(["check"], { cwd: dir })).code, 0);
    for (const flag of ["--quiet", "--json"]) {
      const again = tempProject(files);
      const quiet = await runCli(["init", "--from", ".env", "--yes", flag], { cwd: again });
      assert.equal(quiet.code, 0, quiet.stderr);
      assert.doesNotMatch(quiet.stderr + quiet.stdout, /next:/, flag);
    }
  });

  it("plain init without a config points at init --from; import without one too", async () => {
    const dir = tempProject({ ".env": "API_TOKEN=abcdefghijklmnop1234\n" });
    const out = await runCli(["init"], { cwd: dir });
    assert.match(nextSteps(out.stderr) ?? "", /strongbox init --from \.env /);
    assert.match(nextSteps(out.stderr) ?? "", /strongbox set NAME /);
    const imported = await runCli(["import", ".env"], { cwd: dir });
    const steps = nextSteps(imported.stderr) ?? "";
    assert.match(steps, /strongbox import \.env --rewrite /);
    assert.match(steps, /strongbox init --from \.env /);
    for (const flag of ["-q", "--json"]) {
      const q = await runCli(["import", ".env", flag], { cwd: dir });
      assert.doesNotMatch(q.stderr + q.stdout, /next:/, flag);
    }
  });

  it("init --env NAME carries the environment into each step", async () => {
    const dir = tempProject({ "strongbox.config.yaml": CONFIG });
    writeFileSync(join(dir, ".env"), "A=1\n");
    await runCli(["init"], { cwd: dir });
    const out = await runCli(["init", "--env", "staging", "--recipient", "passphrase"], {
      cwd: dir,
      env: { STRONGBOX_NEW_PASSPHRASE: "a long passphrase" },
    });
    assert.equal(out.code, 0, out.stderr);
    const steps = nextSteps(out.stderr) ?? "";
    assert.match(steps, /strongbox set NAME --env staging /);
    assert.match(steps, /strongbox run --env staging -- COMMAND /);
  });
});

describe("environment aliases reach the environment's own store", () => {
  it("set with -e prod writes production's store, never the root's", async () => {
    const dir = tempProject({ "strongbox.config.yaml": CONFIG });
    assert.equal((await runCli(["init"], { cwd: dir })).code, 0);
    const init = await runCli(["init", "--env", "production"], { cwd: dir });
    assert.equal(init.code, 0, init.stderr);
    const namings: Array<[string[], Record<string, string>]> = [
      [["-e", "prod"], {}],
      [["--env=prd"], {}],
      [[], { STRONGBOX_ENV: "prod" }],
    ];
    for (const [index, [flags, env]] of namings.entries()) {
      const name = `TOKEN_${index}`;
      const set = await runCli([...flags, "set", name], { cwd: dir, env, input: "v-123456789\n" });
      assert.equal(set.code, 0, set.stderr);
      const own = await runCli(["get", name, "--env", "production"], { cwd: dir });
      assert.equal(own.code, 0, `${flags.join(" ")} ${JSON.stringify(env)}: ${own.stderr}`);
      assert.equal(own.stdout, "v-123456789");
      const root = await runCli(["get", name], { cwd: dir });
      assert.notEqual(root.code, 0, "the root store must not hold it");
    }
  });

  it("check and run take the alias from --env, STRONGBOX_ENV and before the command name", async () => {
    const dir = tempProject({ "strongbox.config.yaml": CONFIG });
    for (const [argv, env] of [
      [["--env", "stg", "run", "--", "printenv", "STRONGBOX_ENV"], {}],
      [["run", "-e", "stg", "--", "printenv", "STRONGBOX_ENV"], {}],
      [["run", "--", "printenv", "STRONGBOX_ENV"], { STRONGBOX_ENV: "stg" }],
    ] as Array<[string[], Record<string, string>]>) {
      const out = await runCli(argv, { cwd: dir, env });
      assert.equal(out.code, 0, out.stderr);
      assert.equal(out.stdout, "staging\n", argv.join(" "));
    }
  });
});

describe("environment aliases name Vault's paths and policies as the full name does", () => {
  it("vault setup and vault doctor with --env prod work on production", async () => {
    const bao = await startBao();
    try {
      const dir = tempProject({
        "strongbox.config.yaml": `project: shop
vault: { allowInsecure: true }
environments:
  local: {}
  production: {}
variables:
  DB: { secret: true, ref: { production: "vault://secret/{project}/{env}/app#DB" } }
`,
      });
      const env = { VAULT_ADDR: bao.addr, VAULT_TOKEN: bao.rootToken };
      const policy = async (name: string) => {
        const out = await runCli(["vault", "setup", "--env", name, "--print-policy"], {
          cwd: dir,
          env,
        });
        assert.equal(out.code, 0, out.stderr);
        return out.stdout;
      };
      const full = await policy("production");
      assert.match(full, /secret\/data\/shop\/production\/app/);
      for (const alias of ["prod", "prd"]) assert.equal(await policy(alias), full, alias);
      const doctor = await runCli(["vault", "doctor", "-e", "prod", "--json"], { cwd: dir, env });
      const report = JSON.parse(doctor.stdout);
      assert.deepEqual(
        report.environments.map((e: { environment: string }) => e.environment),
        ["production"],
        doctor.stdout,
      );
    } finally {
      await bao.stop();
    }
  });
});

describe("environment aliases in the audit filter", () => {
  it("audit --env stg finds staging's records, as --env staging does", async () => {
    const dir = tempProject({
      "strongbox.config.yaml": `environments:
  local: {}
  staging: { secrets: { from: [store] } }
variables:
  TOKEN: { secret: true, ref: store://TOKEN }
`,
    });
    assert.equal((await runCli(["init"], { cwd: dir })).code, 0);
    const set = await runCli(["set", "TOKEN"], { cwd: dir, input: "tok-1234567890\n" });
    assert.equal(set.code, 0, set.stderr);
    const read = await runCli(["-e", "staging", "run", "--", "true"], { cwd: dir });
    assert.equal(read.code, 0, read.stderr);
    const events = async (name: string) => {
      const out = await runCli(["audit", "--env", name, "--format", "json"], { cwd: dir });
      assert.equal(out.code, 0, out.stderr);
      return JSON.parse(out.stdout).events as unknown[];
    };
    const full = await events("staging");
    assert.ok(full.length > 0, "staging's read is recorded");
    assert.deepEqual(await events("stg"), full);
    assert.deepEqual(await events("stage"), full);
  });
});
