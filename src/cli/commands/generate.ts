import {
  generatedFiles,
  obsoleteTemplates,
  removeGenerated,
  staleFiles,
  writeGenerated,
} from "../../api/render.js";
import { StrongboxError } from "../../errors.js";
import { openProject } from "../../index.js";
import { type Command, stringOption } from "../command.js";
import { EXIT_OK, verdict } from "../exit-codes.js";
import { say, writeData } from "../io.js";

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
    const kv = stringOption(invocation, "kv-version") ?? "2";
    if (kv !== "1" && kv !== "2")
      throw new StrongboxError("E_USAGE", "generate: --kv-version is 1 or 2");
    const files = generatedFiles(project, what, {
      cwd: io.cwd,
      out: stringOption(invocation, "out"),
      kvVersion: kv === "1" ? 1 : 2,
    });
    if (what === "ctmpl" && files.length === 0)
      say(io, "strongbox: no variable reads from Vault in production; no template to write");
    if (invocation.values.stdout === true) {
      for (const file of files) writeData(io, file.text);
      return EXIT_OK;
    }
    const obsolete =
      what === "ctmpl"
        ? obsoleteTemplates(project, files, { cwd: io.cwd, out: stringOption(invocation, "out") })
        : [];
    if (invocation.values.check === true) {
      const stale = staleFiles(files);
      for (const file of stale)
        say(
          io,
          `strongbox: ${file.path} is not up to date with the schema; run \`strongbox generate ${what}\``,
        );
      for (const path of obsolete)
        say(
          io,
          `strongbox: ${path} was generated for a component that no longer reads Vault; run \`strongbox generate ctmpl\` to remove it`,
        );
      return verdict(stale.length === 0 && obsolete.length === 0);
    }
    for (const file of files) {
      writeGenerated(file);
      say(io, `strongbox: wrote ${file.path}`);
    }
    for (const path of obsolete) {
      removeGenerated(path);
      say(io, `strongbox: removed ${path} (its component no longer reads Vault)`);
    }
    return EXIT_OK;
  },
};
