// Issue 9, items 1-3, 7, 9 and 23: each test performs the attack and shows it fails.
import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { describe, it } from "node:test";
import { CREDENTIAL_VARIABLES } from "../../src/security/credentials.js";
import { CLI, cleanEnv, ROOT, runCli, tempProject } from "../helpers/cli.js";

const node = (code: string) => ["--", process.execPath, "-e", code];
/** Every credential variable set to a canary the child must never see. */
// Each credential, plain and under an environment's credentialPrefix (PRODUCTION_VAULT_TOKEN).
const CREDENTIALS = Object.fromEntries(
  CREDENTIAL_VARIABLES.flatMap((name) => [
    [name, `canary-${name.toLowerCase()}`],
    [`PRODUCTION_${name}`, `canary-production-${name.toLowerCase()}`],
  ]),
);
const seenCredentials = `console.log(JSON.stringify(Object.keys(process.env).filter((k) => /(^|_)(VAULT|BAO|STRONGBOX)_/.test(k) && !['STRONGBOX_ENV','STRONGBOX_RESOLVED','STRONGBOX_CACHE_DIR'].includes(k))))`;

describe("credentials stay with Strongbox (issue 9.1-9.3)", () => {
  it("run hands the child none of the credential variables, AppRole and userpass included", async () => {
    const dir = tempProject({ "strongbox.config.yaml": "variables:\n  PORT: { default: 1 }\n" });
    const result = await runCli(["run", ...node(seenCredentials)], { cwd: dir, env: CREDENTIALS });
    assert.equal(result.code, 0, result.stderr);
    assert.deepEqual(JSON.parse(result.stdout), []);
    for (const name of ["VAULT_ROLE_ID", "VAULT_SECRET_ID", "VAULT_PASSWORD", "BAO_TOKEN"])
      assert.ok(CREDENTIAL_VARIABLES.includes(name), name);
  });

  it("run hands a credential on only when the schema declares it", async () => {
    const dir = tempProject({
      "strongbox.config.yaml": "variables:\n  VAULT_TOKEN: { secret: true }\n",
    });
    const result = await runCli(["run", "--no-mask", ...node(seenCredentials)], {
      cwd: dir,
      env: CREDENTIALS,
    });
    assert.deepEqual(JSON.parse(result.stdout), ["VAULT_TOKEN"]);
  });

  it("render -t hook commands get no credentials", async () => {
    const dir = tempProject({ "t.tmpl": "plain text\n" });
    const result = await runCli(
      ["render", "-t", `t.tmpl:out.txt:${process.execPath} -e "${seenCredentials}" > seen.json`],
      { cwd: dir, env: CREDENTIALS },
    );
    assert.equal(result.code, 0, result.stderr);
    assert.deepEqual(JSON.parse(readFileSync(join(dir, "seen.json"), "utf8")), []);
  });

  it(".env expansion of a credential is refused with the file, line and names", async () => {
    const dir = tempProject({
      "strongbox.config.yaml":
        "variables:\n  PUBLIC_URL: { type: enum, values: [a] }\n  OTHER: { default: x }\n",
      ".env": "OTHER=fine\nPUBLIC_URL=https://x/?t=${VAULT_TOKEN}\n",
    });
    const result = await runCli(["run", ...node("console.log(process.env.PUBLIC_URL)")], {
      cwd: dir,
      env: { VAULT_TOKEN: "canary-token-value" },
    });
    assert.equal(result.code, 4);
    assert.match(result.stderr, /\.env:2: PUBLIC_URL expands \$\{VAULT_TOKEN\}/);
    assert.ok(!`${result.stdout}${result.stderr}`.includes("canary-token-value"));
  });

  it("templates refuse env of a credential, by every function that reads the environment, and ref env:// too", async () => {
    const dir = tempProject({
      "env.tmpl": 'T={{ env "VAULT_TOKEN" }}\n',
      "ref.tmpl": 'T={{ ref "env://STRONGBOX_MASTER_KEY" }}\n',
      "sprig-env.tmpl": 'T={{ sprig_env "VAULT_TOKEN" }}\n',
      "expandenv.tmpl": 'T={{ sprig_expandenv "token is ${BAO_TOKEN}" }}\n',
      "expandenv-bare.tmpl": 'T={{ sprig_expandenv "key $STRONGBOX_MASTER_KEY" }}\n',
      "or-default.tmpl": 'T={{ envOrDefault "VAULT_TOKEN" "x" }}\n',
      "must.tmpl": 'T={{ mustEnv "STRONGBOX_AUDIT_KEY" }}\n',
      "prefixed.tmpl": 'T={{ env "PRODUCTION_VAULT_TOKEN" }}\n',
      "prefixed-ref.tmpl": 'T={{ ref "env://PRODUCTION_BAO_TOKEN" }}\n',
      "strongbox.config.yaml": "variables:\n  X: { default: x }\n",
    });
    for (const template of [
      "env.tmpl",
      "ref.tmpl",
      "sprig-env.tmpl",
      "expandenv.tmpl",
      "expandenv-bare.tmpl",
      "or-default.tmpl",
      "must.tmpl",
      "prefixed.tmpl",
      "prefixed-ref.tmpl",
    ]) {
      const result = await runCli(["render", "-i", template, "--dry", "--reveal"], {
        cwd: dir,
        env: CREDENTIALS,
      });
      assert.notEqual(result.code, 0, template);
      assert.match(result.stderr, /credential Strongbox keeps to itself/);
      assert.ok(!`${result.stdout}${result.stderr}`.includes("canary-"), template);
    }
  });

  it("render --dry masks values from the environment unless --reveal", async () => {
    const dir = tempProject({ "t.tmpl": 'HOST={{ env "DB_HOST" }}\n' });
    const env = { DB_HOST: "db.internal.example" };
    const masked = await runCli(["render", "-i", "t.tmpl", "--dry"], { cwd: dir, env });
    assert.equal(masked.stdout, "HOST=<redacted:DB_HOST>\n");
    const revealed = await runCli(["render", "-i", "t.tmpl", "--dry", "--reveal"], {
      cwd: dir,
      env,
    });
    assert.equal(revealed.stdout, "HOST=db.internal.example\n");
  });
});

describe("no environment flag bypasses policy (issue 9.7)", () => {
  // staging takes secrets from files, the store or Vault, never from the environment.
  const files = {
    "strongbox.config.yaml":
      "variables:\n  DB_PASSWORD: { secret: true, ref: { staging: 'file://db-password' } }\n",
    "db-password": "from-the-file-0123\n",
    "app.mjs": `import { loadConfig } from ${JSON.stringify(join(ROOT, "dist/bundle/index.js"))};
import schema from "./schema.mjs";
try { const c = await loadConfig(schema, { environment: "staging" }); console.log("ok", c.DB_PASSWORD.length); }
catch (e) { console.log(e.issues.map((i) => i.code).join()); }
`,
    "schema.mjs":
      "export default { variables: { DB_PASSWORD: { secret: true, ref: { staging: 'file://db-password' } } } };\n",
  };

  it("check and run re-check a forged STRONGBOX_RESOLVED, plain or shaped like a real marker", async () => {
    const dir = tempProject(files);
    for (const marker of ["staging", `staging:${process.pid}:1`]) {
      const env = { STRONGBOX_RESOLVED: marker, DB_PASSWORD: "forged-0123" };
      const check = await runCli(["check", "--env", "staging"], { cwd: dir, env });
      assert.equal(check.code, 4, marker);
      assert.match(check.stderr, /E_FORBIDDEN_SOURCE/);
      const run = await runCli(["run", "--env", "staging", ...node("console.log('started')")], {
        cwd: dir,
        env,
      });
      assert.equal(run.code, 4);
      assert.equal(run.stdout, "");
    }
  });

  it("loadConfig() in an app started by strongbox run trusts that run", async () => {
    const dir = tempProject(files);
    const result = await runCli(["run", "--env", "staging", "--", process.execPath, "app.mjs"], {
      cwd: dir,
    });
    assert.equal(result.code, 0, result.stderr);
    assert.equal(result.stdout, "ok 18\n");
  });

  it("loadConfig() refuses a forged marker when no strongbox run is its ancestor", async () => {
    const dir = tempProject(files);
    // A marker that names a live ancestor (the test runner) with its real start time still fails:
    // that ancestor is not a `strongbox run`.
    const stat = readFileSync(`/proc/${process.pid}/stat`, "utf8");
    const start = stat.slice(stat.lastIndexOf(")") + 2).split(" ")[19];
    for (const marker of ["staging", `staging:${process.pid}:${start}`]) {
      const result = spawnSync(process.execPath, ["app.mjs"], {
        cwd: dir,
        env: cleanEnv(dir, { STRONGBOX_RESOLVED: marker, DB_PASSWORD: "forged-0123" }),
        encoding: "utf8",
      });
      assert.equal(result.stdout, "E_FORBIDDEN_SOURCE\n", marker);
    }
  });

  it("a nested strongbox run re-checks instead of trusting its parent", async () => {
    const dir = tempProject(files);
    const result = await runCli(
      ["run", "--env", "staging", "--", process.execPath, CLI, "check", "--env", "staging"],
      { cwd: dir },
    );
    assert.equal(result.code, 4);
    assert.match(result.stderr, /DB_PASSWORD: secrets in environment "staging" may only come from/);
  });
});

describe("validators and odd names (issue 9.9, 9.23)", () => {
  it("a Standard Schema validator that throws is E_INVALID naming only the variable", async () => {
    const dir = tempProject({
      "strongbox.config.ts": `const throwing = { "~standard": { version: 1, vendor: "t", validate(v) { return { value: JSON.parse(v) }; } } };
export default { variables: { TOKEN: { secret: true, schema: throwing }, ASYNC: { secret: true, schema: { "~standard": { version: 1, vendor: "t", validate: async (v) => { throw new Error("bad " + v); } } } } } };
`,
      ".env": "TOKEN=not-json-canary-7788\nASYNC=async-canary-9911\n",
    });
    const result = await runCli(["check"], { cwd: dir });
    assert.equal(result.code, 4);
    assert.match(result.stderr, /TOKEN: the validator threw/);
    assert.match(result.stderr, /ASYNC: the validator threw/);
    assert.doesNotMatch(result.stderr, /internal error|canary/);
  });

  it("variables named constructor, toString and __proto__ resolve to their own values", async () => {
    const dir = tempProject({
      "strongbox.config.yaml":
        "variables:\n  constructor: { required: false }\n  toString: { default: own-to-string }\n  __proto__: { default: own-proto }\n",
    });
    const result = await runCli(["export", "--format", "json"], { cwd: dir });
    assert.equal(result.code, 0, result.stderr);
    assert.deepEqual(JSON.parse(result.stdout), {
      toString: "own-to-string",
      ["__proto__"]: "own-proto",
    });
  });
});
