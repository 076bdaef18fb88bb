// Makes sure a real Chromium is available for the dashboard's browser tests (issue 17):
// Debian's chromium package, driven by playwright-core (npm) through its executable path.
import { spawnSync } from "node:child_process";
import { fileURLToPath } from "node:url";

const CANDIDATES = ["/usr/bin/chromium", "/usr/bin/chromium-browser"];
const works = (path) => spawnSync(path, ["--version"], { stdio: "ignore" }).status === 0;

/** Returns the path of a working Chromium, installing Debian's package when needed. */
export function ensureChromium() {
  if (process.env.STRONGBOX_CHROMIUM) return process.env.STRONGBOX_CHROMIUM;
  const found = CANDIDATES.find(works);
  if (found) return found;
  if (process.getuid?.() === 0 && spawnSync("sh", ["-c", "command -v apt-get"]).status === 0) {
    console.log("ensure-chromium: installing Debian's chromium package");
    const env = { ...process.env, DEBIAN_FRONTEND: "noninteractive" };
    let install = spawnSync("apt-get", ["install", "-y", "-q", "chromium"], {
      stdio: "ignore",
      env,
    });
    if (install.status !== 0) {
      spawnSync("apt-get", ["update", "-q"], { stdio: "ignore", env });
      install = spawnSync("apt-get", ["install", "-y", "-q", "chromium"], { stdio: "ignore", env });
    }
    const installed = CANDIDATES.find(works);
    if (installed) return installed;
  }
  throw new Error(
    "ensure-chromium: no Chromium: install Debian's chromium package, or set STRONGBOX_CHROMIUM",
  );
}

if (process.argv[1] === fileURLToPath(import.meta.url)) console.log(ensureChromium());
