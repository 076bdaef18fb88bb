// Makes sure a real SMTP server library is available for the smoke tests: the pinned
// `aiosmtpd` from PyPI in the venv the tests share (test/helpers/smtp-server.py drives it).
import { fileURLToPath } from "node:url";
import { venvTool } from "./venv-tool.mjs";

export const AIOSMTPD_VERSION = "1.4.6";

/** Returns the path of the venv's `aiosmtpd` (its python3 sits beside it), installing it when needed. */
export function ensureSmtp() {
  if (process.env.STRONGBOX_SMTP) return process.env.STRONGBOX_SMTP;
  return venvTool("aiosmtpd", `aiosmtpd==${AIOSMTPD_VERSION}`, "ensure-smtp");
}

if (process.argv[1] === fileURLToPath(import.meta.url)) console.log(ensureSmtp());
