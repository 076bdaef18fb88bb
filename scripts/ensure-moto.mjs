// Makes sure moto's server (a local AWS stand-in, from PyPI) is available for the
// AWS provider tests: a pinned `moto[server]` in the same git-ignored venv as OpenBao
// (never one found on PATH, so every machine tests against the same version).
import { execFileSync } from "node:child_process";
import { existsSync } from "node:fs";
import { fileURLToPath } from "node:url";

export const MOTO_VERSION = "5.2.5";
const root = fileURLToPath(new URL("..", import.meta.url));
const venv = `${root}.tools/venv`;
const local = `${venv}/bin/moto_server`;

/** Returns the path of a working `moto_server`, installing it into .tools/venv when needed. */
export function ensureMoto() {
  if (process.env.STRONGBOX_MOTO) return process.env.STRONGBOX_MOTO;
  if (existsSync(local)) return local;
  console.error(`ensure-moto: installing moto[server]==${MOTO_VERSION} into .tools/venv`);
  if (!existsSync(`${venv}/bin/pip`))
    execFileSync("python3", ["-m", "venv", venv], { stdio: "inherit" });
  execFileSync(
    `${venv}/bin/pip`,
    ["install", "--quiet", "--disable-pip-version-check", `moto[server]==${MOTO_VERSION}`],
    { stdio: "inherit" },
  );
  return local;
}

if (process.argv[1] === fileURLToPath(import.meta.url)) console.log(ensureMoto());
