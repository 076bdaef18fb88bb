import { generateSecret, parseGenerator } from "../../api/lifecycle.js";
import { StrongboxError } from "../../errors.js";
import type { Command } from "../command.js";
import { EXIT_OK } from "../exit-codes.js";
import { writeData } from "../io.js";

/** `strongbox generate-secret KIND`: a new random secret on stdout, for a pipe into `set`. */
export const generateSecretCommand: Command = {
  name: "generate-secret",
  options: {
    public: { type: "boolean" },
    jwk: { type: "boolean" },
    help: { type: "boolean", short: "h" },
  },
  usage: `Usage: strongbox generate-secret KIND [--public]

Prints a new secret on standard output, to pipe into a store without it ever
touching argv, a log or a file:  strongbox generate-secret bytes:32 | strongbox set API_KEY

KIND:
  bytes[:N] | base64url[:N]   N random bytes (default 32), base64url
  hex[:N] | base64[:N]        N random bytes, hex or base64
  password[:N]                N characters (default 32) with lower, upper, digits and symbols
  uuid                        a random UUID (v4)
  ed25519 | x25519 | rsa | ecdsa   a private key, PKCS#8 PEM
  wireguard                   a WireGuard private key (base64, clamped, as wg genkey)

Options:
      --public        print the public half of a key pair instead (safe to share)
      --jwk           a key pair as a JWK instead of PEM
  -h, --help          show this help
`,
  async run(invocation, io) {
    const [kind, ...extra] = invocation.positionals;
    if (kind === undefined || extra.length > 0)
      throw new StrongboxError("E_USAGE", "generate-secret: give one KIND, such as bytes:32", {
        hint: "strongbox generate-secret --help",
      });
    const spec = parseGenerator(kind, "generate-secret");
    if (invocation.values.jwk === true && spec.kind !== "keypair")
      throw new StrongboxError("E_USAGE", `generate-secret: --jwk is for key pairs, not ${kind}`);
    const generated = await generateSecret(
      invocation.values.jwk === true && spec.kind === "keypair" ? { ...spec, format: "jwk" } : spec,
      { env: io.env },
    );
    if (invocation.values.public === true) {
      if (generated.publicValue === undefined)
        throw new StrongboxError("E_USAGE", `generate-secret: ${kind} has no public half`);
      writeData(io, `${generated.publicValue.replace(/\n$/, "")}\n`);
      return EXIT_OK;
    }
    writeData(io, `${generated.value.replace(/\n$/, "")}\n`);
    return EXIT_OK;
  },
};
