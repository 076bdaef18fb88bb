import { existsSync, mkdirSync, readFileSync, writeFileSync } from "node:fs";
import { basename, dirname, join, resolve } from "node:path";
import { StrongboxError } from "../../errors.js";
import { renderCtmpl } from "../../generate/ctmpl.js";
import { renderEnvExample } from "../../generate/example.js";
import { openProject } from "../../project.js";
import { type Command, stringOption } from "../command.js";
import { EXIT_OK, verdict } from "../exit-codes.js";
import { say } from "../io.js";

/** `strongbox generate example|ctmpl`: derive the documentation and template layers from the schema. */
export const generateCommand: Command = {
  name: "generate",
  options: {
    config: { type: "string", short: "c" },
    out: { type: "string", short: "o" },
    stdout: { type: "boolean" },
    check: { type: "boolean" },
    "kv-version": { type: "string" },
    help: { type: "boolean", short: "h" },
  },
  usage: `Usage: strongbox generate example [--out FILE] [--stdout] [--check]
       strongbox generate ctmpl [--out DIR] [--stdout] [--check] [--kv-version 1|2]

example  Writes .env.example beside the config: every variable with its
         description and type, grouped by component, [VAULT] where production
         reads it from Vault, safe example values, secrets always empty.
ctmpl    Writes secrets.ctmpl (secrets.<component>.ctmpl for other components)
         in consul-template / vault-agent syntax for the secrets production
         reads from Vault; {env} becomes (env "ENV").

Output depends on the schema alone: re-running changes nothing.

Options:
  -c, --config PATH   the config file
  -o, --out PATH      the file (example) or directory (ctmpl) to write
      --stdout        print instead of writing
      --check         write nothing; exit 4 if the files on disk are not up to date
      --kv-version N  the KV version of the templates' mount (default 2)
`,
  async run(invocation, io) {
    const [what] = invocation.positionals;
    if (what !== "example" && what !== "ctmpl")
      throw new StrongboxError("E_USAGE", "generate: give `example` or `ctmpl`", {
        hint: "strongbox generate --help",
      });
    const project = await openProject({
      cwd: io.cwd,
      configPath: stringOption(invocation, "config"),
      processEnv: io.env,
    });
    const out = stringOption(invocation, "out");
    let files: Array<{ path: string; text: string }>;
    if (what === "example") {
      files = [
        {
          path: out === undefined ? join(project.baseDir, ".env.example") : resolve(io.cwd, out),
          text: renderEnvExample(project.config, basename(project.configPath)),
        },
      ];
    } else {
      const kv = stringOption(invocation, "kv-version") ?? "2";
      if (kv !== "1" && kv !== "2")
        throw new StrongboxError("E_USAGE", "generate: --kv-version is 1 or 2");
      const dir = out === undefined ? project.baseDir : resolve(io.cwd, out);
      files = renderCtmpl(project.config, { kvVersion: kv === "1" ? 1 : 2 }).map((t) => ({
        path: join(dir, t.file),
        text: t.text,
      }));
      if (files.length === 0)
        say(io, "strongbox: no variable reads from Vault in production; no template to write");
    }
    if (invocation.values.stdout === true) {
      for (const file of files) io.stdout.write(file.text);
      return EXIT_OK;
    }
    if (invocation.values.check === true) {
      const stale = files.filter(
        (file) => !existsSync(file.path) || readFileSync(file.path, "utf8") !== file.text,
      );
      for (const file of stale)
        say(
          io,
          `strongbox: ${file.path} is not up to date with the schema; run \`strongbox generate ${what}\``,
        );
      return verdict(stale.length === 0);
    }
    for (const file of files) {
      try {
        mkdirSync(dirname(file.path), { recursive: true });
        writeFileSync(file.path, file.text);
      } catch (error) {
        throw new StrongboxError(
          "E_IO",
          `cannot write ${file.path}: ${(error as NodeJS.ErrnoException).code ?? "error"}`,
          { hint: "check the directory is writable" },
        );
      }
      say(io, `strongbox: wrote ${file.path}`);
    }
    return EXIT_OK;
  },
};
