// Issue 26, smaller items: `diff` without --live reads what an environment
// declares as `run` would pick it, so a `.env` line that names a reference
// (`DB_PASSWORD=store://DB_PASSWORD`, as `import --rewrite` writes it, or a
// vault:// one) is the declaration, not the schema's fallback.
import { describe, it } from "node:test";
import { Journey } from "../helpers/journey.js";

const CONFIG = `project: shop
environments:
  local: { files: [.env] }
  staging: { files: [.env.staging] }
variables:
  DB_PASSWORD: { secret: true }
  API_URL: { type: url, default: "https://api.example.test" }
  SESSION_KEY: { secret: true, required: false, ref: "store://SESSION_KEY" }
`;
const VALUE = "diff-dotenv-canary-31f";

describe("journey: diff declares what run reads, .env references included", () => {
  it("import --rewrite writes store:// refs into .env; diff shows them, and a vault:// ref in another .env", async () => {
    const j = new Journey("diff-dotenv", {
      files: {
        "strongbox.config.yaml": CONFIG,
        ".env": `DB_PASSWORD=${VALUE}\nAPI_URL=https://local.example.test\n`,
        ".env.staging": "DB_PASSWORD=vault://secret/shop/staging/db#DB_PASSWORD\n",
      },
    }).canary(VALUE);
    await j.step(["init"]);
    await j.step(["import", ".env", "--rewrite"], { stderr: [/DB_PASSWORD/] });
    await j.step([
      "run",
      "--",
      process.execPath,
      "-e",
      "process.exit(process.env.DB_PASSWORD ? 0 : 9)",
    ]);
    await j.step(["diff", "local", "staging"], {
      code: 1,
      stdout: [
        /DB_PASSWORD .*store:\/\/DB_PASSWORD \(\.env line 1\).*vault:\/\/secret\/shop\/staging\/db#DB_PASSWORD \(\.env\.staging line 1\)/,
        /API_URL .*\.env line 2.*default/,
      ],
      not: [/DB_PASSWORD .*environment/],
    });
    await j.step(["diff", "local", "staging", "--format", "json"], {
      code: 1,
      stdout: [/"declared": "store:\/\/DB_PASSWORD \(\.env line 1\)"/],
    });
  });
});
