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
import { startProxy } from "../test/helpers/proxy.js";

export interface AwsRow {
  readonly name: string;
  readonly requests: number;
  readonly ms: number;
}

const median = (values: number[]) =>
  [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)] ?? 0;

export async function awsRows(runs: number): Promise<AwsRow[]> {
  const moto = await startMoto();
  const proxy = await startProxy(moto.endpoint);
  try {
    const client = (endpoint: string) =>
      new SecretsManagerClient({
        endpoint,
        region: "us-east-1",
        credentials: { accessKeyId: "testing", secretAccessKey: "testing" },
      });
    const setup = client(moto.endpoint);
    const names = Array.from({ length: 100 }, (_, i) => `bench/secret-${i}`);
    for (const name of names)
      await setup.send(new CreateSecretCommand({ Name: name, SecretString: `value-of-${name}` }));
    setup.destroy();
    const config: ConfigSpec = {
      variables: Object.fromEntries(
        names.map((name, i) => [`S${i}`, { secret: true, ref: `aws-sm://${name}` }]),
      ),
    };
    const env = { ...moto.env, AWS_ENDPOINT_URL: proxy.addr, HOME: "/nonexistent" };
    const ours: number[] = [];
    const oneByOne: number[] = [];
    let ourRequests = 0;
    let oneRequests = 0;
    for (let run = 0; run < runs; run++) {
      let before = proxy.seen.length;
      let start = performance.now();
      const resolution = await resolveConfig(config, { processEnv: env });
      ours.push(performance.now() - start);
      if (!resolution.ok) throw new Error(resolution.issues[0]?.message);
      ourRequests = proxy.seen.length - before;
      before = proxy.seen.length;
      start = performance.now();
      const each = client(proxy.addr);
      for (const name of names) await each.send(new GetSecretValueCommand({ SecretId: name }));
      each.destroy();
      oneByOne.push(performance.now() - start);
      oneRequests = proxy.seen.length - before;
    }
    // SSM Parameter Store: 100 SecureString parameters, GetParameters (10 a call) vs GetParameter each.
    const ssmClient = (endpoint: string) =>
      new SSMClient({
        endpoint,
        region: "us-east-1",
        credentials: { accessKeyId: "testing", secretAccessKey: "testing" },
      });
    const ssmSetup = ssmClient(moto.endpoint);
    const parameters = Array.from({ length: 100 }, (_, i) => `/bench/parameter-${i}`);
    for (const name of parameters)
      await ssmSetup.send(
        new PutParameterCommand({ Name: name, Value: `value-of-${name}`, Type: "SecureString" }),
      );
    ssmSetup.destroy();
    const ssmConfig: ConfigSpec = {
      variables: Object.fromEntries(
        parameters.map((name, i) => [`P${i}`, { secret: true, ref: `aws-ssm://${name}` }]),
      ),
    };
    const ssmOurs: number[] = [];
    const ssmEach: number[] = [];
    let ssmOurRequests = 0;
    let ssmEachRequests = 0;
    for (let run = 0; run < runs; run++) {
      let before = proxy.seen.length;
      let start = performance.now();
      const resolution = await resolveConfig(ssmConfig, { processEnv: env });
      ssmOurs.push(performance.now() - start);
      if (!resolution.ok) throw new Error(resolution.issues[0]?.message);
      ssmOurRequests = proxy.seen.length - before;
      before = proxy.seen.length;
      start = performance.now();
      const each = ssmClient(proxy.addr);
      for (const name of parameters)
        await each.send(new GetParameterCommand({ Name: name, WithDecryption: true }));
      each.destroy();
      ssmEach.push(performance.now() - start);
      ssmEachRequests = proxy.seen.length - before;
    }
    return [
      {
        name: "strongbox: resolve 100 secrets (BatchGetSecretValue)",
        requests: ourRequests,
        ms: median(ours),
      },
      {
        name: "one GetSecretValue per secret, in sequence",
        requests: oneRequests,
        ms: median(oneByOne),
      },
      {
        name: "strongbox: resolve 100 SSM parameters (GetParameters)",
        requests: ssmOurRequests,
        ms: median(ssmOurs),
      },
      {
        name: "one GetParameter per parameter, in sequence",
        requests: ssmEachRequests,
        ms: median(ssmEach),
      },
    ];
  } finally {
    await proxy.close();
    await moto.stop();
  }
}
