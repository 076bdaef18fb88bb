// Makes sure the real `age` CLI is available for the interop tests of the team store
// (issue 16): Debian's `age` package when the machine can install it (root, apt), else
// the Go module filippo.io/age built into .tools/bin, else a clear error.
import { spawnSync } from "node:child_process";
import { existsSync, mkdirSync } from "node:fs";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";

const ROOT = join(dirname(fileURLToPath(import.meta.url)), "..");
const LOCAL = join(ROOT, ".tools", "bin", "age");
const AGE_MODULE_VERSION = "v1.2.1";

const works = (path) => spawnSync(path, ["--version"], { stdio: "ignore" }).status === 0;
const onPath = () => {
  const found = spawnSync("sh", ["-c", "command -v age"], { encoding: "utf8" });
  return found.status === 0 ? found.stdout.trim() : undefined;
};

/** Returns the path of a working `age` binary (with `age-keygen` beside it), installing it when needed. */
export function ensureAge() {
  if (process.env.STRONGBOX_AGE) return process.env.STRONGBOX_AGE;
  const existing = onPath();
  if (existing && works(existing)) return existing;
  if (existsSync(LOCAL) && works(LOCAL)) return LOCAL;
  if (process.getuid?.() === 0 && spawnSync("sh", ["-c", "command -v apt-get"]).status === 0) {
    console.log("ensure-age: installing Debian's age package");
    const env = { ...process.env, DEBIAN_FRONTEND: "noninteractive" };
    let install = spawnSync("apt-get", ["install", "-y", "-q", "age"], { stdio: "ignore", env });
    if (install.status !== 0) {
      spawnSync("apt-get", ["update", "-q"], { stdio: "ignore", env });
      install = spawnSync("apt-get", ["install", "-y", "-q", "age"], { stdio: "ignore", env });
    }
    const installed = onPath();
    if (installed && works(installed)) return installed;
  }
  if (spawnSync("sh", ["-c", "command -v go"]).status === 0) {
    console.log(`ensure-age: building filippo.io/age ${AGE_MODULE_VERSION} with go`);
    mkdirSync(dirname(LOCAL), { recursive: true });
    const built = spawnSync("go", ["install", `filippo.io/age/cmd/...@${AGE_MODULE_VERSION}`], {
      stdio: "inherit",
      env: { ...process.env, GOBIN: dirname(LOCAL) },
    });
    if (built.status === 0 && works(LOCAL)) return LOCAL;
  }
  throw new Error(
    "ensure-age: no age CLI: install Debian's age package (apt-get install age) or Go, or set STRONGBOX_AGE",
  );
}

if (process.argv[1] === fileURLToPath(import.meta.url)) console.log(ensureAge());
