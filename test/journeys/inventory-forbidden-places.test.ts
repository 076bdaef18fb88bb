// Issue 26, smaller items: `inventory` and the dashboard judge where a secret
// lives by ONE rule (the policy resolution enforces), and a secret its store
// never held is "never set", not due since 1970.
import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { checkPolicy } from "../../src/environments/policy.js";
import { selectEnvironment } from "../../src/environments/select.js";
import { inventory } from "../../src/lifecycle/inventory.js";
import { declaredPlace } from "../../src/resolve/declared-place.js";
import type { ConfigSpec } from "../../src/schema/types.js";
import { tempProject } from "../helpers/cli.js";
import { Journey } from "../helpers/journey.js";

const CONFIG = `environments:
  local: {}
  production: { secrets: { from: [vault] } }
variables:
  SESSION_KEY:
    secret: true
    ref: "store://SESSION_KEY"
    rotation: { every: 90d, generator: "bytes:32" }
  API_TOKEN:
    secret: true
    ref: "store://API_TOKEN"
    rotation: { every: 30d }
`;
const VALUE = "inventory-canary-5d1e07";

describe("journey: inventory and the dashboard agree on forbidden places and never-set secrets", () => {
  it("a production secret in the store is FORBIDDEN in inventory as run refuses it; never stored is never set", async () => {
    const j = new Journey("inventory", { files: { "strongbox.config.yaml": CONFIG } }).canary(
      VALUE,
    );
    await j.step(["init"]);
    await j.step(["set", "SESSION_KEY"], { input: VALUE });
    j.note("production allows only Vault: run refuses the store's value there");
    await j.step(["run", "--env", "production", "--", process.execPath, "-e", ""], {
      code: 4,
      stderr: [/E_FORBIDDEN_SOURCE/],
    });
    await j.step(["inventory"], {
      stdout: [
        /SESSION_KEY .*production: store:\/\/SESSION_KEY \(not allowed here\).*FORBIDDEN in production/,
        /API_TOKEN .*never set.*never set/,
      ],
      not: [/1970/, /API_TOKEN.*OVERDUE/],
    });
    await j.step(["inventory", "--check"], { code: 4 });
    const json = await j.step(["inventory", "--json"]);
    const rows = JSON.parse(json.stdout).secrets as Array<Record<string, unknown>>;
    const api = rows.find((row) => row.name === "API_TOKEN");
    assert.deepEqual([api?.neverSet, api?.overdue, api?.nextDue], [true, false, undefined]);
    assert.deepEqual(rows.find((row) => row.name === "SESSION_KEY")?.forbiddenIn, ["production"]);
    j.note("the dashboard's inventory page says the same");
  });

  it("generated: for every source kind and policy, inventory, the dashboard matrix and resolution's policy agree", async () => {
    const kinds: Array<[string, string]> = [
      ["store://X", "store"],
      ["vault://secret/app#X", "vault"],
      ["file://x.txt", "file"],
      ["aws-sm://app/x", "aws-sm"],
      // no ref, a schema default: a source too (production never allows it)
      ["default", "default"],
    ];
    const policies = [["vault"], ["store"], ["vault", "store"], ["file"], []];
    for (const [ref, kind] of kinds)
      for (const from of policies) {
        const config = {
          environments: { local: {}, production: { secrets: { from } } },
          variables: {
            X: ref === "default" ? { secret: true, default: "dev-only" } : { secret: true, ref },
          },
        } as unknown as ConfigSpec;
        const dir = tempProject();
        const processEnv = { HOME: dir };
        const policy = selectEnvironment(config, "production", processEnv);
        const refused =
          checkPolicy(policy, {
            variable: "X",
            secret: true,
            source: kind,
            place: ref,
            inline: false,
          }) !== undefined;
        const cell = declaredPlace("X", config, "production", policy, { baseDir: dir, processEnv });
        const [row] = await inventory({ config, baseDir: dir, environment: "local", processEnv });
        const label = `${ref} with secrets.from [${from.join(", ")}]`;
        assert.equal(cell.state === "forbidden", refused, `dashboard: ${label}`);
        assert.equal(row?.forbiddenIn.includes("production"), refused, `inventory: ${label}`);
      }
  });
});
