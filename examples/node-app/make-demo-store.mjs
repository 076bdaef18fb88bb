// Creates the example's encrypted store with freshly generated demo secrets,
// once, through the real CLI: `strongbox init` makes a master key on the spot
// (in ~/.config/strongbox/keys, mode 0600), and each secret goes in through
// stdin, never the command line.
import { execFileSync } from "node:child_process";
import { randomBytes } from "node:crypto";
import { existsSync } from "node:fs";
import { fileURLToPath } from "node:url";

const here = fileURLToPath(new URL(".", import.meta.url));
const cli =
  process.env.STRONGBOX_CLI ??
  fileURLToPath(new URL("../../dist/bundle/strongbox.cjs", import.meta.url));
const strongbox = (args, input) =>
  execFileSync(process.execPath, [cli, ...args], {
    cwd: here,
    input,
    stdio: ["pipe", "ignore", "inherit"],
  });

if (!existsSync(new URL(".strongbox/keyring.sbx", import.meta.url))) {
  strongbox(["init"]);
  const token = (bytes) => randomBytes(bytes).toString("base64url");
  const secrets = {
    DATABASE_URL: `postgres://shop:${token(12)}@localhost:5432/shop`,
    SESSION_SECRET: token(32),
    STRIPE_API_KEY: `sk_test_${randomBytes(12).toString("hex")}`,
  };
  for (const [name, value] of Object.entries(secrets))
    strongbox(["set", name, "--description", `demo ${name}`], value);
}
