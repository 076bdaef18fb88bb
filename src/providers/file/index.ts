import { readFileSync } from "node:fs";
import { isAbsolute, resolve } from "node:path";
import { StrongboxError } from "../../errors.js";
import { refError } from "../../refs/ref.js";
import { defineLocalProvider, type ReadResult } from "../provider.js";

/**
 * `file:///abs/path` or `file://relative/path`: the content of a mounted secret
 * file (Kubernetes or Docker secrets). One trailing newline is dropped, because
 * files written with `echo` or an editor end in one that no secret means to hold.
 * Read synchronously: these are small local files, and one code path serves
 * both `loadConfig()` and `loadConfigSync()`.
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
  (ref, ctx) => readSecretFile(isAbsolute(ref.path) ? ref.path : resolve(ctx.baseDir, ref.path)),
);

function readSecretFile(path: string): ReadResult {
  try {
    return {
      status: "found",
      fetched: { value: readFileSync(path, "utf8").replace(/\r?\n$/, "") },
    };
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    if (code === "ENOENT") return { status: "absent", detail: `file ${path} does not exist` };
    const why = code === "EACCES" ? "permission denied" : (code ?? "unreadable");
    return {
      status: "error",
      error: new StrongboxError("E_IO", `cannot read secret file ${path}: ${why}`, {
        hint: "check the file exists and this user may read it",
      }),
    };
  }
}
