import { resolve } from "node:path";
import { checkScanRoot, scanForSecrets } from "../../api/check.js";
import { StrongboxError } from "../../errors.js";
import { type Command, RESOLVE_HELP, RESOLVE_OPTIONS } from "../command.js";
import { verdict } from "../exit-codes.js";
import { say, sayAlways, writeJson } from "../io.js";
import { resolveForCli } from "../resolve-for-cli.js";

/** `strongbox scan DIR`: find resolved secret values in build output. */
export const scanCommand: Command = {
  name: "scan",
  options: { ...RESOLVE_OPTIONS, json: { type: "boolean" } },
  usage: `Usage: strongbox scan [options] DIR

Resolves the configuration, then searches every file under DIR (build output
such as .next/static or dist/) for any secret value and its base64,
base64url, URL-encoded and JSON-escaped forms. Prints file, line and the
variable's name, never the value. Exit 4 when a secret is found.

Options:
${RESOLVE_HELP}
      --json          print the hits as JSON
`,
  async run(invocation, io) {
    const [dir] = invocation.positionals;
    if (dir === undefined)
      throw new StrongboxError("E_USAGE", "scan: give the directory to scan", {
        hint: "strongbox scan .next/static",
      });
    checkScanRoot(resolve(io.cwd, dir));
    const resolution = await resolveForCli(invocation, io);
    const secrets = resolution.entries.flatMap((entry) =>
      entry.secret && entry.raw !== undefined ? [{ name: entry.name, value: entry.raw }] : [],
    );
    const unresolved = resolution.entries
      .filter((entry) => entry.secret && entry.raw === undefined)
      .map((entry) => entry.name);
    if (unresolved.length > 0)
      say(io, `strongbox: warning: not scanning for ${unresolved.join(", ")}: no value resolved`);
    const result = scanForSecrets(resolve(io.cwd, dir), secrets);
    if (result.tooShort.length > 0)
      say(io, `strongbox: warning: ${result.tooShort.join(", ")} too short to scan for safely`);
    if (invocation.values.json === true)
      writeJson(io, { ok: result.hits.length === 0, files: result.files, hits: result.hits });
    else if (result.hits.length === 0)
      say(io, `strongbox: ok: no secret found in ${result.files} files`);
    else {
      sayAlways(
        io,
        `strongbox: error: secret values found in build output (${result.hits.length} place${result.hits.length === 1 ? "" : "s"})`,
      );
      for (const hit of result.hits) sayAlways(io, `  ✗ ${hit.file}:${hit.line}: ${hit.variable}`);
      sayAlways(
        io,
        "strongbox: hint: a secret in a front-end build is public; rotate it and keep it out of public variables",
      );
    }
    return verdict(result.hits.length === 0);
  },
};
