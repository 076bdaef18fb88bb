import { StrongboxError } from "../../errors.js";
import { refError } from "../../refs/ref.js";
import { defineProvider } from "../provider.js";

const NAME = /^[A-Za-z0-9_][A-Za-z0-9_.-]*(?:\/[A-Za-z0-9_][A-Za-z0-9_.-]*)*$/;

/**
 * `store://NAME[?version=N]`: the encrypted local store. The grammar is settled
 * here so configs written today stay valid; the store itself lands in its own issue.
 */
export const storeProvider = defineProvider({
  scheme: "store",
  kind: "store",
  syntax: "store://NAME[?version=N]",
  validateRef(ref, context) {
    if (!NAME.test(ref.path) || ref.path.split("/").some((part) => part === "..")) {
      throw refError(context, "store names are letters, digits, _ . - and / between parts");
    }
    if (ref.key !== undefined) throw refError(context, "store:// takes no #key");
    checkVersionParam(ref.params, context);
  },
  async create() {
    throw new StrongboxError("E_PROVIDER_UNAVAILABLE", "the encrypted store is not available yet", {
      hint: "store:// references resolve once the encrypted store lands; use env or .env for now",
    });
  },
});

/** Accepts only `?version=N` with N a positive integer. */
export function checkVersionParam(params: Readonly<Record<string, string>>, context: string): void {
  for (const [name, value] of Object.entries(params)) {
    if (name !== "version") throw refError(context, `unknown parameter "${name}"`);
    if (!/^[1-9]\d*$/.test(value)) throw refError(context, "version must be a positive integer");
  }
}
