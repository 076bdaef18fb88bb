// Red team on issue 28, round 3 (suspicion): the smoke bucket check built its
// S3 client by hand, so the SDK took a service endpoint from this process's
// AWS_ENDPOINT_URL_S3 / AWS_ENDPOINT_URL or ~/.aws/config and sent the signed
// request there. Invariant: every AWS client takes sdkClientOptions (src/aws/client.ts)
// with ignoreConfiguredEndpointUrls; the check's endpoint is only the one it
// resolved. Generated over every place the SDK would take an endpoint from.
import assert from "node:assert/strict";
import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { after, before, describe, it } from "node:test";
import { s3 } from "../../src/lifecycle/smoke-checks.js";
import { tempProject } from "../helpers/cli.js";
import { withProcessEnv } from "../helpers/recording.js";

describe("the smoke bucket check never takes an endpoint from the process's variables or ~/.aws/config", () => {
  let listener: Server;
  let url: string;
  const seen: string[] = [];
  before(async () => {
    listener = createServer((req, res) => {
      req.resume();
      seen.push(`${req.method} ${req.url}`);
      res.writeHead(500).end();
    });
    await new Promise<void>((resolve) => listener.listen(0, "127.0.0.1", resolve));
    url = `http://127.0.0.1:${(listener.address() as AddressInfo).port}`;
  });
  after(() => listener.close());

  it("an endpoint set anywhere the SDK looks is never asked", async () => {
    const places: Array<(home: string) => Record<string, string>> = [
      () => ({ AWS_ENDPOINT_URL_S3: url }),
      () => ({ AWS_ENDPOINT_URL: url }),
      (home) => ({ AWS_CONFIG_FILE: `${home}/config` }),
      () => ({}),
    ];
    for (const [index, place] of places.entries()) {
      seen.length = 0;
      const home = tempProject({
        ".aws/config": `[default]\nservices = here\n\n[services here]\ns3 =\n  endpoint_url = ${url}\n`,
        config: `[default]\nendpoint_url = ${url}\n`,
      });
      const env = { PATH: process.env.PATH ?? "/usr/bin", HOME: home, ...place(home) };
      const outcome = await withProcessEnv(env, () =>
        s3(
          {
            bucket: "b",
            keyId: "AKIDEXAMPLE",
            secret: "s",
            endpoint: undefined,
            region: "us-east-1",
          },
          AbortSignal.timeout(3000),
        ).catch((error: Error) => error.message),
      );
      assert.deepEqual(seen, [], `place ${index}: ${outcome}`);
    }
  });

  it("the endpoint the check resolved is the one asked", async () => {
    seen.length = 0;
    await s3(
      { bucket: "b", keyId: "AKIDEXAMPLE", secret: "s", endpoint: url, region: "us-east-1" },
      AbortSignal.timeout(3000),
    ).catch(() => undefined);
    assert.ok(seen.length > 0);
  });
});
