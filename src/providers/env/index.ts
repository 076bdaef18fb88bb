import { refError } from "../../refs/ref.js";
import { defineLocalProvider } from "../provider.js";

const NAME = /^[A-Za-z_][A-Za-z0-9_]*$/;

/** `env://NAME`: the value of another environment variable of this process. */
export const envProvider = defineLocalProvider(
  {
    scheme: "env",
    kind: "env",
    syntax: "env://NAME",
    validateRef(ref, context) {
      if (!NAME.test(ref.path)) throw refError(context, "env:// takes one variable name");
      if (ref.key !== undefined || Object.keys(ref.params).length > 0) {
        throw refError(context, "env:// takes no #key and no ?parameters");
      }
    },
  },
  (ref, ctx) => {
    const value = ctx.processEnv[ref.path];
    return value === undefined
      ? { status: "absent", detail: `${ref.path} is not set in the environment` }
      : { status: "found", fetched: { value } };
  },
);
