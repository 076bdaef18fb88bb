import { generateKeyPairSync, type KeyObject, sign } from "node:crypto";

/** An RS256 signing key made for one test run: its public half is what Vault/OpenBao is told to trust. */
export interface JwtIssuer {
  readonly publicPem: string;
  /** A signed token with `claims` over a default `iat`/`nbf` of now and `exp` of now + 10 min. */
  mint(claims: Record<string, unknown>): string;
}

/** Generates a fresh RSA key (node:crypto) and returns a minter for tokens it signs. */
export function jwtIssuer(): JwtIssuer {
  const { publicKey, privateKey } = generateKeyPairSync("rsa", { modulusLength: 2048 });
  return {
    publicPem: publicKey.export({ type: "spki", format: "pem" }).toString(),
    mint: (claims) => mintJwt(privateKey, claims),
  };
}

const b64 = (value: unknown) => Buffer.from(JSON.stringify(value)).toString("base64url");

function mintJwt(key: KeyObject, claims: Record<string, unknown>): string {
  const now = Math.floor(Date.now() / 1000);
  const body = `${b64({ alg: "RS256", typ: "JWT" })}.${b64({ iat: now, nbf: now - 5, exp: now + 600, ...claims })}`;
  return `${body}.${sign("sha256", Buffer.from(body), key).toString("base64url")}`;
}
