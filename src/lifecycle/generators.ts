import {
  createPublicKey,
  generateKeyPairSync,
  randomBytes,
  randomInt,
  randomUUID,
} from "node:crypto";
import { toolSpawn } from "../exec/tool-process.js";
import { CLASSES, type GeneratorSpec, generatorError } from "../schema/generator-spec.js";

/** A generated secret, and its public half where it has one (safe to print or publish). */
export interface Generated {
  readonly value: string;
  readonly publicValue?: string;
}

/**
 * Makes a new secret value. Values come from `node:crypto` (a CSPRNG), are
 * returned in memory only, and never pass through argv, a log or a file.
 */
export async function generateSecret(
  spec: GeneratorSpec,
  options: {
    readonly env?: Readonly<Record<string, string | undefined>>;
    readonly timeoutMs?: number;
  } = {},
): Promise<Generated> {
  switch (spec.kind) {
    case "bytes":
      return { value: randomBytes(spec.length ?? 32).toString(spec.encoding ?? "base64url") };
    case "password":
      return {
        value: password(spec.length ?? 32, spec.classes ?? ["lower", "upper", "digits", "symbols"]),
      };
    case "uuid":
      return { value: randomUUID() };
    case "wireguard":
      return wireguard();
    case "keypair":
      return keyPair(spec);
    case "command":
      return { value: await fromCommand(spec.command, options) };
  }
}

/** An unbiased password with at least one character of each class, in random order. */
function password(length: number, classes: readonly (keyof typeof CLASSES)[]): string {
  const alphabet = classes.map((name) => CLASSES[name]).join("");
  const chars = classes.map((name) => CLASSES[name][randomInt(CLASSES[name].length)] as string);
  while (chars.length < length) chars.push(alphabet[randomInt(alphabet.length)] as string);
  for (let i = chars.length - 1; i > 0; i--) {
    const j = randomInt(i + 1);
    [chars[i], chars[j]] = [chars[j] as string, chars[i] as string];
  }
  return chars.join("");
}

/** A clamped X25519 private key and its public key, both base64, as `wg genkey | wg pubkey` give them. */
function wireguard(): Generated {
  const { privateKey } = generateKeyPairSync("x25519");
  const jwk = privateKey.export({ format: "jwk" });
  const d = Buffer.from(jwk.d as string, "base64url");
  // Clamping changes no public key (X25519 clamps the scalar when it uses it); wg stores it clamped.
  d[0] = (d[0] as number) & 248;
  d[31] = ((d[31] as number) & 127) | 64;
  return {
    value: d.toString("base64"),
    publicValue: Buffer.from(jwk.x as string, "base64url").toString("base64"),
  };
}

function keyPair(spec: Extract<GeneratorSpec, { kind: "keypair" }>): Generated {
  const { privateKey } =
    spec.algorithm === "rsa"
      ? generateKeyPairSync("rsa", { modulusLength: spec.bits ?? 3072 })
      : spec.algorithm === "ecdsa"
        ? generateKeyPairSync("ec", { namedCurve: spec.curve ?? "P-256" })
        : spec.algorithm === "ed25519"
          ? generateKeyPairSync("ed25519")
          : generateKeyPairSync("x25519");
  const publicKey = createPublicKey(privateKey);
  if (spec.format === "jwk")
    return {
      value: JSON.stringify(privateKey.export({ format: "jwk" })),
      publicValue: JSON.stringify(publicKey.export({ format: "jwk" })),
    };
  return {
    value: privateKey.export({ format: "pem", type: "pkcs8" }).toString(),
    publicValue: publicKey.export({ format: "pem", type: "spki" }).toString(),
  };
}

/** Runs a generator program; its stdout (one trailing newline dropped) is the value. */
function fromCommand(
  command: readonly string[],
  options: {
    readonly env?: Readonly<Record<string, string | undefined>>;
    readonly timeoutMs?: number;
  },
): Promise<string> {
  const [program, ...args] = command as [string, ...string[]];
  return new Promise((resolve, reject) => {
    const child = toolSpawn(program, args, {
      env: options.env ?? {},
      stdio: ["ignore", "pipe", "ignore"],
      timeout: options.timeoutMs ?? 30_000,
    });
    const chunks: Buffer[] = [];
    let size = 0;
    child.stdout?.on("data", (chunk: Buffer) => {
      size += chunk.length;
      if (size <= 65_536) chunks.push(chunk);
    });
    child.on("error", (error: NodeJS.ErrnoException) =>
      reject(
        generatorError(
          "the generator command",
          `${program} could not start (${error.code ?? "error"})`,
        ),
      ),
    );
    child.on("close", (code, signal) => {
      const value = Buffer.concat(chunks)
        .toString("utf8")
        .replace(/\r?\n$/, "");
      if (code !== 0)
        reject(generatorError("the generator command", `${program} exited ${signal ?? code}`));
      else if (size > 65_536)
        reject(generatorError("the generator command", `${program} printed more than 64 KiB`));
      else if (value === "")
        reject(generatorError("the generator command", `${program} printed nothing`));
      else resolve(value);
    });
  });
}

// The grammar lives with the schema that declares it; re-exported for the lifecycle API.
export { type GeneratorSpec, parseGenerator } from "../schema/generator-spec.js";
