// Rotation where production keeps secrets: Vault KV v2 on a real bao server (the old
// version destroyed after the soak, the path's other keys kept) and AWS Secrets Manager
// on moto (the old value readable as AWSPREVIOUS during the overlap, then taken off).
import assert from "node:assert/strict";
import { after, before, describe, it } from "node:test";
import {
  CreateSecretCommand,
  GetSecretValueCommand,
  SecretsManagerClient,
} from "@aws-sdk/client-secrets-manager";
import { finishRotation, lifecycleStates, rotateSecret } from "../../src/lifecycle/rotate.js";
import { resolveConfig } from "../../src/resolve/drive.js";
import type { ConfigSpec } from "../../src/schema/types.js";
import { type Bao, startBao } from "../helpers/bao.js";
import { tempProject } from "../helpers/cli.js";
import { type Moto, startMoto } from "../helpers/moto.js";

const DAY = 86_400_000;

describe("rotation against Vault KV v2 (real bao server -dev)", () => {
  let bao: Bao;
  before(async () => {
    bao = await startBao();
  });
  after(async () => bao.stop());

  it("rotates one key of a path, keeps the others, destroys the old version only after the soak", async () => {
    bao.cli(["kv", "put", "-mount=secret", "app", "-"], {
      input: JSON.stringify({ JWT_SECRET: "jwt-initial-canary", OTHER: "kept" }),
    });
    const config: ConfigSpec = {
      variables: {
        JWT_SECRET: {
          secret: true,
          ref: "vault://secret/app#JWT_SECRET",
          rotation: { every: "30d", generator: "hex:16", soak: "24h" },
        },
      },
    };
    const ctx = {
      config,
      baseDir: tempProject(),
      environment: "staging",
      processEnv: { VAULT_ADDR: bao.addr, VAULT_TOKEN: bao.rootToken, HOME: tempProject() },
    };
    const rotated = await rotateSecret("JWT_SECRET", ctx);
    assert.deepEqual([rotated.version, rotated.previous], [2, 1]);
    const field = (version: number, key: string) =>
      bao.cli(["kv", "get", "-mount=secret", `-version=${version}`, `-field=${key}`, "app"]).trim();
    assert.match(field(2, "JWT_SECRET"), /^[0-9a-f]{32}$/);
    assert.equal(field(2, "OTHER"), "kept");
    assert.equal(
      field(1, "JWT_SECRET"),
      "jwt-initial-canary",
      "the previous version is readable in the overlap",
    );
    // During the overlap the resolution serves the previous value beside the new one.
    const during = await resolveConfig(config, {
      environment: "staging",
      processEnv: ctx.processEnv,
    });
    assert.equal(
      during.entries.find((e) => e.name === "JWT_SECRET_PREVIOUS")?.raw,
      "jwt-initial-canary",
    );
    const [state] = await lifecycleStates(ctx);
    assert.ok(state?.status.lastRotated !== undefined && !state.status.overdue);
    await assert.rejects(finishRotation("JWT_SECRET", ctx), { code: "E_ROTATION" });
    const later = { ...ctx, now: () => new Date(Date.now() + 2 * DAY) };
    assert.deepEqual((await finishRotation("JWT_SECRET", later)).retired, [1]);
    const metadata = JSON.parse(
      bao.cli(["kv", "metadata", "get", "-format=json", "-mount=secret", "app"]),
    );
    assert.equal(metadata.data.versions["1"].destroyed, true);
    assert.equal(metadata.data.versions["2"].destroyed, false);
    const afterwards = await resolveConfig(config, {
      environment: "staging",
      processEnv: ctx.processEnv,
    });
    assert.deepEqual(afterwards.issues, []);
    assert.equal(afterwards.entries.find((e) => e.name === "JWT_SECRET_PREVIOUS")?.raw, undefined);
  });
});

describe("rotation against AWS Secrets Manager (real moto_server)", () => {
  let moto: Moto;
  before(async () => {
    moto = await startMoto();
  });
  after(async () => moto.stop());

  it("the old value stays readable as AWSPREVIOUS during the overlap; finishing takes the stage off", async () => {
    const sm = new SecretsManagerClient({
      endpoint: moto.endpoint,
      region: "us-east-1",
      credentials: { accessKeyId: "testing", secretAccessKey: "testing" },
    });
    await sm.send(
      new CreateSecretCommand({
        Name: "shop/jwt",
        SecretString: JSON.stringify({ JWT_SECRET: "aws-initial-canary" }),
      }),
    );
    const config: ConfigSpec = {
      variables: {
        JWT_SECRET: {
          secret: true,
          ref: "aws-sm://shop/jwt#JWT_SECRET",
          rotation: { every: "30d", generator: "uuid" },
        },
      },
    };
    const ctx = {
      config,
      baseDir: tempProject(),
      environment: "staging",
      processEnv: { ...moto.env, HOME: tempProject() },
    };
    const rotated = await rotateSecret("JWT_SECRET", ctx);
    assert.ok(typeof rotated.version === "string" && rotated.version !== rotated.previous);
    const stage = (VersionStage: string) =>
      sm.send(new GetSecretValueCommand({ SecretId: "shop/jwt", VersionStage })).then(
        (answer) => JSON.parse(answer.SecretString ?? "{}").JWT_SECRET as string,
        () => undefined,
      );
    assert.match((await stage("AWSCURRENT")) ?? "", /^[0-9a-f-]{36}$/);
    assert.equal(await stage("AWSPREVIOUS"), "aws-initial-canary");
    const during = await resolveConfig(config, {
      environment: "staging",
      processEnv: ctx.processEnv,
    });
    assert.equal(
      during.entries.find((e) => e.name === "JWT_SECRET_PREVIOUS")?.raw,
      "aws-initial-canary",
    );
    const finished = await finishRotation("JWT_SECRET", ctx, { force: true });
    assert.ok(finished.retired.includes(rotated.previous as string));
    assert.equal(await stage("AWSPREVIOUS"), undefined, "no stage reads the old value any more");
    assert.match((await stage("AWSCURRENT")) ?? "", /^[0-9a-f-]{36}$/);
    const afterwards = await resolveConfig(config, {
      environment: "staging",
      processEnv: ctx.processEnv,
    });
    assert.deepEqual(afterwards.issues, []);
    assert.equal(afterwards.entries.find((e) => e.name === "JWT_SECRET_PREVIOUS")?.raw, undefined);
    sm.destroy();
  });
});
