// The composite action .github/actions/strongbox-export, run step by step on a
// simulated GitHub Actions runner (test/helpers/actions-runner.ts) against a
// real bao: the job's OIDC token comes from a loopback endpoint that behaves
// as the runner's, bao's jwt method (set up by `vault setup --method jwt`)
// accepts it, and `export --format github` masks every secret before any value
// reaches $GITHUB_ENV. Values are generated to try every way a value could end
// a heredoc early or add a variable of its own.
import assert from "node:assert/strict";
import { chmodSync, mkdirSync, readFileSync, writeFileSync } from "node:fs";
import { createServer } from "node:http";
import { join } from "node:path";
import { after, before, describe, it } from "node:test";
import { compositeSteps, parseEnvFile, SimulatedRunner } from "../helpers/actions-runner.js";
import { type Bao, startBao } from "../helpers/bao.js";
import { CLI, ROOT, runCli, tempProject } from "../helpers/cli.js";
import { type JwtIssuer, jwtIssuer } from "../helpers/jwt.js";
import { type Listening, listenLoopback } from "../helpers/loopback.js";

const ACTION = join(ROOT, ".github/actions/strongbox-export/action.yml");
const ISS = "https://token.actions.githubusercontent.com";
const AUD = "https://github.com/acme";
const SUB = "repo:acme/shop:ref:refs/heads/main";
const REQUEST_TOKEN = "gha-request-token-c0ffee-1b7";
const ROLE = "shop-production-app";

/** Pieces of the env-file and workflow-command syntax a value might smuggle in. */
const PIECES = [
  "\n",
  "\r\n",
  "EVIL=injected",
  "EVIL<<EOF",
  "EOF",
  "ghadelimiter_",
  "ghadelimiter_00000000-0000-4000-8000-000000000000",
  "::add-mask::",
  "::set-env name=EVIL::x",
  "%0A",
  "%25",
  "<<",
  "=",
];
/** Every piece inside, alone, and followed by a would-be variable of its own. */
const VALUES = PIECES.flatMap((piece) => [
  `canary-${piece}-end`,
  piece,
  `canary\n${piece}\nEVIL=injected`,
  `canary\n${piece}\nEVIL<<X\nowned\nX`,
]).map((value, index) => [`V_${index}`, `${value}#${index}`] as const);

describe("the strongbox-export composite action on a simulated runner", () => {
  let bao: Bao;
  let issuer: JwtIssuer;
  let endpoint: Listening;
  let work: string;
  const requests: string[] = [];

  before(async () => {
    bao = await startBao();
    issuer = jwtIssuer();
    work = tempProject({
      "strongbox.config.yaml": [
        "project: shop",
        "vault: { allowInsecure: true }",
        "environments:",
        "  production: {}",
        "variables:",
        ...VALUES.map(
          ([name]) =>
            `  ${name}: { secret: true, ref: 'vault://secret/shop/production/app#${name}' }`,
        ),
        "",
      ].join("\n"),
      "pub.pem": issuer.publicPem,
    });
    const put = await fetch(`${bao.addr}/v1/secret/data/shop/production/app`, {
      method: "POST",
      headers: { "X-Vault-Token": bao.rootToken },
      body: JSON.stringify({ data: Object.fromEntries(VALUES) }),
    });
    assert.equal(put.status, 200);
    const setup = await runCli(
      [
        ...["vault", "setup", "--env", "production", "--method", "jwt", "--audience", AUD],
        ...["--bound-claim", `sub=${SUB}`, "--jwt-pubkey", "pub.pem", "--bound-issuer", ISS],
      ],
      { cwd: work, env: { VAULT_ADDR: bao.addr, VAULT_TOKEN: bao.rootToken } },
    );
    assert.equal(setup.code, 0, setup.stderr);
    // The runner's token endpoint: a bearer check, the audience asked for in the query.
    endpoint = await listenLoopback(
      createServer((req, res) => {
        requests.push(req.url ?? "");
        if (req.headers.authorization !== `Bearer ${REQUEST_TOKEN}`) {
          res.writeHead(401);
          return res.end();
        }
        const aud = new URL(req.url ?? "/", "http://runner").searchParams.get("audience");
        res.writeHead(200, { "content-type": "application/json" });
        res.end(JSON.stringify({ value: issuer.mint({ iss: ISS, sub: SUB, aud }) }));
      }),
    );
  });
  after(async () => {
    await endpoint.close();
    await bao.stop();
  });

  it("no input is spliced into a script: every ${{ }} sits in env: or working-directory:", () => {
    const { steps } = compositeSteps(ACTION);
    assert.ok(steps.length >= 2);
    for (const step of steps) assert.doesNotMatch(step.run, /\$\{\{/, step.name);
  });

  it("logs in with the job's token, masks every secret, and the next step sees every value exactly; no value adds a variable", async () => {
    const bin = join(work, "bin");
    mkdirSync(bin, { recursive: true });
    writeFileSync(join(bin, "strongbox"), `#!/bin/sh\nexec "${process.execPath}" "${CLI}" "$@"\n`);
    chmodSync(join(bin, "strongbox"), 0o755);
    const runner = new SimulatedRunner(work, {
      PATH: `${bin}:${process.env.PATH ?? ""}`,
      HOME: tempProject(),
      ACTIONS_ID_TOKEN_REQUEST_URL: `${endpoint.addr}/_apis/idtoken?api-version=2.0`,
      ACTIONS_ID_TOKEN_REQUEST_TOKEN: REQUEST_TOKEN,
    });
    const { steps, defaults } = compositeSteps(ACTION);
    const inputs = {
      ...defaults,
      environment: "production",
      "vault-addr": bao.addr,
      role: ROLE,
      audience: AUD,
    };
    const runs = [];
    for (const step of steps) {
      const run = await runner.run(step, inputs);
      assert.equal(run.status, 0, `${step.name}: ${run.stderr}`);
      runs.push(run);
    }
    assert.match(runs[0]?.stdout ?? "", /already installed/);
    assert.ok(
      requests.some((url) => url.includes(`audience=${encodeURIComponent(AUD)}`)),
      "the job's token was asked for with the role's audience",
    );

    // Every secret is masked whole and line by line (blank lines are never masks).
    const masks = runs.flatMap((run) => run.masks);
    for (const [name, value] of VALUES) {
      const parts = value.split(/\r\n|\r|\n/).filter((line) => line.trim() !== "");
      for (const part of parts) assert.ok(masks.includes(part), `${name}: line masked`);
      if (parts.length > 1) assert.ok(masks.includes(value), `${name}: masked whole`);
    }
    // What the log shows (everything but the mask commands) holds no value's line, before or after masking.
    const log = runs.flatMap((run) => [...run.logLines, ...run.stderr.split("\n")]).join("\n");
    for (const [, value] of VALUES)
      for (const part of value.split(/\r\n|\r|\n/).filter((line) => line.length > 3))
        assert.ok(!log.includes(part), `a value's line reached the log: ${JSON.stringify(part)}`);
    assert.ok(!log.includes(REQUEST_TOKEN));

    // The runner's reading of $GITHUB_ENV: exactly the exported names, each value as stored.
    const exported = parseEnvFile(readFileSync(runner.files.env, "utf8"));
    assert.deepEqual(exported.map(([name]) => name).sort(), VALUES.map(([name]) => name).sort());
    assert.deepEqual(new Map(exported), new Map(VALUES));
    assert.ok(!readFileSync(runner.files.env, "utf8").includes(REQUEST_TOKEN));

    // The next step of the job sees them.
    const out = join(work, "seen.json");
    const next = await runner.run(
      {
        name: "the job's next step",
        shell: "bash",
        env: {},
        run: `node -e 'require("fs").writeFileSync(process.argv[1], JSON.stringify(Object.fromEntries(Object.entries(process.env).filter(([k]) => /^(V_|EVIL)/.test(k)))))' ${JSON.stringify(out)}\n`,
      },
      inputs,
    );
    assert.equal(next.status, 0, next.stderr);
    assert.deepEqual(JSON.parse(readFileSync(out, "utf8")), Object.fromEntries(VALUES));
  });

  it("the env-file reader is the runner's: an early delimiter ends the value, and a stray line is an error", () => {
    // Checks the simulation itself, so the test above could fail: the attack works on a naive writer.
    const naive = "V<<EOF\nfirst\nEOF\nEVIL=injected\nEOF\n";
    assert.throws(() => parseEnvFile(naive), /invalid env file line|Matching delimiter/);
    assert.deepEqual(parseEnvFile("V<<EOF\nfirst\nEOF\nEVIL=injected\n"), [
      ["V", "first"],
      ["EVIL", "injected"],
    ]);
    assert.deepEqual(parseEnvFile("V<<D\r\na\r\nb\nD\n"), [["V", "a\r\nb"]]);
  });
});
