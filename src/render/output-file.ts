import {
  closeSync,
  constants,
  fstatSync,
  lstatSync,
  openSync,
  type Stats,
  writeSync,
} from "node:fs";
import { dirname, isAbsolute, relative, resolve, sep } from "node:path";
import { StrongboxError } from "../errors.js";
import { statOrUndefined, untrustedReason } from "../security/trusted-path.js";

/** Where rendered secrets may be written, and how. */
export interface OutputRules {
  /**
   * Destinations must stay inside this directory (the agent's config
   * directory): `../escape.env` or an absolute path elsewhere is refused.
   */
  readonly root?: string;
  /**
   * Further directories a confined destination may be in (absolute; agent.yaml's
   * `output_dirs`, e.g. a sidecar's `/etc/vault/secrets`). Unlike the root, such a
   * directory must itself be a real directory, not a link, at every check.
   */
  readonly also?: readonly string[];
  /** Lets `render --force` write through a symlink at the destination itself. */
  readonly allowSymlink?: boolean;
}

/**
 * The file mode for rendered secrets: 0600 unless asked. Read bits for the
 * group or others may be asked for (a web server's group reading a key), but
 * no mode may let anyone else write the file or execute it: a writable
 * secret file can be swapped, and an executable one is a foothold (the class
 * of Vault's CVE-2025-6000).
 */
export function outputMode(text: string | number | undefined, where: string): number {
  if (text === undefined) return 0o600;
  // A YAML `mode: 0600` arrives as the number 600: the digits are what was meant.
  const digits = String(text).replace(/^0o/, "");
  if (!/^0?[0-7]{3}$/.test(digits))
    throw new StrongboxError("E_USAGE", `${where}: the mode must be octal, such as 0600`);
  const mode = Number.parseInt(digits, 8);
  if ((mode & 0o022) !== 0)
    throw new StrongboxError(
      "E_USAGE",
      `${where}: mode ${format(mode)} lets others write the file; secrets are never group- or world-writable`,
      { hint: "use 0600, or 0640 for a group that only reads" },
    );
  if ((mode & 0o111) !== 0)
    throw new StrongboxError(
      "E_USAGE",
      `${where}: mode ${format(mode)} makes the file executable; rendered secrets never are`,
      { hint: "use 0600" },
    );
  if ((mode & 0o400) === 0)
    throw new StrongboxError(
      "E_USAGE",
      `${where}: mode ${format(mode)} does not let the owner read it`,
    );
  return mode;
}

/**
 * Refuses a destination an attacker could redirect or read: outside the
 * confining root, a symlink at the destination (unless allowed), anything
 * there that is not a regular file (a directory, a FIFO, a device), any
 * symlinked directory between the root (or the working directory) and it,
 * and any ancestor that others can write to without the sticky bit (they
 * could swap a directory for a link between our check and our write).
 */
export function checkOutputPath(path: string, cwd: string, rules: OutputRules = {}): void {
  const target = resolve(cwd, path);
  const { base, inside } = confiningBase(path, target, cwd, rules);
  const link = lstatOrUndefined(target);
  if (link?.isSymbolicLink() === true && rules.allowSymlink !== true)
    throw new StrongboxError(
      "E_UNSAFE_PATH",
      `${path} is a symlink; refusing to write through it`,
      {
        hint: "remove the link and write to the real path",
      },
    );
  // Replacing a directory, a FIFO, a socket or a device is never what writing a secret
  // file means (a FIFO would hand the secrets to whoever reads it).
  if (link !== undefined && !link.isSymbolicLink() && !link.isFile())
    throw new StrongboxError(
      "E_UNSAFE_PATH",
      `${path} is ${kindOf(link)}, not a regular file; refusing to write secrets there`,
      { hint: "name a file path (an existing regular file is replaced)" },
    );
  // Below the base, every directory must be a real one; a named output directory too.
  if (!inside.startsWith("..") && !isAbsolute(inside)) {
    const last = base === resolve(rules.root ?? cwd) ? base : dirname(base);
    for (
      let dir = dirname(target);
      dir.length > last.length && dir.startsWith(base);
      dir = dirname(dir)
    )
      if (lstatOrUndefined(dir)?.isSymbolicLink() === true)
        throw new StrongboxError(
          "E_UNSAFE_PATH",
          `${path}: ${dir} is a symlink; refusing to write secrets through a linked directory`,
          { hint: "write to the real directory" },
        );
  }
  checkAncestorsTrusted(path, target);
}

/**
 * Appends `text` to a file that must stay one (a CI runner's `$GITHUB_ENV`,
 * which is appended to, never replaced): created 0600 when absent; refused
 * (`E_UNSAFE_PATH`, nothing written) when `path` is a symlink, as it is
 * opened (O_NOFOLLOW, no window between a check and the write), or anything
 * but a regular file (a FIFO is not waited on: O_NONBLOCK).
 */
export function appendToRegularFile(path: string, text: string): void {
  let fd: number;
  try {
    fd = openSync(
      path,
      constants.O_WRONLY |
        constants.O_APPEND |
        constants.O_CREAT |
        constants.O_NOFOLLOW |
        constants.O_NONBLOCK,
      0o600,
    );
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    const link = code === "ELOOP" || lstatOrUndefined(path)?.isSymbolicLink() === true;
    throw new StrongboxError(
      code === "EISDIR" || code === "ENXIO" || link ? "E_UNSAFE_PATH" : "E_IO",
      link
        ? `${path} is a symlink; refusing to write through it`
        : code === "ENXIO"
          ? `${path} is a named pipe or a device, not a regular file; refusing to write secrets there`
          : `cannot append to ${path}: ${code ?? "error"}`,
      { hint: "name a regular file" },
    );
  }
  try {
    const stats = fstatSync(fd);
    if (!stats.isFile())
      throw new StrongboxError(
        "E_UNSAFE_PATH",
        `${path} is ${kindOf(stats)}, not a regular file; refusing to write secrets there`,
        { hint: "name a regular file" },
      );
    writeSync(fd, text);
  } finally {
    closeSync(fd);
  }
}

/**
 * The directory a destination is confined to: the root, else the first named output
 * directory that holds it. Refuses a destination in none of them (`..`, another
 * absolute path, a sibling such as `/etc/vault/secrets-evil`, the directory itself).
 */
function confiningBase(
  path: string,
  target: string,
  cwd: string,
  rules: OutputRules,
): { base: string; inside: string } {
  const root = resolve(rules.root ?? cwd);
  if (rules.root === undefined) return { base: root, inside: relative(root, target) };
  for (const base of [root, ...(rules.also ?? []).map((dir) => resolve(dir))]) {
    const inside = relative(base, target);
    if (!(inside === "" || inside.startsWith(`..${sep}`) || inside === ".." || isAbsolute(inside)))
      return { base, inside };
  }
  const named = (rules.also ?? []).length > 0 ? ` or ${(rules.also ?? []).join(", ")}` : "";
  throw new StrongboxError(
    "E_UNSAFE_PATH",
    `${path}: the destination is outside ${root}${named}, where this config may write`,
    {
      hint: "give destinations inside the config's directory, or name their directory in output_dirs",
    },
  );
}

/**
 * The trusted-path rule (security/trusted-path.ts) for the directory a secret is
 * written into, from / down: each directory owned by this user or root and not
 * writable by others without the sticky bit; another user could swap an entry
 * for a link, or read what is written. A directory not made yet is judged by
 * its nearest existing ancestor (it is made by this user).
 */
function checkAncestorsTrusted(path: string, target: string): void {
  let dir = dirname(target);
  while (statOrUndefined(dir) === undefined && dirname(dir) !== dir) dir = dirname(dir);
  const problem = untrustedReason(dir, "the destination's directory");
  if (problem === undefined) return;
  throw new StrongboxError(
    "E_UNSAFE_PATH",
    `${path}: ${problem.message}; refusing to write secrets there`,
    { hint: problem.hint },
  );
}

function kindOf(stats: Stats): string {
  if (stats.isDirectory()) return "a directory";
  if (stats.isFIFO()) return "a named pipe";
  if (stats.isSocket()) return "a socket";
  return "a device";
}

function format(mode: number): string {
  return `0${mode.toString(8).padStart(3, "0")}`;
}

function lstatOrUndefined(path: string) {
  try {
    return lstatSync(path);
  } catch {
    return undefined;
  }
}
