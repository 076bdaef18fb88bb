import { accessSync, constants, existsSync, mkdirSync, readFileSync } from "node:fs";
import { homedir } from "node:os";
import { basename, isAbsolute, join, relative } from "node:path";
import { StrongboxError } from "../errors.js";
import { writeFileAtomic } from "../fs/atomic-write.js";
import { completionScript, isShell, SCRIPT_MARK, type Shell } from "./completion-scripts.js";

type Env = Readonly<Record<string, string | undefined>>;

/** What `completion install` did, for the CLI to say. */
export interface Installed {
  readonly shell: Shell;
  /** The script written. */
  readonly path: string;
  /** The PowerShell profile the script was added to, when it was not there yet. */
  readonly profile?: string;
  /** What the user still has to do before a new shell completes (empty: nothing). */
  readonly next: string;
}

/** The shell to install for: the one given, else the one `$SHELL` names. */
export function shellToInstall(given: string | undefined, env: Env): Shell {
  const name = given ?? basename(env.SHELL ?? "");
  const shell = name === "pwsh" ? "powershell" : name;
  if (isShell(shell)) return shell;
  throw new StrongboxError(
    "E_USAGE",
    given === undefined
      ? `completion install: $SHELL (${env.SHELL === undefined || env.SHELL === "" ? "unset" : basename(env.SHELL)}) is not bash, zsh, fish or PowerShell`
      : `completion install: ${given} is not bash, zsh, fish or powershell`,
    { hint: "name the shell: strongbox completion install bash" },
  );
}

function home(env: Env): string {
  return env.HOME !== undefined && env.HOME !== "" ? env.HOME : homedir();
}

function xdg(env: Env, variable: string, fallback: string[]): string {
  const value = env[variable];
  return value !== undefined && isAbsolute(value) ? value : join(home(env), ...fallback);
}

/**
 * Where each shell loads completions from without an edit of its rc file,
 * where it has such a place: bash-completion's per-user directory, fish's
 * completions directory, for zsh a directory of `$FPATH` inside HOME that
 * the user can write (else the XDG site-functions directory, which the
 * user adds to fpath once). PowerShell has none: the script goes beside the
 * profile, which dot-sources it.
 */
function target(shell: Shell, env: Env): { path: string; next: string } {
  const data = xdg(env, "XDG_DATA_HOME", [".local", "share"]);
  const config = xdg(env, "XDG_CONFIG_HOME", [".config"]);
  switch (shell) {
    case "bash":
      return {
        path: join(data, "bash-completion", "completions", "strongbox"),
        next: "open a new shell (bash-completion loads it on first use)",
      };
    case "fish":
      return {
        path: join(config, "fish", "completions", "strongbox.fish"),
        next: "open a new shell",
      };
    case "powershell":
      return {
        path: join(config, "powershell", "strongbox-completion.ps1"),
        next: "open a new PowerShell",
      };
    case "zsh": {
      const onPath = (env.FPATH ?? "")
        .split(":")
        .find((dir) => dir !== "" && isInside(dir, home(env)) && writable(dir));
      const dir = onPath ?? join(data, "zsh", "site-functions");
      return {
        path: join(dir, "_strongbox"),
        next:
          onPath !== undefined
            ? "open a new shell"
            : `add this line to ~/.zshrc before compinit (once), then open a new shell: fpath=(${dir} $fpath)`,
      };
    }
  }
}

function isInside(dir: string, parent: string): boolean {
  const path = relative(parent, dir);
  return path !== "" && !path.startsWith("..") && !isAbsolute(path);
}

function writable(dir: string): boolean {
  try {
    accessSync(dir, constants.W_OK);
    return true;
  } catch {
    return false;
  }
}

/**
 * Writes the completion script for `shell` where that shell finds it. A file
 * already there that is not a Strongbox completion script is kept unless
 * `force`: a user's own script is never replaced silently.
 */
export function installCompletion(shell: Shell, env: Env, force = false): Installed {
  const { path, next } = target(shell, env);
  if (!force && existsSync(path) && !readFileSync(path, "utf8").includes(SCRIPT_MARK))
    throw new StrongboxError(
      "E_USAGE",
      `completion install: ${path} exists and is not a Strongbox completion script; it was left as it is`,
      { hint: "move it away, or replace it with --force" },
    );
  mkdirSync(join(path, ".."), { recursive: true });
  writeFileAtomic(path, Buffer.from(completionScript(shell)), 0o644);
  if (shell !== "powershell") return { shell, path, next };
  const profile = join(path, "..", "Microsoft.PowerShell_profile.ps1");
  const line = `. "${path}" ${SCRIPT_MARK}`;
  const text = existsSync(profile) ? readFileSync(profile, "utf8") : "";
  if (text.split(/\r?\n/).includes(line)) return { shell, path, next };
  writeFileAtomic(
    profile,
    Buffer.from(`${text}${text === "" || text.endsWith("\n") ? "" : "\n"}${line}\n`),
    0o644,
  );
  return { shell, path, profile, next };
}
