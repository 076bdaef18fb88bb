import type { Ref } from "../../refs/ref.js";
import { refError } from "../../refs/ref.js";
import { defineProvider, type ReadContext, type ReadResult } from "../provider.js";

const NAME = /^[A-Za-z_][A-Za-z0-9_]*$/;

function readEnv(refs: readonly Ref[], ctx: ReadContext): Map<Ref, ReadResult> {
  const results = new Map<Ref, ReadResult>();
  for (const ref of refs) {
    const value = ctx.processEnv[ref.path];
    results.set(
      ref,
      value === undefined
        ? { status: "absent", detail: `${ref.path} is not set in the environment` }
        : { status: "found", fetched: { value } },
    );
  }
  return results;
}

/** `env://NAME`: the value of another environment variable of this process. */
export const envProvider = defineProvider({
  scheme: "env",
  kind: "env",
  syntax: "env://NAME",
  validateRef(ref, context) {
    if (!NAME.test(ref.path)) throw refError(context, "env:// takes one variable name");
    if (ref.key !== undefined || Object.keys(ref.params).length > 0) {
      throw refError(context, "env:// takes no #key and no ?parameters");
    }
  },
  readSync: readEnv,
  async create() {
    return { scheme: "env", kind: "env", read: async (refs, ctx) => readEnv(refs, ctx) };
  },
});
