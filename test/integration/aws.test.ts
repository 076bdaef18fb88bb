// AWS Secrets Manager through the CLI against a real moto_server: resolution, set --to,
// the child never sees AWS credentials, and a secret resolved from AWS is masked.
import assert from "node:assert/strict";
import { after, before, describe, it } from "node:test";
import { runCli, tempProject } from "../helpers/cli.js";
import { type Moto, startMoto } from "../helpers/moto.js";

describe("aws-sm:// through the CLI (real moto_server)", () => {
  let moto: Moto;
  before(async () => {
    moto = await startMoto();
  });
  after(async () => moto.stop());

  it("set --to writes a key of a JSON secret, run resolves it, masks it, and hands on no AWS credential", async () => {
    const dir = tempProject({
      "strongbox.config.yaml":
        "aws: { allowInsecure: true }\nvariables:\n  DB_PASSWORD: { secret: true, ref: 'aws-sm://shop/staging/app#DB_PASSWORD' }\n  API_KEY: { secret: true, ref: 'aws-sm://shop/staging/app#API_KEY' }\nenvironments:\n  staging: { secrets: { from: [aws-sm] } }\n",
    });
    for (const [name, value] of [
      ["DB_PASSWORD", "aws-db-canary-4411"],
      ["API_KEY", "aws-api-canary-9922"],
    ] as const) {
      const set = await runCli(["set", name, "--to", `aws-sm://shop/staging/app#${name}`], {
        cwd: dir,
        env: moto.env,
        input: value,
      });
      assert.equal(set.code, 0, set.stderr);
    }
    const run = await runCli(
      [
        "run",
        "--env",
        "staging",
        "--",
        process.execPath,
        "-e",
        "console.log(process.env.DB_PASSWORD, process.env.API_KEY.length, Object.keys(process.env).filter((k) => k.startsWith('AWS_SECRET') || k === 'AWS_ACCESS_KEY_ID' || k === 'AWS_SESSION_TOKEN').join())",
      ],
      { cwd: dir, env: { ...moto.env, AWS_SESSION_TOKEN: "session-canary" } },
    );
    assert.equal(run.code, 0, run.stderr);
    assert.equal(run.stdout, "<redacted:DB_PASSWORD> 19 \n");
    assert.match(run.stderr, /warning: pure AWS Secrets Manager mode runs with aws.allowInsecure/);
    assert.match(
      run.stderr,
      /note: AWS_ACCESS_KEY_ID, AWS_SECRET_ACCESS_KEY, AWS_SESSION_TOKEN are not passed to the command/,
    );
    assert.ok(!run.stderr.includes("session-canary"));
    const explain = await runCli(["explain", "DB_PASSWORD", "--env", "staging"], {
      cwd: dir,
      env: moto.env,
    });
    assert.match(explain.stdout, /aws-sm:\/\/shop\/staging\/app#DB_PASSWORD/);
    assert.ok(!`${explain.stdout}${explain.stderr}`.includes("aws-db-canary"));
  });

  it("staging refuses a secret from the environment when it allows aws-sm only, naming AWS", async () => {
    const dir = tempProject({
      "strongbox.config.yaml":
        "variables:\n  TOKEN: { secret: true }\nenvironments:\n  staging: { secrets: { from: [aws-sm] } }\n",
    });
    const check = await runCli(["check", "--env", "staging"], {
      cwd: dir,
      env: { ...moto.env, TOKEN: "from-env-canary" },
    });
    assert.equal(check.code, 4);
    assert.match(check.stderr, /may only come from AWS Secrets Manager/);
    assert.match(check.stderr, /pure AWS Secrets Manager mode/);
  });

  it("throttling is retried with backoff; throttling that lasts is transient, within the deadline", async () => {
    const { startProxy } = await import("../helpers/proxy.js");
    const { parseRef } = await import("../../src/refs/ref.js");
    const { awsSecretsManagerProvider } = await import(
      "../../src/providers/aws/secrets-manager.js"
    );
    const { awsSsmProvider } = await import("../../src/providers/aws/ssm.js");
    const proxy = await startProxy(moto.endpoint);
    try {
      const setEnv = { ...moto.env };
      await runCli(["set", "THROTTLED", "--to", "aws-sm://throttle/app#THROTTLED"], {
        cwd: tempProject(),
        env: setEnv,
        input: "throttle-canary-1",
      });
      await runCli(["set", "THROTTLED", "--to", "aws-ssm:///throttle/THROTTLED"], {
        cwd: tempProject(),
        env: setEnv,
        input: "throttle-canary-2",
      });
      const ctx = (signal?: AbortSignal) => ({
        baseDir: tempProject(),
        processEnv: { ...moto.env, AWS_ENDPOINT_URL: proxy.addr, HOME: tempProject() },
        config: () => undefined,
        ...(signal === undefined ? {} : { signal }),
      });
      for (const [definition, text, value] of [
        [awsSecretsManagerProvider, "aws-sm://throttle/app#THROTTLED", "throttle-canary-1"],
        [awsSsmProvider, "aws-ssm:///throttle/THROTTLED", "throttle-canary-2"],
      ] as const) {
        const provider = await definition.create();
        const ref = parseRef(text);
        const before = proxy.seen.length;
        proxy.throttle(2);
        const ok = (await provider.read([ref], ctx())).get(ref);
        assert.equal(ok?.status === "found" ? ok.fetched.value : ok, value, text);
        assert.equal(proxy.seen.length - before, 3, "two throttled attempts, then the answer");
        proxy.throttle(1000);
        const started = Date.now();
        const lasting = (await provider.read([ref], ctx(AbortSignal.timeout(20_000)))).get(ref);
        proxy.throttle(0);
        assert.equal(lasting?.status, "error");
        const error =
          lasting?.status === "error"
            ? (lasting.error as { code?: string; message: string })
            : undefined;
        assert.equal(error?.code, "E_PROVIDER_UNAVAILABLE", error?.message);
        assert.ok(!error?.message.includes("canary"));
        assert.ok(Date.now() - started < 20_000, "gave up within the deadline");
      }
    } finally {
      await proxy.close();
    }
  });
});
