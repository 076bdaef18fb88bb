// Issue 26, smaller items: CI pins the team store from outside
// (STRONGBOX_STORE_FINGERPRINT); its key is checked against that pin, so the
// "first use … pinned its key" notice (trust on first use) would be false
// there and is not printed. A machine without the pin still hears it, and a
// pin that does not match is still refused.
import { join } from "node:path";
import { describe, it } from "node:test";
import { tempProject } from "../helpers/cli.js";
import { Journey } from "../helpers/journey.js";

const CONFIG = `variables:
  DB_PASSWORD: { secret: true, ref: 'store://DB_PASSWORD' }
`;
const VALUE = "ci-pin-canary-77e0aa";
const PRINT = [
  "--",
  process.execPath,
  "-e",
  "process.stdout.write(process.env.DB_PASSWORD ? 'has-value' : 'empty')",
];

describe("journey: CI with STRONGBOX_STORE_FINGERPRINT hears no trust-on-first-use notice", () => {
  it("keygen, init --recipient, set, fingerprint; CI runs pinned (quiet), unpinned (notice), mis-pinned (refused)", async () => {
    const j = new Journey("ci-pin", { files: { "strongbox.config.yaml": CONFIG } }).canary(VALUE);
    const alice = { HOME: tempProject() };
    const key = (await j.step(["keygen"], { env: alice })).stdout.trim();
    await j.step(["init", "--recipient", `alice=${key}`], { env: alice });
    await j.step(["set", "DB_PASSWORD"], { env: alice, input: VALUE });
    const pin = (await j.step(["recipients", "fingerprint"], { env: alice })).stdout.trim();
    const ci = (extra: Record<string, string>) => ({
      HOME: tempProject(),
      STRONGBOX_IDENTITY_FILE: join(alice.HOME, ".config/strongbox/identities"),
      ...extra,
    });
    j.note("CI: a fresh home every job, the pin given from outside");
    await j.step(["run", ...PRINT], {
      env: ci({ STRONGBOX_STORE_FINGERPRINT: pin }),
      stdout: [/has-value/],
      not: [/first use/, /pinned its key/],
    });
    await j.step(["run", ...PRINT], {
      env: ci({ STRONGBOX_STORE_FINGERPRINT: `${"A".repeat(43)}, ${pin}` }),
      stdout: [/has-value/],
      not: [/first use/],
    });
    j.note("a machine without the pin trusts on first use, and says so");
    await j.step(["run", ...PRINT], {
      env: ci({}),
      stdout: [/has-value/],
      stderr: [/first use of the team store/],
    });
    await j.step(["run", ...PRINT], {
      env: ci({ STRONGBOX_STORE_FINGERPRINT: "A".repeat(43) }),
      code: 4,
      stderr: [/E_STORE_TAMPERED/],
      not: [/has-value/],
    });
  });
});
