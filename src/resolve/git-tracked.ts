import { existsSync, readFileSync, statSync } from "node:fs";
import { basename, dirname, join, relative, sep } from "node:path";
import { toolSpawnSync } from "../exec/tool-process.js";

const EXAMPLE = /\.(example|sample|template|dist|defaults)$/;
const known = new Map<string, boolean>();

/**
 * True when `path` is committed: git tracks it, or its name marks it as an
 * example (`.env.example`) that exists to be committed. Asked only when a
 * secret literal came from the file, and cached per process.
 */
export function isCommittedFile(path: string): boolean {
  if (EXAMPLE.test(basename(path))) return true;
  const cached = known.get(path);
  if (cached !== undefined) return cached;
  const answer = lookInIndex(path) ?? askGit(path);
  known.set(path, answer);
  return answer;
}

/**
 * Looks the path up in `.git/index` directly, which costs a file read instead of
 * starting git (a few milliseconds on every `strongbox run`). Index versions 2
 * and 3 store each path NUL-terminated after a 16-bit flags field whose low 12
 * bits are the path length; a hit is checked against that length. Returns
 * undefined whenever it cannot be sure (`.git` is a file, as in worktrees and
 * submodules; index v4; a long path), and the caller asks git instead.
 */
function lookInIndex(path: string): boolean | undefined {
  const found = findGitRoot(dirname(path));
  if (found === undefined) return false;
  // In a worktree or a submodule `.git` is a file pointing elsewhere: let git read its own index.
  if (!found.isDirectory) return undefined;
  const root = found.root;
  const indexPath = join(root, ".git", "index");
  if (!existsSync(indexPath)) return false;
  const index = readFileSync(indexPath);
  if (index.toString("latin1", 0, 4) !== "DIRC") return undefined;
  const version = index.readUInt32BE(4);
  const name = relative(root, path).split(sep).join("/");
  const needle = Buffer.from(`${name}\0`);
  if ((version !== 2 && version !== 3) || needle.length - 1 >= 0xfff) return undefined;
  for (let at = index.indexOf(needle, 12); at >= 0; at = index.indexOf(needle, at + 1)) {
    if (at >= 2 && (index.readUInt16BE(at - 2) & 0xfff) === needle.length - 1) return true;
    if (version === 3 && at >= 4 && (index.readUInt16BE(at - 4) & 0xfff) === needle.length - 1)
      return true;
  }
  return false;
}

function findGitRoot(start: string): { root: string; isDirectory: boolean } | undefined {
  for (let dir = start; ; dir = dirname(dir)) {
    const dotGit = join(dir, ".git");
    if (existsSync(dotGit)) return { root: dir, isDirectory: statSync(dotGit).isDirectory() };
    if (dirname(dir) === dir) return undefined;
  }
}

function askGit(path: string): boolean {
  const result = toolSpawnSync("git", ["ls-files", "--error-unmatch", "--", basename(path)], {
    cwd: dirname(path),
    stdio: "ignore",
  });
  return result.status === 0;
}
