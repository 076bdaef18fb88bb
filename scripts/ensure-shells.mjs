// Makes sure zsh and fish are available for the completion tests (issue 27): the
// scripts for each shell are loaded into the real shell, not compared as text.
// Debian's packages when the machine can install them (root, apt), else a clear error.
import { spawnSync } from "node:child_process";
import { fileURLToPath } from "node:url";

const onPath = (shell) => {
  const found = spawnSync("sh", ["-c", `command -v ${shell}`], { encoding: "utf8" });
  return found.status === 0 ? found.stdout.trim() : undefined;
};

/** Returns `{ zsh, fish }`, the paths of working shells, installing Debian's packages when needed. */
export function ensureShells() {
  const missing = ["zsh", "fish"].filter((shell) => onPath(shell) === undefined);
  if (missing.length > 0 && process.getuid?.() === 0 && onPath("apt-get") !== undefined) {
    console.log(`ensure-shells: installing Debian's ${missing.join(" and ")}`);
    const env = { ...process.env, DEBIAN_FRONTEND: "noninteractive" };
    const install = () =>
      spawnSync("apt-get", ["install", "-y", "-q", "--no-install-recommends", ...missing], {
        stdio: "ignore",
        env,
      });
    if (install().status !== 0) {
      spawnSync("apt-get", ["update", "-q"], { stdio: "ignore", env });
      install();
    }
  }
  const zsh = onPath("zsh");
  const fish = onPath("fish");
  if (zsh === undefined || fish === undefined)
    throw new Error(
      "ensure-shells: the completion tests need zsh and fish: apt-get install zsh fish (as root)",
    );
  return { zsh, fish };
}

if (process.argv[1] === fileURLToPath(import.meta.url)) console.log(ensureShells());
