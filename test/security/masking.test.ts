// Issue 9, item 22: masking the forms a secret is really printed in.
import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { createRedactor } from "../../src/redact/redactor.js";
import { CLI, runCli, tempProject } from "../helpers/cli.js";
import { onTerminal } from "../helpers/pty.js";

const SECRET = "s3cr3t-Canary-Value-42";

describe("masking (issue 9.22)", () => {
  const redactor = createRedactor([{ name: "API_TOKEN", value: SECRET }]);

  it("masks the Basic-auth base64 of user:SECRET at every alignment", () => {
    for (const user of ["u", "us", "use", "admin", "service-account"]) {
      const header = Buffer.from(`${user}:${SECRET}`).toString("base64");
      const masked = redactor.redact(`Authorization: Basic ${header}`);
      assert.match(masked, /<redacted:API_TOKEN>/, user);
      // What is left around the mask is the user's part and at most two bytes of the secret at each end.
      const [before = "", after = ""] = masked
        .replace("Authorization: Basic ", "")
        .split("<redacted:API_TOKEN>");
      assert.ok(before.length <= Math.ceil((user.length + 1) / 3) * 4 + 4, `${user}: ${before}`);
      assert.ok(after.length <= 8, `${user}: ${after}`);
    }
  });

  it("masks hex, upper-cased and lower-cased forms", () => {
    for (const form of [
      Buffer.from(SECRET).toString("hex"),
      Buffer.from(SECRET).toString("hex").toUpperCase(),
      SECRET.toUpperCase(),
      SECRET.toLowerCase(),
    ])
      assert.equal(redactor.redact(`x ${form} y`), "x <redacted:API_TOKEN> y", form);
  });

  it("warns at resolution about secrets too short to mask", async () => {
    const dir = tempProject({
      "strongbox.config.yaml": "variables:\n  PIN: { secret: true }\n",
      ".env": "PIN=123\n",
    });
    const check = await runCli(["check"], { cwd: dir });
    assert.match(check.stderr, /warning: PIN is a secret of 3 characters: too short to mask/);
  });

  it("does not mask a terminal by default, and does with --mask-terminal", async () => {
    const dir = tempProject({
      "strongbox.config.yaml": "variables:\n  API_TOKEN: { secret: true }\n",
      ".env": `API_TOKEN=${SECRET}\n`,
    });
    const print = [process.execPath, "-e", "console.log('token', process.env.API_TOKEN)"];
    const plain = await onTerminal([process.execPath, CLI, "run", "--", ...print], {
      cwd: dir,
      after: "never",
      keys: "",
    });
    assert.match(plain.output, new RegExp(`token ${SECRET}`));
    const masked = await onTerminal(
      [process.execPath, CLI, "run", "--mask-terminal", "--", ...print],
      {
        cwd: dir,
        after: "never",
        keys: "",
      },
    );
    assert.match(masked.output, /token <redacted:API_TOKEN>/);
  });
});
