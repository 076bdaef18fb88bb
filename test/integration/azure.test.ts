// azure-kv:// against the loopback Key Vault (test/helpers/azure-kv.ts), with the real
// @azure/keyvault-secrets client and the real @azure/identity ClientSecretCredential:
// the CLI end to end, versions, soft delete, disabled secrets, throttling, batching,
// a redirect to another host, and the name mapping.
import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { createServer } from "node:https";
import type { AddressInfo } from "node:net";
import { after, before, describe, it } from "node:test";
import { azureKeyVaultProvider } from "../../src/providers/azure/key-vault.js";
import { keyVaultSecretName } from "../../src/providers/azure/naming.js";
import { canWrite, type ReadContext, type ReadResult } from "../../src/providers/provider.js";
import { providerConfigs } from "../../src/providers/registry.js";
import { parseRef } from "../../src/refs/ref.js";
import { type FakeKeyVault, startFakeKeyVault } from "../helpers/azure-kv.js";
import { runCli, tempProject } from "../helpers/cli.js";

describe("azure-kv:// (loopback Key Vault REST server, real SDK and identity)", () => {
  let kv: FakeKeyVault;
  before(async () => {
    kv = await startFakeKeyVault();
  });
  after(async () => kv.stop());

  const context = (azure: Record<string, unknown> = {}, env: Record<string, string> = {}) =>
    ({
      baseDir: tempProject(),
      processEnv: { ...kv.env, HOME: tempProject(), ...env },
      config: (key: string) =>
        key === "azure" ? { vaults: { shop: kv.url }, caFile: kv.caFile, ...azure } : undefined,
      signal: AbortSignal.timeout(8000),
    }) satisfies ReadContext;

  const read = async (texts: string[], ctx: ReadContext = context()): Promise<ReadResult[]> => {
    const refs = texts.map((text) => parseRef(text));
    for (const ref of refs) azureKeyVaultProvider.validateRef(ref, "test");
    const results = await (await azureKeyVaultProvider.create()).read(refs, ctx);
    return refs.map((ref) => results.get(ref) as ReadResult);
  };
  const value = (result: ReadResult | undefined) =>
    result?.status === "found" ? result.fetched.value : result;
  const failure = (result: ReadResult | undefined) =>
    result?.status === "error"
      ? (result.error as Error & { code: string; hint?: string })
      : assert.fail(`expected an error, got ${JSON.stringify(result)}`);

  it("set --to writes under the mapped name, run resolves and masks it, and the child gets no Azure secret", async () => {
    const dir = tempProject({
      "strongbox.config.yaml": `azure: { vaults: { shop: '${kv.url}' }, caFile: '${kv.caFile}' }\nvariables:\n  JWT_SECRET: { secret: true, ref: 'azure-kv://shop/bytelyst-{name}' }\nenvironments:\n  staging: { secrets: { from: [azure-kv] } }\n`,
    });
    const set = await runCli(["set", "JWT_SECRET", "--to", "azure-kv://shop/bytelyst-JWT_SECRET"], {
      cwd: dir,
      env: kv.env,
      input: "azure-jwt-canary-5150",
    });
    assert.equal(set.code, 0, set.stderr);
    // The seed's inventory name: JWT_SECRET lives in bytelyst-jwt-secret.
    assert.ok(kv.requests.includes("PUT /secrets/bytelyst-jwt-secret"), kv.requests.join());
    const run = await runCli(
      [
        "run",
        "--env",
        "staging",
        "--",
        process.execPath,
        "-e",
        "console.log(process.env.JWT_SECRET, process.env.JWT_SECRET.length, Object.keys(process.env).filter((k) => k.startsWith('AZURE_CLIENT_SECRET')).join())",
      ],
      { cwd: dir, env: kv.env },
    );
    assert.equal(run.code, 0, run.stderr);
    assert.equal(run.stdout, "<redacted:JWT_SECRET> 21 \n");
    assert.match(run.stderr, /AZURE_CLIENT_SECRET .*not passed to the command/);
    assert.ok(!`${run.stderr}${set.stderr}`.includes(kv.env.AZURE_CLIENT_SECRET as string));
    // A target naming only the vault means the secret named like the variable (mapped).
    const short = await runCli(["set", "API_TOKEN", "--to", "azure-kv://shop"], {
      cwd: dir,
      env: kv.env,
      input: "azure-short-canary",
    });
    assert.equal(short.code, 0, short.stderr);
    assert.ok(kv.requests.includes("PUT /secrets/api-token"), kv.requests.join());
    const explain = await runCli(["explain", "JWT_SECRET", "--env", "staging"], {
      cwd: dir,
      env: kv.env,
    });
    assert.match(explain.stdout, /azure-kv:\/\/shop\/bytelyst-JWT_SECRET/);
    assert.ok(!`${explain.stdout}${explain.stderr}`.includes("azure-jwt-canary"));
  });

  it("staging that allows azure-kv only refuses a secret from the environment, naming Key Vault", async () => {
    const dir = tempProject({
      "strongbox.config.yaml":
        "variables:\n  TOKEN: { secret: true }\nenvironments:\n  staging: { secrets: { from: [azure-kv] } }\n",
    });
    const check = await runCli(["check", "--env", "staging"], {
      cwd: dir,
      env: { ...kv.env, TOKEN: "from-env-canary" },
    });
    assert.equal(check.code, 4);
    assert.match(check.stderr, /may only come from Azure Key Vault/);
    assert.ok(!check.stderr.includes("from-env-canary"));
  });

  it("reads an older version by its id, the latest without one", async () => {
    const first = kv.setSecret("rotating", "version-one").split("/").at(-1) as string;
    kv.setSecret("rotating", "version-two");
    const [old, latest] = await read([
      `azure-kv://shop/rotating?version=${first}`,
      "azure-kv://shop/rotating",
    ]);
    assert.equal(value(old), "version-one");
    assert.equal(value(latest), "version-two");
  });

  it("a soft-deleted secret is reported as deleted and recoverable, not as missing", async () => {
    kv.setSecret("gone-soon", "deleted-canary-1234");
    kv.softDelete("gone-soon");
    const error = failure((await read(["azure-kv://shop/gone-soon"]))[0]);
    assert.equal(error.code, "E_PROVIDER");
    assert.match(error.message, /gone-soon in Azure Key Vault shop was deleted on \d{4}-\d\d-\d\d/);
    assert.match(error.hint ?? "", /az keyvault secret recover --vault-name shop --name gone-soon/);
    // Writing to the name again is refused by the service; the error says why.
    const provider = await azureKeyVaultProvider.create();
    assert.ok(canWrite(provider));
    await assert.rejects(
      provider.write(parseRef("azure-kv://shop/gone-soon"), "new-canary-5678", context()),
      (e: Error & { code?: string }) =>
        e.code === "E_PROVIDER" && /soft-deleted/.test(e.message) && !e.message.includes("canary"),
    );
  });

  it("a disabled secret is an error that says so", async () => {
    kv.setSecret("switched-off", "disabled-canary");
    kv.disable("switched-off");
    const error = failure((await read(["azure-kv://shop/switched-off"]))[0]);
    assert.match(error.message, /switched-off in Azure Key Vault shop is disabled/);
  });

  it("a 429 without Retry-After is retried (the SDK would not), and a lasting one is transient", async () => {
    kv.setSecret("busy", "throttled-value");
    kv.fail(429, 2);
    assert.equal(value((await read(["azure-kv://shop/busy"]))[0]), "throttled-value");
    kv.fail(429, 100);
    const error = failure((await read(["azure-kv://shop/busy"]))[0]);
    kv.fail(429, 0);
    assert.equal(error.code, "E_PROVIDER_UNAVAILABLE");
    assert.ok(azureKeyVaultProvider.transient?.includes("E_PROVIDER_UNAVAILABLE"));
  });

  it("a batch is one GET per distinct secret, however many refs name it", async () => {
    const names = Array.from({ length: 40 }, (_, i) => `batch-${i}`);
    for (const name of names) kv.setSecret(name, `value-${name}`);
    const before = kv.requests.length;
    const texts = [...names, ...names].map((name) => `azure-kv://shop/${name}`);
    const results = await read(texts);
    results.forEach((result, i) => {
      assert.equal(value(result), `value-${names[i % 40]}`);
    });
    const made = kv.requests.slice(before);
    assert.equal(made.filter((r) => r.startsWith("GET /secrets/batch-")).length, 40);
    // One bearer challenge for the whole batch: the first get goes alone, the rest reuse its token.
    assert.equal(made.filter((r) => r.startsWith("challenge")).length, 1, made.join("\n"));
  });

  it("a redirect to another host is not followed, and that host never sees a token", async () => {
    const seen: string[] = [];
    const other = createServer(
      { key: readFileSync(kv.keyFile), cert: readFileSync(kv.caFile) },
      (req, res) => {
        seen.push(`${req.method} ${req.url} auth=${req.headers.authorization ?? "none"}`);
        res.writeHead(200, { "content-type": "application/json" }).end('{"value":"hostile"}');
      },
    );
    await new Promise<void>((resolve) => other.listen(0, "127.0.0.1", resolve));
    try {
      kv.setSecret("moved", "moved-value");
      const port = (other.address() as AddressInfo).port;
      kv.fail(307, 1, { location: `https://127.0.0.1:${port}/secrets/moved/` });
      const [result] = await read(["azure-kv://shop/moved"]);
      assert.notEqual(value(result), "hostile");
      assert.deepEqual(seen, []);
    } finally {
      kv.fail(307, 0);
      other.close();
    }
  });

  it("a plain-http vault URL is refused unless azure.allowInsecure, which warns in pure mode", async () => {
    const http = context({ vaults: { shop: kv.url.replace("https:", "http:") } });
    const refused = failure((await read(["azure-kv://shop/busy"], http))[0]);
    assert.match(refused.message, /is not https:\/\/, so a token would travel in clear/);
    const warnings: string[] = [];
    const allowed = {
      ...context({ vaults: { shop: kv.url.replace("https:", "http:") }, allowInsecure: true }),
      strictTransport: true,
      warn: (message: string) => warnings.push(message),
    };
    await read(["azure-kv://shop/busy"], allowed);
    assert.match(warnings.join(), /pure Azure Key Vault mode runs with azure.allowInsecure/);
  });

  it("rotation: a new version, then the old one disabled once finished", async () => {
    const { rotateSecret, finishRotation } = await import("../../src/lifecycle/rotate.js");
    const oldId = kv.setSecret("api-signing", "azure-rotate-canary").split("/").at(-1) as string;
    const ctx = {
      config: {
        azure: { vaults: { shop: kv.url }, caFile: kv.caFile },
        variables: {
          API_SIGNING: {
            secret: true,
            ref: "azure-kv://shop/{name}",
            rotation: { every: "30d", generator: "uuid" },
          },
        },
      } as never,
      baseDir: tempProject(),
      environment: "staging",
      processEnv: { ...kv.env, HOME: tempProject() },
    };
    const rotated = await rotateSecret("API_SIGNING", ctx);
    assert.equal(rotated.previous, oldId);
    assert.match(
      value((await read(["azure-kv://shop/api-signing"]))[0]) as string,
      /^[0-9a-f-]{36}$/,
    );
    assert.equal(
      value((await read([`azure-kv://shop/api-signing?version=${oldId}`]))[0]),
      "azure-rotate-canary",
    );
    // The app is given the previous value during the overlap, as the rotate message says.
    const { resolveConfig } = await import("../../src/resolve/drive.js");
    const previous = async () =>
      (
        await resolveConfig(ctx.config, { environment: "staging", processEnv: ctx.processEnv })
      ).entries.find((entry) => entry.name === "API_SIGNING_PREVIOUS")?.raw;
    assert.equal(await previous(), "azure-rotate-canary");
    const finished = await finishRotation("API_SIGNING", ctx, { force: true });
    assert.deepEqual(finished.retired, [oldId]);
    assert.equal(await previous(), undefined, "a finished rotation has no previous value");
    const old = failure((await read([`azure-kv://shop/api-signing?version=${oldId}`]))[0]);
    assert.match(old.message, /is disabled/);
  });

  it("maps variable names to Key Vault names and refuses what Key Vault cannot name", () => {
    assert.equal(keyVaultSecretName("JWT_SECRET"), "jwt-secret");
    assert.equal(keyVaultSecretName("bytelyst-jwt-secret"), "bytelyst-jwt-secret");
    for (const text of [
      "azure-kv://shop/a/b",
      "azure-kv://shop/..%2Fadmin",
      "azure-kv://shop/dots.not.allowed",
      "azure-kv://x/secret",
      "azure-kv://shop--double/secret",
      "azure-kv://shop/secret#KEY",
      "azure-kv://shop/secret?version=1",
      "azure-kv://shop/secret?version=prev",
      "azure-kv://shop/secret?stage=AWSPREVIOUS",
    ])
      assert.throws(() => azureKeyVaultProvider.validateRef(parseRef(text), "V"), {
        code: "E_REF",
      });
  });

  it("checks the azure: config section", () => {
    const check = providerConfigs().find((section) => section.key === "azure");
    assert.ok(check);
    assert.deepEqual(check.validate({ vaults: { shop: "https://shop.vault.azure.net" } }), []);
    const problems = check
      .validate({ vaults: { shop: "shop.vault.azure.net" }, region: "x", caFile: 1 })
      .map((problem) => problem.message);
    assert.equal(problems.length, 3, problems.join("\n"));
    assert.match(problems.join("\n"), /azure.vaults.shop: must be a base URL/);
  });
});
