import {
  closeSync,
  constants,
  existsSync,
  fstatSync,
  openSync,
  readFileSync,
  readlinkSync,
  realpathSync,
} from "node:fs";
import { homedir } from "node:os";
import { basename, dirname, isAbsolute, join, resolve, sep } from "node:path";
import { StrongboxError } from "../errors.js";
import { credentialDeclarations } from "./credential-table.js";
import { isCredentialVariable } from "./credentials.js";
import { strongboxConfigDir } from "./key-file.js";

/**
 * The one guard for files read on behalf of a template, a reference or a
 * config value (`{{ file }}`, `file://`, template sources). The invariant:
 * such a read returns a regular file that lies, on its real path, inside
 * the project or a path the config names, and that is neither a process,
 * system or device file (`/proc`, `/sys`, `/dev`, however spelled) nor a
 * credential (a file a credential variable names, or where Strongbox, Vault
 * or a provider's SDK keeps credentials). It is checked on the path as
 * written, on its real path, and again on the file actually opened, so a
 * symlink, `..`, `//` or a link swapped in between does not get through.
 */

type Env = Readonly<Record<string, string | undefined>>;

/** Where a read may go: the allow-list, and the environment that names credential files. */
export interface ReadScope {
  /** Directories anything inside which may be read: the project (the config's directory). */
  readonly roots: readonly string[];
  /** Files or directories the config names (a schema's `file://` ref, a template source): readable wherever they are. */
  readonly named?: readonly string[];
  /** Relative paths start here. */
  readonly cwd: string;
  /** The environment: its credential variables name credential files; HOME places the rest. */
  readonly env: Env;
}

/** Why a read is refused, in words; undefined when it is allowed. */
type Refusal = string | undefined;

/** Filesystems that are views of processes and devices, never a project's files. */
const PSEUDO_ROOTS = ["/proc", "/sys", "/dev"];

/** Where Strongbox itself keeps credentials (besides its key directory) when no variable names them. */
const STRONGBOX_FILES = ["~/.ssh"];

/**
 * Reads `path` (relative to `scope.cwd`) if the guard allows it. A refusal
 * is `E_UNSAFE_PATH`, a missing or unreadable file `E_IO`, each naming the
 * path as given; never the content.
 */
export function readGuarded(path: string, scope: ReadScope): Buffer {
  if (path.includes("\0")) throw refused(path, "the path contains a NUL byte");
  const absolute = resolve(scope.cwd, path);
  const credentials = credentialLocations(scope);
  const early = pseudo(absolute) ?? credential(absolute, credentials);
  if (early !== undefined) throw refused(path, early);
  let real: string;
  try {
    real = realpathSync.native(absolute);
  } catch (error) {
    // A link to what has no real path here (/dev/fd/0 on a pipe, a missing /proc entry)
    // is still judged by where it points.
    const hop = linkTargets(absolute).find(
      (target) => pseudo(target) ?? credential(target, credentials),
    );
    if (hop !== undefined)
      throw refused(path, (pseudo(hop) ?? credential(hop, credentials)) as string);
    throw unreadable(path, error);
  }
  const before = check(real, scope, credentials);
  if (before !== undefined) throw refused(path, before);
  let fd: number;
  try {
    // No FIFO or device can hold the read open: non-blocking, and the last link not followed.
    fd = openSync(real, constants.O_RDONLY | constants.O_NOFOLLOW | constants.O_NONBLOCK);
  } catch (error) {
    throw unreadable(path, error);
  }
  try {
    const stats = fstatSync(fd);
    if (!stats.isFile()) throw refused(path, "it is not a regular file");
    // What was opened, not what was checked: a directory swapped for a link meanwhile shows here.
    const opened = openedPath(fd);
    const after = opened === undefined ? undefined : check(opened, scope, credentials);
    if (after !== undefined) throw refused(path, after);
    // A file with several names cannot be judged by the one it was asked by: a hard link
    // into the project is another name for whatever it links, a key file as well as any.
    if (stats.nlink > 1)
      throw refused(path, "it has other names (hard links), which may be a credential's");
    return readFileSync(fd);
  } finally {
    closeSync(fd);
  }
}

function check(real: string, scope: ReadScope, credentials: CredentialLocations): Refusal {
  const denied = pseudo(real) ?? credential(real, credentials);
  if (denied !== undefined) return denied;
  const allowed = [...scope.roots, ...(scope.named ?? [])].some((place) =>
    within(real, canonical(resolve(scope.cwd, place))),
  );
  return allowed ? undefined : "it is outside the project and not a path the config names";
}

function pseudo(path: string): Refusal {
  return PSEUDO_ROOTS.some((root) => within(path, root))
    ? "it is a process, system or device file"
    : undefined;
}

function credential(path: string, credentials: CredentialLocations): Refusal {
  if (path.split(sep).includes(".strongbox")) return "it is inside a Strongbox store";
  return credentials.places.some((place) => within(path, place))
    ? "it holds a credential Strongbox keeps to itself"
    : undefined;
}

interface CredentialLocations {
  /** Files and directories, as written and on their real paths. */
  readonly places: readonly string[];
}

/**
 * Every place a credential lives: the files credential variables name (any
 * `*_FILE`, `*_PATH`, or a credential whose value is an absolute path to a
 * file: `VAULT_CLIENT_KEY`), the places Strongbox keeps keys and identities,
 * and the places each provider declares (`credentialFiles`: `~/.vault-token`,
 * `~/.aws/credentials`, the Kubernetes service-account token …).
 */
export function credentialLocations(scope: Pick<ReadScope, "cwd" | "env">): CredentialLocations {
  const home = scope.env.HOME || homedir();
  const usable = (value: string | undefined): value is string =>
    value !== undefined && value !== "" && !/[\0\n]/.test(value) && value.length <= 4096;
  // A relative path in a variable is read by Strongbox and the SDKs against the process's
  // working directory; the config's directory (scope.cwd) is guarded too, as a user may mean it.
  const bases = [...new Set([process.cwd(), scope.cwd])];
  const named = (value: string) => bases.map((base) => resolve(base, value));
  const expand = (path: string): string[] => {
    if (path.startsWith("$")) {
      // A place the provider's SDK takes from a variable (AZURE_CONFIG_DIR).
      const value = scope.env[path.slice(1)];
      return usable(value) ? named(value) : [];
    }
    return [path === "~" ? home : path.startsWith("~/") ? join(home, path.slice(2)) : path];
  };
  const written: string[] = [
    strongboxConfigDir(scope.env),
    ...[...STRONGBOX_FILES, ...providerFiles()].flatMap(expand),
  ];
  for (const [name, value] of Object.entries(scope.env)) {
    if (!usable(value) || !isCredentialVariable(name)) continue;
    // A credential variable that names a path (absolute, *_FILE/*_PATH, or any value naming
    // an existing file or directory, such as a relative VAULT_CLIENT_KEY) names a credential place.
    const paths = named(value);
    if (isAbsolute(value) || /_(FILE|PATH)$/.test(name) || paths.some((path) => existsSync(path)))
      written.push(...paths);
  }
  const places = new Set<string>();
  for (const path of written) {
    places.add(path);
    places.add(canonical(path));
  }
  return { places: [...places] };
}

/** The real path of `path`, or of its longest existing ancestor with the rest appended. */
function canonical(path: string): string {
  try {
    return realpathSync.native(path);
  } catch {
    const parent = dirname(path);
    return parent === path ? path : join(canonical(parent), basename(path));
  }
}

/** The targets a chain of symbolic links at `path` passes through (at most 40, as the kernel allows). */
function linkTargets(path: string): string[] {
  const targets: string[] = [];
  let current = path;
  for (let hop = 0; hop < 40; hop++) {
    let target: string;
    try {
      target = readlinkSync(current);
    } catch {
      break;
    }
    current = resolve(dirname(current), target);
    targets.push(current);
  }
  return targets;
}

/** Where an open descriptor really points (Linux); undefined where the system cannot say. */
function openedPath(fd: number): string | undefined {
  try {
    const target = readlinkSync(`/proc/self/fd/${fd}`);
    return isAbsolute(target) ? target : undefined;
  } catch {
    return undefined;
  }
}

function within(path: string, place: string): boolean {
  return path === place || path.startsWith(place.endsWith(sep) ? place : `${place}${sep}`);
}

function refused(path: string, why: string): StrongboxError {
  return new StrongboxError("E_UNSAFE_PATH", `the file "${path}" may not be read: ${why}`, {
    hint: "templates, references and config values read files in the project, or ones the config names; never credentials or /proc, /sys, /dev",
  });
}

function unreadable(path: string, error: unknown): StrongboxError {
  const code = (error as NodeJS.ErrnoException).code;
  return new StrongboxError(
    "E_IO",
    `${path} ${code === "ENOENT" ? "does not exist" : `cannot be read (${code ?? "error"})`}`,
    { hint: "check the path and that this user may read it" },
  );
}

/** The files providers declared (credential-table.ts), handed down by the provider registry. */
function providerFiles(): string[] {
  return credentialDeclarations().flatMap((declaration) => declaration.files ?? []);
}
