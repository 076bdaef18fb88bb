// Makes sure moto's server (a local AWS stand-in, from PyPI) is available for the
// AWS provider tests: a pinned `moto[server]` in the venv the tests share (never
// one found on PATH, so every machine tests against the same version).
import { fileURLToPath } from "node:url";
import { venvTool } from "./venv-tool.mjs";

export const MOTO_VERSION = "5.2.5";

/** Returns the path of a working `moto_server`, installing it when needed. */
export function ensureMoto() {
  if (process.env.STRONGBOX_MOTO) return process.env.STRONGBOX_MOTO;
  return venvTool("moto_server", `moto[server]==${MOTO_VERSION}`, "ensure-moto");
}

if (process.argv[1] === fileURLToPath(import.meta.url)) console.log(ensureMoto());
