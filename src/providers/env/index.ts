import { refError } from "../../refs/ref.js";
import { defineProvider, type ReadResult } from "../provider.js";

const NAME = /^[A-Za-z_][A-Za-z0-9_]*$/;

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
  async create() {
    return {
      scheme: "env",
      kind: "env",
      async read(refs, ctx) {
        const results = new Map<(typeof refs)[number], ReadResult>();
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
      },
    };
  },
});
