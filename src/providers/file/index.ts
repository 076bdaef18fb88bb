import { StrongboxError } from "../../errors.js";
import { refError } from "../../refs/ref.js";
import { readGuarded } from "../../security/read-guard.js";
import { defineLocalProvider, type ReadContext, type ReadResult } from "../provider.js";

/**
 * `file:///abs/path` or `file://relative/path`: the content of a mounted secret
 * file (Kubernetes or Docker secrets). One trailing newline is dropped, because
 * files written with `echo` or an editor end in one that no secret means to hold.
 * Read synchronously: these are small local files, and one code path serves
 * both `loadConfig()` and `loadConfigSync()`. Every read goes through the read
 * guard: inside the project or a path the config names, never a credential.
 */
export const fileProvider = defineLocalProvider(
  {
    scheme: "file",
    kind: "file",
    syntax: "file:///absolute/path or file://path/relative/to/config",
    words: "a mounted secret file",
    defaultIn: ["local", "ci", "pr-*", "staging", "*"],
    validateRef(ref, context) {
      if (ref.key !== undefined || Object.keys(ref.params).length > 0) {
        throw refError(context, "file:// takes no #key and no ?parameters");
      }
      if (ref.path.includes("\0")) throw refError(context, "the path contains a NUL byte");
    },
  },
  (ref, ctx) => readSecretFile(ref.path, ctx),
);

function readSecretFile(path: string, ctx: ReadContext): ReadResult {
  const scope = ctx.reads ?? {
    roots: [ctx.baseDir],
    cwd: ctx.baseDir,
    env: ctx.processEnv,
  };
  try {
    const value = readGuarded(path, { ...scope, cwd: ctx.baseDir }).toString("utf8");
    return { status: "found", fetched: { value: value.replace(/\r?\n$/, "") } };
  } catch (error) {
    if (!(error instanceof StrongboxError)) throw error;
    if (error.code === "E_IO" && / does not exist$/.test(error.message))
      return { status: "absent", detail: `file ${path} does not exist` };
    return { status: "error", error };
  }
}
