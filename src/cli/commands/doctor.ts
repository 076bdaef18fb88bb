import { type DoctorCheck, localDoctor } from "../../api/check.js";
import { type Command, stringOption } from "../command.js";
import { verdict } from "../exit-codes.js";
import { say, sayAlways, writeJson } from "../io.js";

const MARK: Readonly<Record<DoctorCheck["status"], string>> = {
  ok: "✓",
  warn: "!",
  fail: "✗",
  skip: "-",
};

/** `strongbox doctor`: the local side of a project's health, every check at once; never a value. */
export const doctorCommand: Command = {
  name: "doctor",
  options: {
    config: { type: "string", short: "c" },
    json: { type: "boolean" },
    help: { type: "boolean", short: "h" },
  },
  usage: `Usage: strongbox doctor [-c CONFIG] [--json]

Checks what a project needs on this machine, all at once: the config (found,
valid), the key files (yours, mode 0600 in a 0700 directory), the store
(opens with its key; files and manifest agree), files holding secrets git
would commit (.env files, files agent.yaml renders, migrate journals),
the TypeScript compile cache, the audit log (chain intact) and, when the
project reads Vault or VAULT_ADDR is set, whether Vault answers and the
token is accepted. Reads no secret value. Exit 4 when a check fails.
(\`strongbox vault doctor\` checks what Vault holds for each environment.)
`,
  async run(invocation, io) {
    const checks = await localDoctor({
      cwd: io.cwd,
      env: io.env,
      configPath: stringOption(invocation, "config"),
    });
    const ok = checks.every((check) => check.status !== "fail");
    if (invocation.values.json === true) writeJson(io, { ok, checks });
    else
      for (const check of checks) {
        // --quiet keeps the warnings and failures: doctor's findings.
        const print = check.status === "ok" || check.status === "skip" ? say : sayAlways;
        print(io, `${MARK[check.status]} ${check.check}: ${check.detail}`);
        if (check.hint !== undefined && check.status !== "ok") print(io, `    hint: ${check.hint}`);
      }
    return verdict(ok);
  },
};
