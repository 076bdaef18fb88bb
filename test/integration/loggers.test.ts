// The `strongbox/redact` integrations with the real logging libraries (issue 12):
// a request log line with an email, a card number and a secret comes out scrubbed.
import assert from "node:assert/strict";
import { Console } from "node:console";
import { PassThrough } from "node:stream";
import { describe, it } from "node:test";
import pino from "pino";
import winston from "winston";
import {
  clientSafeError,
  logRedactorFor,
  patchConsole,
  pinoRedaction,
  winstonRedaction,
} from "../../src/api/redact.js";
import { loadConfig } from "../../src/project/load.js";
import { runCli, tempProject } from "../helpers/cli.js";

const SECRET = "sk_live_canary_4eC39HqLyjWDarjtT1zdp7dc";
const schema = {
  piiFields: ["email", "name", "phone"],
  variables: {
    STRIPE_KEY: { secret: true },
    OPS_EMAIL: { pii: true },
  },
};
// The card in each of its spellings; not "4111" alone, which a millisecond timestamp can hold.
const FORBIDDEN = [
  SECRET,
  "ada@example.com",
  "4111 1111",
  "4111-1111",
  "41111111",
  "Ada Lovelace",
  "oncall@shop.test",
];

async function redactor() {
  const config = await loadConfig(schema, {
    processEnv: { HOME: "/nonexistent", STRIPE_KEY: SECRET, OPS_EMAIL: "oncall@shop.test" },
    audit: { write() {} },
  });
  return logRedactorFor(schema, config);
}

function sink(): { stream: PassThrough; text: () => string } {
  const stream = new PassThrough();
  const chunks: Buffer[] = [];
  stream.on("data", (chunk: Buffer) => chunks.push(chunk));
  return { stream, text: () => Buffer.concat(chunks).toString("utf8") };
}

function assertClean(text: string) {
  for (const leak of FORBIDDEN) assert.ok(!text.includes(leak), `${leak} leaked into: ${text}`);
}

describe("logger integrations (real pino, winston and console)", () => {
  it("pino: message, interpolation, merging object, child bindings and errors are scrubbed", async () => {
    const out = sink();
    const log = pino({ name: "shop-api", ...pinoRedaction(await redactor()) }, out.stream);
    const child = log.child({ user: { email: "ada@example.com", name: "Ada Lovelace" } });
    child.info(
      {
        req: { method: "POST", url: "/signup", headers: { authorization: `Bearer ${SECRET}` } },
        body: { email: "ada@example.com", card: "4111 1111 1111 1111" },
      },
      "signup from %s paying with %s",
      "ada@example.com",
      "4111-1111-1111-1111",
    );
    log.error(new Error(`charge failed for ada@example.com with key ${SECRET}`));
    log.warn("paging oncall@shop.test");
    await new Promise((resolve) => setImmediate(resolve));
    const text = out.text();
    assertClean(text);
    const [first, second, third] = text
      .trim()
      .split("\n")
      .map((line) => JSON.parse(line));
    assert.equal(first.msg, "signup from <redacted:email> paying with <redacted:card>");
    assert.equal(first.user.email, "<redacted:email>");
    assert.equal(first.body.card, "<redacted:card>");
    assert.equal(first.req.headers.authorization, "Bearer <redacted:STRIPE_KEY>");
    assert.match(second.msg ?? second.message ?? JSON.stringify(second), /<redacted:email>/);
    assert.equal(third.msg, "paging <redacted:OPS_EMAIL>");
    assert.equal(third.name, "shop-api", "pino's own name key is not taken for personal data");
  });

  it("winston: fields, splat arguments and the formatted line are scrubbed", async () => {
    const out = sink();
    const log = winston.createLogger({
      format: winston.format.combine(
        winston.format.splat(),
        winstonRedaction(await redactor()),
        winston.format.json(),
      ),
      transports: [new winston.transports.Stream({ stream: out.stream })],
    });
    log.info("signup from %s", "ada@example.com", {
      name: "Ada Lovelace",
      card: "4111111111111111",
      token: SECRET,
    });
    log.error(`failed for ada@example.com: key ${SECRET}`);
    await new Promise((resolve) => setTimeout(resolve, 50));
    const text = out.text();
    assertClean(text);
    const first = JSON.parse(text.split("\n")[0] as string);
    assert.equal(first.message, "signup from <redacted:email>");
    assert.equal(first.name, "<redacted:name>");
    assert.equal(first.token, "<redacted:STRIPE_KEY>");
  });

  it("console: a patched console scrubs; restoring it stops", async () => {
    const out = sink();
    const target = new Console({ stdout: out.stream, stderr: out.stream });
    const restore = patchConsole(await redactor(), target);
    target.log("card %s for", "4111 1111 1111 1111", { email: "ada@example.com" });
    target.error(new Error(`boom ${SECRET}`));
    restore();
    target.log("after restore: plain@example.org");
    await new Promise((resolve) => setImmediate(resolve));
    const text = out.text();
    assertClean(text);
    assert.match(text, /card <redacted:card> for/);
    assert.match(text, /after restore: plain@example\.org/);
  });

  it("a client-safe error hides an unknown error and keeps a Strongbox one, scrubbed", async () => {
    const safe = clientSafeError(
      new Error(`insert failed for ada@example.com ${SECRET}`),
      await redactor(),
    );
    assert.equal(safe.message, "internal error");
    assertClean(JSON.stringify(safe));
  });
});

describe("run masks pii variables like secrets (one redactor)", () => {
  it("a pii: true value printed by the child is masked, and toJSON hides it", async () => {
    const dir = tempProject({
      "strongbox.config.yaml":
        "variables:\n  OPS_EMAIL: { pii: true }\n  PORT: { type: port, default: 8080 }\n",
    });
    const run = await runCli(["run", "--", "sh", "-c", 'echo "mail $OPS_EMAIL on $PORT"'], {
      cwd: dir,
      env: { OPS_EMAIL: "oncall@shop.test" },
    });
    assert.equal(run.code, 0, run.stderr);
    assert.equal(run.stdout, "mail <redacted:OPS_EMAIL> on 8080\n");
    const config = await loadConfig(
      { variables: { OPS_EMAIL: { pii: true } } },
      { processEnv: { OPS_EMAIL: "oncall@shop.test" }, audit: { write() {} } },
    );
    assert.equal(config.OPS_EMAIL, "oncall@shop.test");
    assert.equal(JSON.stringify(config), '{"OPS_EMAIL":"[redacted]"}');
  });

  it("pii and public together are refused by the schema check", async () => {
    const dir = tempProject({
      "strongbox.config.yaml": "variables:\n  OPS_EMAIL: { pii: true, public: true }\n",
    });
    const check = await runCli(["check"], { cwd: dir, env: { OPS_EMAIL: "x@y.io" } });
    assert.notEqual(check.code, 0);
    assert.match(check.stderr, /cannot be both `pii` and `public`/);
  });
});
