// AWS Secrets Manager rows: 100 secrets resolved by Strongbox (BatchGetSecretValue, 20
// names a call, in parallel) against one GetSecretValue per secret in sequence, on a
// real moto_server; requests counted by a loopback proxy.

import {
  CreateSecretCommand,
  GetSecretValueCommand,
  SecretsManagerClient,
} from "@aws-sdk/client-secrets-manager";
import { GetParameterCommand, PutParameterCommand, SSMClient } from "@aws-sdk/client-ssm";
import { startMoto } from "../test/helpers/moto.js";
import { startProxy } from "../test/helpers/proxy.js";
import { type ComparisonRow, compare, resolveAll } from "./compare.js";

const CREDENTIALS = { accessKeyId: "testing", secretAccessKey: "testing" };

export async function awsRows(runs: number): Promise<ComparisonRow[]> {
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
        () => proxy.seen.length,
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
        () => proxy.seen.length,
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
