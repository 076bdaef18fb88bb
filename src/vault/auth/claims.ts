/**
 * The claims of a JWT, read without checking its signature: only to name
 * who a login is for (`vault doctor`, audit) and to say why a token will be
 * refused before Vault is asked. Vault verifies; this never decides access.
 */
export function unverifiedClaims(jwt: string): Readonly<Record<string, unknown>> | undefined {
  const payload = jwt.split(".")[1];
  if (payload === undefined) return undefined;
  try {
    const claims: unknown = JSON.parse(Buffer.from(payload, "base64url").toString("utf8"));
    return typeof claims === "object" && claims !== null && !Array.isArray(claims)
      ? (claims as Record<string, unknown>)
      : undefined;
  } catch {
    return undefined;
  }
}

/** The claims that say who a token stands for (`iss`, `sub`, `aud`), as strings: never the token. */
export function identityClaims(jwt: string): Readonly<Record<string, string>> | undefined {
  const claims = unverifiedClaims(jwt);
  if (claims === undefined) return undefined;
  const out: Record<string, string> = {};
  for (const name of ["iss", "sub", "aud"] as const) {
    const value = claims[name];
    if (typeof value === "string") out[name] = value;
    else if (Array.isArray(value)) out[name] = value.filter((v) => typeof v === "string").join(",");
  }
  return out;
}
