import { StrongboxError } from "../errors.js";

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

/** The character classes a password generator draws from. */
export const CLASSES = {
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

/** `E_GENERATOR`: `where` names the field or the command, `why` what is wrong. */
export function generatorError(where: string, why: string): StrongboxError {
  return new StrongboxError("E_GENERATOR", `${where}: ${why}`, {
    hint: "see docs/lifecycle.md for the generators and their options",
  });
}
