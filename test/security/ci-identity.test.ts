// Red team (issue 28 pass): a schema that declared ACTIONS_ID_TOKEN_REQUEST_TOKEN
// handed the runner's OIDC request token to the child, as any credential the
// schema declares on purpose. The CI job's identity request is the exception:
// no spelling of it may be declared (src/config/check-schema.ts, by
// isCiIdentityVariable in src/security/credentials.ts). Generated over the
// names' spellings and each place a schema names a variable it reads.
import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { checkSchema } from "../../src/config/check-schema.js";
import type { ConfigSpec } from "../../src/schema/types.js";
import { runCli, tempProject } from "../helpers/cli.js";
import { RESPELLINGS } from "../helpers/credential-names.js";

const CI = ["ACTIONS_ID_TOKEN_REQUEST_TOKEN", "ACTIONS_ID_TOKEN_REQUEST_URL"];
const spellings = CI.flatMap((name) =>
  [name, `PRODUCTION_${name}`, `${name}_FILE`, `__${name}`].flatMap((variant) => [
    variant,
    variant.toLowerCase(),
    ...RESPELLINGS.map((respell) => respell(variant)),
  ]),
);

describe("the CI job's identity request is never an application value (red team, issue 28)", () => {
  it("no spelling can be declared as a name, an env name or an alias", () => {
    for (const spelled of spellings)
      for (const variable of [
        { name: spelled, spec: { secret: true } },
        { name: "APP_TOKEN", spec: { secret: true, env: spelled } },
        { name: "APP_TOKEN", spec: { secret: true, aliases: [spelled] } },
      ]) {
        const issues = checkSchema({
          variables: { [variable.name]: variable.spec },
        } as unknown as ConfigSpec);
        assert.ok(
          issues.some((i) => i.code === "E_SCHEMA"),
          `${JSON.stringify(variable)} was accepted`,
        );
      }
  });

  it("a name that only contains the words is still an ordinary variable", () => {
    const issues = checkSchema({
      variables: { ACTIONS_ID_TOKEN_REQUEST_TOKENS_SEEN: { default: "1" } },
    } as unknown as ConfigSpec);
    assert.deepEqual(issues, []);
  });

  it("run refuses the config and the child never sees the request token", async () => {
    const dir = tempProject({
      "strongbox.config.yaml":
        "variables:\n  ACTIONS_ID_TOKEN_REQUEST_TOKEN: { secret: true }\n  ACTIONS_ID_TOKEN_REQUEST_URL: {}\n",
    });
    const result = await runCli(
      [
        "run",
        "--",
        process.execPath,
        "-e",
        "console.log('child ran', process.env.ACTIONS_ID_TOKEN_REQUEST_TOKEN)",
      ],
      {
        cwd: dir,
        env: {
          ACTIONS_ID_TOKEN_REQUEST_URL: "https://runner.invalid/token",
          ACTIONS_ID_TOKEN_REQUEST_TOKEN: "reqtok-canary-0b7d",
        },
      },
    );
    assert.notEqual(result.code, 0);
    assert.match(
      result.stderr,
      /ACTIONS_ID_TOKEN_REQUEST_TOKEN is the CI job's OIDC identity request/,
    );
    assert.doesNotMatch(result.stdout, /child ran/);
  });
});
