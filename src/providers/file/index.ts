import { readFile } from "node:fs/promises";
import { isAbsolute, resolve } from "node:path";
import { StrongboxError } from "../../errors.js";
import { refError } from "../../refs/ref.js";
import { defineProvider, type ReadResult } from "../provider.js";

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
  async create() {
    return {
      scheme: "file",
      kind: "file",
      async read(refs, ctx) {
        const results = new Map<(typeof refs)[number], ReadResult>();
        await Promise.all(
          refs.map(async (ref) => {
            const path = isAbsolute(ref.path) ? ref.path : resolve(ctx.baseDir, ref.path);
            results.set(ref, await readSecretFile(path, ctx.signal));
          }),
        );
        return results;
      },
    };
  },
});

async function readSecretFile(path: string, signal?: AbortSignal): Promise<ReadResult> {
  try {
    const text = await readFile(path, signal === undefined ? "utf8" : { encoding: "utf8", signal });
    return { status: "found", fetched: { value: text.replace(/\r?\n$/, "") } };
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
