import { readFileSync } from "node:fs";
import { isAbsolute, resolve } from "node:path";
import { StrongboxError } from "../../errors.js";
import { type Ref, refError } from "../../refs/ref.js";
import { defineProvider, type ReadContext, type ReadResult } from "../provider.js";

/**
 * Reads mounted secret files. Synchronous on purpose: these are small local
 * files, and one code path serves both `loadConfig()` and `loadConfigSync()`.
 */
function readFiles(refs: readonly Ref[], ctx: ReadContext): Map<Ref, ReadResult> {
  const results = new Map<Ref, ReadResult>();
  for (const ref of refs) {
    const path = isAbsolute(ref.path) ? ref.path : resolve(ctx.baseDir, ref.path);
    results.set(ref, readSecretFile(path));
  }
  return results;
}

/**
 * `file:///abs/path` or `file://relative/path`: the content of a mounted secret
 * file (Kubernetes or Docker secrets). One trailing newline is dropped, because
 * files written with `echo` or an editor end in one that no secret means to hold.
 */
export const fileProvider = defineProvider({
  scheme: "file",
  kind: "file",
  syntax: "file:///absolute/path or file://path/relative/to/config",
  validateRef(ref, context) {
    if (ref.key !== undefined || Object.keys(ref.params).length > 0) {
      throw refError(context, "file:// takes no #key and no ?parameters");
    }
    if (ref.path.includes("\0")) throw refError(context, "the path contains a NUL byte");
  },
  readSync: readFiles,
  async create() {
    return { scheme: "file", kind: "file", read: async (refs, ctx) => readFiles(refs, ctx) };
  },
});

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
