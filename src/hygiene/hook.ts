import {
  existsSync,
  lstatSync,
  mkdirSync,
  readFileSync,
  realpathSync,
  renameSync,
  unlinkSync,
} from "node:fs";
import { dirname, isAbsolute, join, relative, resolve } from "node:path";
import { StrongboxError } from "../errors.js";
import { toolSpawnSync } from "../exec/tool-process.js";
import { writeFileAtomic } from "../fs/atomic-write.js";

type Env = Readonly<Record<string, string | undefined>>;

/** The second line of the hook Strongbox writes: how install and uninstall recognise it. */
const MARK = "# strongbox pre-commit hook";
/** Where `--chain` keeps the hook that was there; the Strongbox hook runs it after its own check. */
const CHAINED = "pre-commit.pre-strongbox";

/** Single-quoted for sh. */
function quote(text: string): string {
  return `'${text.replaceAll("'", "'\\''")}'`;
}

/**
 * The hook: `strongbox hook run` from the project's node_modules when it has
 * one, else from PATH, with stdin closed (a hook never prompts); a commit
 * with secrets fails; then the chained hook, if any, with git's arguments.
 */
function hookScript(configArg: string | undefined): string {
  const config = configArg === undefined ? "" : ` -c ${quote(configArg)}`;
  return `#!/bin/sh
${MARK} (strongbox hook install): refuses a commit that adds secrets.
# Skip it once, knowingly: git commit --no-verify
if [ -x ./node_modules/.bin/strongbox ]; then strongbox=./node_modules/.bin/strongbox
elif command -v strongbox >/dev/null 2>&1; then strongbox=strongbox
else
  echo "strongbox pre-commit: strongbox is not installed (npm i, or put it on PATH); git commit --no-verify skips the check" >&2
  exit 1
fi
"$strongbox" hook run${config} </dev/null || exit $?
chained="$(dirname "$0")/${CHAINED}"
if [ -x "$chained" ]; then exec "$chained" "$@"; fi
exit 0
`;
}

/** The hooks directory git runs (`core.hooksPath` when set) and the work tree's top. */
export function hooksDir(cwd: string, env: Env): { dir: string; top: string; common: string } {
  const run = (args: string[]) => {
    const result = toolSpawnSync("git", args, { cwd, env, encoding: "utf8" });
    if (result.error !== undefined || result.status !== 0)
      throw new StrongboxError("E_USAGE", `hook: ${cwd} is not inside a git work tree`, {
        hint: "run it in the repository (git init first for a new one)",
      });
    return String(result.stdout).trim();
  };
  const top = run(["rev-parse", "--show-toplevel"]);
  return {
    dir: resolve(cwd, run(["rev-parse", "--git-path", "hooks"])),
    top,
    common: resolve(cwd, run(["rev-parse", "--git-common-dir"])),
  };
}

function isOurs(path: string): boolean {
  try {
    return lstatSync(path).isFile() && readFileSync(path, "utf8").includes(MARK);
  } catch {
    return false;
  }
}

/**
 * Installs the pre-commit hook. A hook already there that is not Strongbox's
 * is never overwritten: with `chain` it is kept beside (`pre-commit.pre-strongbox`)
 * and run after the check passes; without, the install is refused with a hint.
 * `configPath` (the config a command found) is passed to `hook run` relative to
 * the work tree's top, where git runs the hook.
 */
export function installHook(options: {
  readonly cwd: string;
  readonly env: Env;
  readonly configPath?: string | undefined;
  readonly chain?: boolean;
}): { path: string; chained?: string; shared: boolean } {
  const { dir, top, common } = hooksDir(options.cwd, options.env);
  const path = join(dir, "pre-commit");
  const chainedPath = join(dir, CHAINED);
  let chained: string | undefined;
  if (existsSync(path) && !isOurs(path)) {
    if (options.chain !== true)
      throw new StrongboxError(
        "E_USAGE",
        `hook install: ${path} exists and is not Strongbox's; it was left as it is`,
        {
          hint: "keep it and run it after the check with --chain, or add `strongbox hook run` to it yourself",
        },
      );
    if (existsSync(chainedPath))
      throw new StrongboxError(
        "E_USAGE",
        `hook install: ${chainedPath} exists already; nothing was changed`,
        {
          hint: "move one of the two hooks away first",
        },
      );
    renameSync(path, chainedPath);
    chained = chainedPath;
  }
  // A config at the top is found there by the hook; one below (a monorepo's app) is named.
  const found =
    options.configPath === undefined
      ? undefined
      : realpathSync(resolve(options.cwd, options.configPath));
  const config =
    found === undefined || dirname(found) === realpathSync(top)
      ? undefined
      : relative(realpathSync(top), found);
  mkdirSync(dir, { recursive: true });
  writeFileAtomic(path, Buffer.from(hookScript(config)), 0o755);
  // core.hooksPath outside the work tree (a global hooks directory) serves other repositories too.
  const shared = !within(dir, top) && !within(dir, common);
  return chained === undefined ? { path, shared } : { path, chained, shared };
}

function within(dir: string, parent: string): boolean {
  const path = relative(realpathSync(parent), realpathSync(dir));
  return !path.startsWith("..") && !isAbsolute(path);
}

/** Removes Strongbox's hook and puts a chained hook back in its place. False when there was none. */
export function uninstallHook(options: { readonly cwd: string; readonly env: Env }): boolean {
  const { dir } = hooksDir(options.cwd, options.env);
  const path = join(dir, "pre-commit");
  if (!isOurs(path)) return false;
  unlinkSync(path);
  if (existsSync(join(dir, CHAINED))) renameSync(join(dir, CHAINED), path);
  return true;
}
