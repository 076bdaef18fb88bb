import { StrongboxError } from "../../errors.js";
import { refError } from "../../refs/ref.js";
import { defineProvider } from "../provider.js";
import { checkVersionParam } from "../store/index.js";

/**
 * `vault://mount/path#KEY[?version=N]`: a key of a Vault/OpenBao KV secret.
 * The grammar is settled here; the client lands in the Vault issue.
 */
export const vaultProvider = defineProvider({
  scheme: "vault",
  kind: "vault",
  syntax: "vault://mount/path#KEY[?version=N]",
  validateRef(ref, context) {
    const parts = ref.path.split("/");
    if (parts.length < 2 || parts.some((part) => part === "" || part === "." || part === "..")) {
      throw refError(context, "vault:// needs a mount and a path, as in vault://secret/app#KEY");
    }
    if (ref.key === undefined || ref.key === "") {
      throw refError(context, "vault:// needs the key after #, as in vault://secret/app#KEY");
    }
    checkVersionParam(ref.params, context);
  },
  async create() {
    throw new StrongboxError(
      "E_PROVIDER_UNAVAILABLE",
      "the Vault/OpenBao provider is not available yet",
      {
        hint: "vault:// references resolve once Vault support lands; use env, .env or file:// for now",
      },
    );
  },
});
