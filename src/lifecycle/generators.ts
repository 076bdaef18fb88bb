import {
  createPublicKey,
  generateKeyPairSync,
  randomBytes,
  randomInt,
  randomUUID,
} from "node:crypto";
import { StrongboxError } from "../errors.js";
import { toolSpawn } from "../exec/tool-process.js";

/**
 * How a secret's new value is made, for `generate-secret` and rotation. Each
 * kind has defaults; the string forms are shorthands (`"bytes:32"`,
 * `"hex:16"`, `"password:24"`, `"uuid"`, `"ed25519"`, `"wireguard"`).
 */
export type GeneratorSpec =
  | {
      readonly kind: "bytes";
      /** Random bytes before encoding (default 32). */
      readonly length?: number;
      readonly encoding?: "hex" | "base64" | "base64url";
    }
  | {
      readonly kind: "password";
      /** Characters (default 32). */
      readonly length?: number;
      /** Classes that must each appear at least once (default all four). */
      readonly classes?: readonly ("lower" | "upper" | "digits" | "symbols")[];
    }
  | { readonly kind: "uuid" }
  | {
      readonly kind: "keypair";
      readonly algorithm: "ed25519" | "x25519" | "rsa" | "ecdsa";
      /** The private key as PKCS#8 PEM (default) or a JWK. */
      readonly format?: "pem" | "jwk";
      /** RSA modulus bits (default 3072). */
      readonly bits?: 2048 | 3072 | 4096;
      /** ECDSA curve (default P-256). */
      readonly curve?: "P-256" | "P-384";
    }
  /** A WireGuard private key: 32 bytes, clamped, base64, as `wg genkey` writes it. */
  | { readonly kind: "wireguard" }
  /**
   * Anything else: a program (argv, no shell) whose standard output is the
   * value. It runs without Strongbox's credentials in its environment.
   */
  | { readonly kind: "command"; readonly command: readonly string[] };

/** A generated secret, and its public half where it has one (safe to print or publish). */
export interface Generated {
  readonly value: string;
  readonly publicValue?: string;
}

const CLASSES = {
  lower: "abcdefghijklmnopqrstuvwxyz",
  upper: "ABCDEFGHIJKLMNOPQRSTUVWXYZ",
  digits: "0123456789",
  symbols: "!#%+,-.:=@^_~",
} as const;

/** Reads a generator from the schema's shorthand or object form; `E_GENERATOR` when it is not one. */
export function parseGenerator(value: unknown, where: string): GeneratorSpec {
  if (typeof value === "string") {
    const [kind = "", size] = value.split(":");
    const length = size === undefined ? undefined : Number(size);
    if (length !== undefined && !(Number.isInteger(length) && length > 0))
      throw generatorError(where, `"${value}": the length after ":" must be a positive integer`);
    const sized = length === undefined ? {} : { length };
    if (kind === "bytes" || kind === "base64url") return { kind: "bytes", ...sized };
    if (kind === "hex" || kind === "base64") return { kind: "bytes", encoding: kind, ...sized };
    if (kind === "password") return { kind: "password", ...sized };
    if (kind === "uuid" && length === undefined) return { kind: "uuid" };
    if (kind === "wireguard" && length === undefined) return { kind: "wireguard" };
    if (["ed25519", "x25519", "rsa", "ecdsa"].includes(kind) && length === undefined)
      return { kind: "keypair", algorithm: kind as "ed25519" };
    throw generatorError(
      where,
      `"${value}" is not a generator; use bytes[:N], hex[:N], base64[:N], password[:N], uuid, ed25519, x25519, rsa, ecdsa, wireguard, or { kind: command, command: [...] }`,
    );
  }
  if (
    typeof value === "object" &&
    value !== null &&
    typeof (value as { kind?: unknown }).kind === "string"
  ) {
    const spec = value as GeneratorSpec;
    checkGenerator(spec, where);
    return spec;
  }
  throw generatorError(where, "a generator is a string such as bytes:32 or an object with a kind");
}

function checkGenerator(spec: GeneratorSpec, where: string): void {
  const positive = (n: unknown, max: number) =>
    n === undefined || (Number.isInteger(n) && (n as number) > 0 && (n as number) <= max);
  switch (spec.kind) {
    case "bytes":
      if (!positive(spec.length, 4096))
        throw generatorError(where, "bytes.length must be 1 to 4096");
      if (spec.encoding !== undefined && !["hex", "base64", "base64url"].includes(spec.encoding))
        throw generatorError(where, "bytes.encoding must be hex, base64 or base64url");
      return;
    case "password":
      if (!positive(spec.length, 1024) || (spec.length !== undefined && spec.length < 8))
        throw generatorError(where, "password.length must be 8 to 1024");
      for (const name of spec.classes ?? [])
        if (!(name in CLASSES))
          throw generatorError(
            where,
            `password.classes: "${name}" is not lower, upper, digits or symbols`,
          );
      if (spec.classes !== undefined && spec.classes.length === 0)
        throw generatorError(where, "password.classes must name at least one class");
      return;
    case "keypair":
      if (!["ed25519", "x25519", "rsa", "ecdsa"].includes(spec.algorithm))
        throw generatorError(where, "keypair.algorithm must be ed25519, x25519, rsa or ecdsa");
      return;
    case "command":
      if (
        !Array.isArray(spec.command) ||
        spec.command.length === 0 ||
        !spec.command.every((part) => typeof part === "string")
      )
        throw generatorError(
          where,
          "command must be a list of strings: the program and its arguments",
        );
      return;
    case "uuid":
    case "wireguard":
      return;
    default:
      throw generatorError(
        where,
        `unknown generator kind "${String((spec as { kind: unknown }).kind)}"`,
      );
  }
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

function generatorError(where: string, why: string): StrongboxError {
  return new StrongboxError("E_GENERATOR", `${where}: ${why}`, {
    hint: "see docs/lifecycle.md for the generators and their options",
  });
}
