import { type ChildProcess, spawn } from "node:child_process";
import { freePort } from "./bao.js";
import { tempProject } from "./cli.js";

/** A running `moto_server` (a local AWS stand-in) on a free loopback port. */
export interface Moto {
  readonly endpoint: string;
  readonly process: ChildProcess;
  /** Environment for Strongbox and the AWS SDK: endpoint, region, dummy credentials. */
  readonly env: Record<string, string>;
  /** The same as an SDK client's options (for clients a test or the library makes directly). */
  readonly sdk: {
    region: string;
    endpoint: string;
    credentials: { accessKeyId: string; secretAccessKey: string };
  };
  stop(): Promise<void>;
}

/** The `moto_server` scripts/run-tests.mjs installed. */
export function motoBinary(): string {
  return process.env.STRONGBOX_MOTO ?? "moto_server";
}

/** Starts moto and waits until `/moto-api/` answers. */
export async function startMoto(): Promise<Moto> {
  const port = await freePort();
  const child = spawn(motoBinary(), ["-H", "127.0.0.1", "-p", String(port)], {
    env: { PATH: process.env.PATH ?? "", HOME: tempProject() },
    stdio: "ignore",
  });
  const endpoint = `http://127.0.0.1:${port}`;
  const deadline = Date.now() + 30_000;
  for (;;) {
    try {
      if ((await fetch(`${endpoint}/moto-api/`)).status === 200) break;
    } catch {
      // not listening yet
    }
    if (Date.now() > deadline || child.exitCode !== null)
      throw new Error(`moto_server did not start on ${endpoint}`);
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
  return {
    endpoint,
    process: child,
    sdk: {
      region: "us-east-1",
      endpoint,
      credentials: { accessKeyId: "testing", secretAccessKey: "testing" },
    },
    env: {
      AWS_ENDPOINT_URL: endpoint,
      AWS_REGION: "us-east-1",
      AWS_ACCESS_KEY_ID: "testing",
      AWS_SECRET_ACCESS_KEY: "testing",
    },
    stop: () =>
      new Promise<void>((resolve) => {
        if (child.exitCode !== null) return resolve();
        child.once("exit", () => resolve());
        child.kill("SIGTERM");
      }),
  };
}

/** Creates an S3 bucket in moto (path-style, its dummy credentials), as smoke checks expect one. */
export async function createBucket(moto: Moto, bucket: string): Promise<void> {
  const { S3Client, CreateBucketCommand } = await import("@aws-sdk/client-s3");
  const s3 = new S3Client({ ...moto.sdk, forcePathStyle: true, region: "us-east-1" });
  try {
    await s3.send(new CreateBucketCommand({ Bucket: bucket }));
  } finally {
    s3.destroy();
  }
}
