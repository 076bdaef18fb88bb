import { spawnSync } from "node:child_process";
import type { Stats } from "node:fs";

// The probe runs with PATH alone, not the scrubbed copy of Strongbox's own
// environment exec/tool-process.ts gives: it needs nothing else, and the
// ownership rule sits below the credential classification (which asks the
// provider registry, whose modules use this rule), so importing that helper
// here would close an import cycle.
const PROBE_ENV = { PATH: process.env.PATH ?? "/usr/bin:/bin", LC_ALL: "C" };

const aclAnswers = new Map<string, boolean | undefined>();

/**
 * Whether `path` (not followed) carries a POSIX access ACL
 * (`system.posix_acl_access`): Node has no xattr API, so it is asked of
 * python3 (`os.getxattr`), else of `getfattr`. Undefined when neither can
 * say, which the caller treats as an ACL (refused: `chmod g-w` fixes it).
 * Cached by inode and change time (setting an ACL changes ctime).
 */
export function hasAccessAcl(path: string, stats: Stats): boolean | undefined {
  const key = `${stats.dev}:${stats.ino}:${stats.ctimeMs}`;
  if (aclAnswers.has(key)) return aclAnswers.get(key);
  let answer: boolean | undefined;
  const python = spawnSync(
    "python3",
    [
      "-c",
      "import os,sys\ntry:\n os.getxattr(sys.argv[1],'system.posix_acl_access',follow_symlinks=False); print('acl')\nexcept OSError as e:\n print('none' if e.errno in (61,95) else 'error')",
      path,
    ],
    { encoding: "utf8", stdio: ["ignore", "pipe", "ignore"], timeout: 5000, env: PROBE_ENV },
  );
  const said = String(python.stdout ?? "").trim();
  if (python.status === 0 && (said === "acl" || said === "none")) answer = said === "acl";
  else {
    const getfattr = spawnSync(
      "getfattr",
      ["--absolute-names", "-h", "-n", "system.posix_acl_access", path],
      { encoding: "utf8", stdio: ["ignore", "pipe", "pipe"], timeout: 5000, env: PROBE_ENV },
    );
    if (getfattr.status === 0) answer = true;
    else if (/No such attribute|Operation not supported/.test(String(getfattr.stderr ?? "")))
      answer = false;
  }
  aclAnswers.set(key, answer);
  return answer;
}
