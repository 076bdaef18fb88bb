// Journey 3 (issue 26), the agent's part of seed 000's layout: a store-only project gets
// its daily rotation from the agent (agent.yaml with only `rotation:`), and a template of
// `{{ strongbox "X" }}` calls renders alike under `render` and the agent. Real child
// processes; no value in any output.
import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { describe, it } from "node:test";
import { Journey } from "../helpers/journey.js";

const SESSION_CANARY = "agent-sidecar-session-canary-7a3d";
const API_CANARY = "agent-sidecar-api-canary-41be";

const STORE_CONFIG = `variables:
  SESSION_SECRET:
    secret: true
    ref: "store://SESSION_SECRET"
    rotation: { every: 1s, generator: "hex:16", overlap: 0s, soak: 0s }
  API_KEY: { secret: true, ref: "store://API_KEY" }
  PORT: { default: "8080" }
`;

const TEMPLATE = `API_KEY={{ strongbox "API_KEY" }}
PORT={{ strongbox "PORT" }}
`;

describe("journey: the agent in a store-only project", () => {
  it("a rotation-only agent.yaml rotates what is due; the agent renders {{ strongbox }} as render does", async () => {
    const j = new Journey("store-only agent", {
      files: { "strongbox.config.yaml": STORE_CONFIG, "app.ctmpl": TEMPLATE },
    }).canary(SESSION_CANARY, API_CANARY);
    await j.step(["init"]);
    await j.step(["set", "SESSION_SECRET"], { input: SESSION_CANARY });
    await j.step(["set", "API_KEY"], { input: API_CANARY });

    j.note("the daily job, run by the agent: agent.yaml has only rotation:");
    j.write({ "agent.yaml": "rotation: { env: local, every: 24h }\n" });
    await new Promise((done) => setTimeout(done, 1100));
    await j.step(["agent", "--once", "--log-format", "json"], {
      stderr: [/"event":"rotated"/, /SESSION_SECRET/],
      not: [/no templates/, /VAULT_ADDR/],
    });
    const rotated = await j.step(["get", "SESSION_SECRET"], { stdout: [/^[0-9a-f]{32}\s*$/] });
    assert.ok(!rotated.stdout.includes(SESSION_CANARY), "the agent rotated the due secret");

    j.note("one template, rendered by render and by the agent: the same bytes");
    await j.step(["render", "-i", "app.ctmpl", "-o", "by-render.env"]);
    j.write({
      "agent.yaml": "templates:\n  - { source: app.ctmpl, destination: by-agent.env }\n",
    });
    await j.step(["agent", "--once"], { not: [/E_TEMPLATE/, /not defined/] });
    const byRender = readFileSync(join(j.dir, "by-render.env"), "utf8");
    assert.equal(byRender, `API_KEY=${API_CANARY}\nPORT=8080\n`);
    assert.equal(readFileSync(join(j.dir, "by-agent.env"), "utf8"), byRender);

    j.note("a template that reads Vault, with no Vault configured: a clear error, not a crash");
    j.write({
      "vault.ctmpl": '{{ with secret "secret/data/app" }}{{ .Data.data.X }}{{ end }}\n',
      "agent.yaml": "templates:\n  - { source: vault.ctmpl, destination: v.env }\n",
    });
    await j.step(["agent", "--once"], {
      code: 10,
      stderr: [/no Vault address: VAULT_ADDR/],
    });
  });
});
