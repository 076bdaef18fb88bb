import { createHmac, randomBytes } from "node:crypto";
import { mkdtempSync, realpathSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join, relative } from "node:path";
import { StrongboxError } from "../errors.js";
import { toolExecFileSync } from "../exec/tool-process.js";
import { ensurePrivateDir } from "../fs/atomic-write.js";
import { openStore } from "../store/open.js";
import type { StoreOptions } from "../store/store.js";

/** One secret of the store compared with its copy at a git revision. */
export interface StoreRevisionRow {
  readonly name: string;
  /** The latest version at the revision and now (undefined: absent or deleted). */
  readonly past?: number;
  readonly now?: number;
  readonly values: "equal" | "different" | "only-past" | "only-now";
}

/**
 * The store as it is against the same store at git revision `rev` (`HEAD~1`,
 * a tag, a branch): which secrets were added, removed or changed, names and
 * equality only. The old files (ciphertext only) are copied from git into a
 * private temporary directory, opened with the same identities or key, and
 * removed; values are compared by HMAC under a key drawn for the call.
 */
export async function diffStoreRevision(
  options: StoreOptions,
  rev: string,
): Promise<{ rev: string; rows: StoreRevisionRow[]; different: boolean }> {
  if (!/^[A-Za-z0-9_.\-~^/@{}]{1,200}$/.test(rev) || rev.startsWith("-"))
    throw new StrongboxError("E_USAGE", `"${rev.slice(0, 40)}" is not a git revision`, {
      hint: "give a revision such as HEAD~1, a tag or a branch",
    });
  const dir = realpathSync(options.dir);
  const git = (args: string[]) =>
    toolExecFileSync("git", ["-C", dirname(dir), ...args], {
      stdio: ["ignore", "pipe", "pipe"],
      maxBuffer: 256 * 1024 * 1024,
    });
  let top: string;
  try {
    top = git(["rev-parse", "--show-toplevel"]).toString().trim();
    git(["rev-parse", "--verify", "--quiet", `${rev}^{commit}`]);
  } catch {
    throw new StrongboxError("E_USAGE", `git does not know ${rev} in the repository of ${dir}`, {
      hint: "run inside the git repository that holds the store, with a revision it has",
    });
  }
  const path = relative(realpathSync(top), dir);
  const files = git(["ls-tree", "-r", "--name-only", rev, "--", path])
    .toString()
    .split("\n")
    .filter((file) => file !== "" && /\.sbx$/.test(file));
  if (!files.some((file) => file.endsWith("/keyring.sbx") || file === "keyring.sbx"))
    throw new StrongboxError("E_STORE_NOT_FOUND", `the store ${path} did not exist at ${rev}`, {
      hint: "pick a revision after the store was committed (git log -- the store directory)",
    });
  const copy = mkdtempSync(join(tmpdir(), "strongbox-rev-"));
  try {
    const old = join(copy, "store");
    ensurePrivateDir(old);
    ensurePrivateDir(join(old, "secrets"));
    for (const file of files) {
      const inside = relative(path, file);
      if (inside.startsWith("..") || inside.startsWith("envs/")) continue;
      writeFileSync(join(old, inside), git(["show", `${rev}:${file}`]), { mode: 0o600 });
    }
    const [past, now] = await Promise.all([
      openStore({ ...options, dir: old, knownStore: false }),
      openStore(options),
    ]);
    const key = randomBytes(32);
    const mac = (value: Buffer | undefined) =>
      value === undefined ? undefined : createHmac("sha256", key).update(value).digest("base64");
    const latest = (store: typeof past) =>
      new Map(
        store
          .list()
          .filter((info) => !info.deleted)
          .map((info) => {
            const found = store.get(info.name);
            return [info.name, { version: found?.version, mac: mac(found?.value) }] as const;
          }),
      );
    const before = latest(past);
    const after = latest(now);
    key.fill(0);
    const rows: StoreRevisionRow[] = [...new Set([...before.keys(), ...after.keys()])]
      .sort()
      .map((name) => {
        const b = before.get(name);
        const a = after.get(name);
        const values =
          b === undefined
            ? "only-now"
            : a === undefined
              ? "only-past"
              : b.mac === a.mac
                ? "equal"
                : "different";
        return {
          name,
          ...(b?.version === undefined ? {} : { past: b.version }),
          ...(a?.version === undefined ? {} : { now: a.version }),
          values,
        };
      });
    return { rev, rows, different: rows.some((row) => row.values !== "equal") };
  } finally {
    rmSync(copy, { recursive: true, force: true });
  }
}
