import type { VaultClient } from "./client.js";

/** Who a Vault client reads as, for audit records: never the token, only its accessor. */
export interface VaultIdentity {
  readonly root: boolean;
  readonly principal: {
    readonly method: string;
    readonly role?: string;
    readonly accessor?: string;
  };
}

/**
 * The identity `client` acts as. A login Strongbox made names itself (method,
 * role, accessor) and is never root; a given token is looked up (`lookup-self`,
 * in Vault's default policy). A failed lookup means "not root" and names only
 * the method: a token that cannot look itself up cannot be a root token. A
 * failed login throws, as the read that follows would.
 */
export async function vaultIdentity(
  client: VaultClient,
  signal?: AbortSignal,
): Promise<VaultIdentity> {
  const session = await client.session(signal);
  if (session.created)
    return {
      root: false,
      principal: {
        method: session.method,
        ...(session.role === undefined ? {} : { role: session.role }),
        ...(session.accessor === undefined ? {} : { accessor: session.accessor }),
      },
    };
  return client.lookupSelf(signal).then(
    (self) => ({
      root: self.policies.includes("root"),
      principal: {
        method: self.method ?? "token",
        ...(self.role === undefined ? {} : { role: self.role }),
        ...(self.accessor === undefined ? {} : { accessor: self.accessor }),
      },
    }),
    () => ({ root: false, principal: { method: "token" } }),
  );
}
