import { refError } from "../../refs/ref.js";
import { isCredentialVariable } from "../../security/credentials.js";
import { envValue } from "../../util/env-value.js";
import { defineLocalProvider } from "../provider.js";

const NAME = /^[A-Za-z_][A-Za-z0-9_]*$/;

/** `env://NAME`: the value of another environment variable of this process. */
export const envProvider = defineLocalProvider(
  {
    scheme: "env",
    kind: "env",
    syntax: "env://NAME",
    words: "the process environment",
    defaultIn: ["local", "ci", "pr-*", "*"],
    validateRef(ref, context) {
      if (!NAME.test(ref.path)) throw refError(context, "env:// takes one variable name");
      if (isCredentialVariable(ref.path))
        throw refError(
          context,
          `env://${ref.path} names a credential Strongbox keeps to itself; it is never handed on as a value`,
        );
      if (ref.key !== undefined || Object.keys(ref.params).length > 0) {
        throw refError(context, "env:// takes no #key and no ?parameters");
      }
    },
  },
  (ref, ctx) => {
    const value = envValue(ctx.processEnv, ref.path);
    return value === undefined
      ? { status: "absent", detail: `${ref.path} is not set in the environment` }
      : { status: "found", fetched: { value } };
  },
);
