import { spawnSync } from "node:child_process";
import type { Stats } from "node:fs";
import { resolve } from "node:path";

// The probe judges a directory someone else may be able to write, so nothing
// it runs may come from there: the tools are found on the system's own
// directories only (never the user's PATH, which `npm run` starts with the
// project's node_modules/.bin), it starts in `/` (a pyenv shim or Python
// would otherwise read `.python-version` or modules from the project), and
// Python runs isolated (-I: no user site, no PYTHON* variables, no script
// directory; -S: no site module). Its environment is that PATH alone, not
// the scrubbed copy exec/tool-process.ts gives: the ownership rule sits below
// the credential classification, so importing that helper would close an
// import cycle.
const SYSTEM_PATH = "/usr/bin:/bin:/usr/sbin:/sbin";
const PROBE = { env: { PATH: SYSTEM_PATH, LC_ALL: "C" }, cwd: "/" } as const;

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
  // The probe starts in `/`: a relative path is made absolute here, against ours.
  const absolute = resolve(path);
  const python = spawnSync(
    "python3",
    [
      "-I",
      "-S",
      "-c",
      "import os,sys\ntry:\n os.getxattr(sys.argv[1],'system.posix_acl_access',follow_symlinks=False); print('acl')\nexcept OSError as e:\n print('none' if e.errno in (61,95) else 'error')",
      absolute,
    ],
    { encoding: "utf8", stdio: ["ignore", "pipe", "ignore"], timeout: 5000, ...PROBE },
  );
  const said = String(python.stdout ?? "").trim();
  if (python.status === 0 && (said === "acl" || said === "none")) answer = said === "acl";
  else {
    const getfattr = spawnSync(
      "getfattr",
      ["--absolute-names", "-h", "-n", "system.posix_acl_access", absolute],
      { encoding: "utf8", stdio: ["ignore", "pipe", "pipe"], timeout: 5000, ...PROBE },
    );
    if (getfattr.status === 0) answer = true;
    else if (/No such attribute|Operation not supported/.test(String(getfattr.stderr ?? "")))
      answer = false;
  }
  aclAnswers.set(key, answer);
  return answer;
}
