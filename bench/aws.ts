// AWS Secrets Manager rows: 100 secrets resolved by Strongbox (BatchGetSecretValue, 20
// names a call, in parallel) against one GetSecretValue per secret in sequence, on a
// real moto_server; requests counted by a loopback proxy.

import {
  CreateSecretCommand,
  GetSecretValueCommand,
  SecretsManagerClient,
} from "@aws-sdk/client-secrets-manager";
import { GetParameterCommand, PutParameterCommand, SSMClient } from "@aws-sdk/client-ssm";
import { resolveConfig } from "../src/resolve/drive.js";
import type { ConfigSpec } from "../src/schema/types.js";
import { startMoto } from "../test/helpers/moto.js";
import { type LoopbackProxy, startProxy } from "../test/helpers/proxy.js";

export interface AwsRow {
  readonly name: string;
  readonly requests: number;
  readonly ms: number;
}

const median = (values: number[]) =>
  [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)] ?? 0;

const CREDENTIALS = { accessKeyId: "testing", secretAccessKey: "testing" };

/**
 * Times `ours` (one Strongbox resolution) against `oneByOne` (the naive
 * loop), interleaved `runs` times, counting the requests each makes.
 */
async function compare(
  proxy: LoopbackProxy,
  runs: number,
  rows: readonly [string, string],
  ours: () => Promise<void>,
  oneByOne: () => Promise<void>,
): Promise<AwsRow[]> {
  const times: [number[], number[]] = [[], []];
  const requests = [0, 0];
  for (let run = 0; run < runs; run++)
    for (const [i, work] of [ours, oneByOne].entries()) {
      const before = proxy.seen.length;
      const start = performance.now();
      await work();
      times[i as 0 | 1].push(performance.now() - start);
      requests[i] = proxy.seen.length - before;
    }
  return rows.map((name, i) => ({
    name,
    requests: requests[i] ?? 0,
    ms: median(times[i as 0 | 1]),
  }));
}

/** Resolves `refs` (one variable each) through Strongbox, failing loudly on any problem. */
async function resolveAll(refs: readonly string[], env: Record<string, string>): Promise<void> {
  const config: ConfigSpec = {
    variables: Object.fromEntries(refs.map((ref, i) => [`V${i}`, { secret: true, ref }])),
  };
  const resolution = await resolveConfig(config, { processEnv: env });
  if (!resolution.ok) throw new Error(resolution.issues[0]?.message);
}

export async function awsRows(runs: number): Promise<AwsRow[]> {
  const moto = await startMoto();
  const proxy = await startProxy(moto.endpoint);
  const env = { ...moto.env, AWS_ENDPOINT_URL: proxy.addr, HOME: "/nonexistent" };
  const sm = (endpoint: string) =>
    new SecretsManagerClient({ endpoint, region: "us-east-1", credentials: CREDENTIALS });
  const ssm = (endpoint: string) =>
    new SSMClient({ endpoint, region: "us-east-1", credentials: CREDENTIALS });
  try {
    const names = Array.from({ length: 100 }, (_, i) => `bench/secret-${i}`);
    const parameters = Array.from({ length: 100 }, (_, i) => `/bench/parameter-${i}`);
    const setup = { sm: sm(moto.endpoint), ssm: ssm(moto.endpoint) };
    for (const name of names)
      await setup.sm.send(
        new CreateSecretCommand({ Name: name, SecretString: `value-of-${name}` }),
      );
    for (const name of parameters)
      await setup.ssm.send(
        new PutParameterCommand({ Name: name, Value: `value-of-${name}`, Type: "SecureString" }),
      );
    setup.sm.destroy();
    setup.ssm.destroy();
    return [
      ...(await compare(
        proxy,
        runs,
        [
          "strongbox: resolve 100 secrets (BatchGetSecretValue)",
          "one GetSecretValue per secret, in sequence",
        ],
        () =>
          resolveAll(
            names.map((name) => `aws-sm://${name}`),
            env,
          ),
        async () => {
          const each = sm(proxy.addr);
          for (const name of names) await each.send(new GetSecretValueCommand({ SecretId: name }));
          each.destroy();
        },
      )),
      ...(await compare(
        proxy,
        runs,
        [
          "strongbox: resolve 100 SSM parameters (GetParameters)",
          "one GetParameter per parameter, in sequence",
        ],
        () =>
          resolveAll(
            parameters.map((name) => `aws-ssm://${name}`),
            env,
          ),
        async () => {
          const each = ssm(proxy.addr);
          for (const name of parameters)
            await each.send(new GetParameterCommand({ Name: name, WithDecryption: true }));
          each.destroy();
        },
      )),
    ];
  } finally {
    await proxy.close();
    await moto.stop();
  }
}
