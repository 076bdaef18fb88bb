// Answers a server that is not Vault gives, which look enough like Vault's
// to have read as "not found" (E_MISSING, hint `bao kv put`): an SSO proxy's
// redirect, an empty read, and JSON whose `data`/`errors` are another API's.
// The one rule (judgeAnswer, applied in VaultHttp.send) says "not Vault" for
// each; doctor, check and run all report it. One row per shape.
import assert from "node:assert/strict";
import { createServer, type IncomingMessage, type ServerResponse } from "node:http";
import { describe, it } from "node:test";
import { judgeAnswer } from "../../src/vault/answer.js";
import { Journey } from "../helpers/journey.js";
import { type Listening, listenLoopback } from "../helpers/loopback.js";

const CONFIG = `vault: { allowInsecure: true }
variables:
  DB_PASSWORD: { secret: true, ref: 'vault://secret/app#db_password' }
`;
const json = (status: number, body: unknown) => (_: IncomingMessage, res: ServerResponse) =>
  res.writeHead(status, { "content-type": "application/json" }).end(JSON.stringify(body));

const SHAPES: Readonly<Record<string, (req: IncomingMessage, res: ServerResponse) => void>> = {
  "an SSO proxy's 302 to /login, empty body": (_, res) =>
    res.writeHead(302, { location: "/login" }).end(),
  "a 301 to the same origin with a Vault-looking body": (_, res) =>
    res
      .writeHead(301, { location: "/v1/elsewhere", "content-type": "application/json" })
      .end(JSON.stringify({ request_id: "x", data: {} })),
  "a 200 with an empty body to a read": (_, res) => res.writeHead(200).end(),
  "a 404 with an empty body to a read": (_, res) => res.writeHead(404).end(),
  '{"data":null}': json(200, { data: null }),
  "GraphQL data null with error objects": json(200, {
    data: null,
    errors: [{ message: "not found", path: ["secret"] }],
  }),
  '{"data":"hello"}': json(200, { data: "hello" }),
  '{"data":[1,2]}': json(200, { data: [1, 2] }),
  "JSON:API 404 with error objects": json(404, {
    errors: [{ status: "404", title: "Not Found" }],
  }),
  '{"errors":"not found"} (a string, not an array)': json(404, { errors: "not found" }),
};

describe("answers that are not Vault's are named as such, never as a missing secret", () => {
  it("judgeAnswer: Vault's own shapes still pass", () => {
    const vault = [
      [{ errors: [] }, 404, "GET"],
      [{ errors: ["permission denied"] }, 403, "GET"],
      [{ request_id: "r", data: { data: { k: "v" }, metadata: {} } }, 200, "GET"],
      [{ request_id: "r", data: null, warnings: ["w"] }, 200, "GET"],
      [{ request_id: "r", auth: { client_token: "t" } }, 200, "POST"],
      [{ initialized: true, sealed: false, standby: false }, 200, "GET"],
    ] as const;
    for (const [body, status, method] of vault)
      assert.equal(
        judgeAnswer(JSON.stringify(body), "application/json", { method, status }).foreign,
        undefined,
        JSON.stringify(body),
      );
    for (const method of ["POST", "PUT", "PATCH", "DELETE"])
      assert.equal(judgeAnswer("", undefined, { method, status: 204 }).foreign, undefined, method);
  });

  it("judgeAnswer: a redirect not followed, or an empty body to a read, is not Vault's", () => {
    for (const status of [301, 302, 303, 307, 308])
      for (const text of ["", JSON.stringify({ request_id: "r", data: {} })])
        assert.notEqual(judgeAnswer(text, undefined, { method: "GET", status }).foreign, undefined);
    for (const status of [200, 204, 404])
      assert.notEqual(judgeAnswer(" ", undefined, { method: "GET", status }).foreign, undefined);
  });

  for (const [what, shape] of Object.entries(SHAPES))
    it(`${what}: doctor, check and run say not Vault`, async () => {
      const server: Listening = await listenLoopback(createServer(shape));
      try {
        const j = new Journey(`not Vault: ${what}`, {
          files: { "strongbox.config.yaml": CONFIG },
          env: { VAULT_ADDR: server.addr, VAULT_TOKEN: "s.foreign-answer-token" },
        }).canary("s.foreign-answer-token");
        const notVault = new RegExp(`${server.addr.replace(/\./g, "\\.")} is not Vault`);
        const never = [/bao kv put/, /has no key/, /no secret at/, /E_MISSING/];
        await j.step(["doctor"], {
          code: 4,
          stderr: [new RegExp(`✗ vault: .*${notVault.source}`)],
          not: never,
        });
        for (const args of [["check"], ["run", "--", "true"]])
          await j.step(args, { code: 4, stderr: [notVault, /\(E_VAULT\)/], not: never });
      } finally {
        await server.close();
      }
    });
});
