import { outputMode, type RenderJob, renderFiles, textToBytes } from "../../api/render.js";
import { StrongboxError } from "../../errors.js";
import { type Command, listOption, stringOption } from "../command.js";
import { EXIT_OK } from "../exit-codes.js";
import { say, writeData } from "../io.js";

/** `strongbox render`: render consul-template style templates from Vault, written safely. */
export const renderCommand: Command = {
  name: "render",
  options: {
    input: { type: "string", short: "i" },
    output: { type: "string", short: "o" },
    template: { type: "string", short: "t", multiple: true },
    dry: { type: "boolean" },
    reveal: { type: "boolean" },
    "allow-missing": { type: "boolean" },
    mode: { type: "string" },
    force: { type: "boolean" },
    env: { type: "string", short: "e" },
    config: { type: "string", short: "c" },
    help: { type: "boolean", short: "h" },
  },
  usage: `Usage: strongbox render -i TEMPLATE -o OUTPUT [options]
       strongbox render -t TEMPLATE:OUTPUT[:COMMAND]... [options]

Renders vault-agent / consul-template templates byte for byte as bao agent
does (secret reads and writes, pkiCert, env, the consul-template and sprig_*
functions, define/template/range; docs/render.md lists them all), and
Strongbox's own {{ strongbox "VAR" }} and {{ ref "REF" }} (any reference), which
resolve through the schema and the environment's policy) from
Vault/OpenBao (VAULT_ADDR and a token or AppRole, as for vault:// refs).
Each output is written atomically with mode 0600. A symlink at the output
path (unless --force), a symlinked directory on the way to it, and a
directory others can write to (without the sticky bit) are refused. A key missing
from a secret is an error unless --allow-missing. With -t, COMMAND runs
(sh -c) after its output is written.

Options:
  -i, --input PATH        the template
  -o, --output PATH       where to write it
  -t, --template I:O[:C]  a template, its output and an optional command (repeatable)
      --dry               print to stdout instead of writing; every value from Vault,
                          the schema's secrets or the environment is masked
      --reveal            with --dry: do not mask
      --allow-missing     render missing keys as empty
      --mode OCTAL        file mode of outputs (default 0600; read bits for the group
                          or others may be added, write and execute bits never)
      --force             write through a symlink at the output path
  -e, --env NAME          the environment for {{ strongbox "VAR" }} and {{ ref "…" }};
                          {{ env "ENV" }} is NAME (the generated secrets.ctmpl reads it)
  -c, --config PATH       the config those resolve through
`,
  async run(invocation, io) {
    const jobs = (listOption(invocation, "template") ?? []).map(parseJob);
    const input = stringOption(invocation, "input");
    if (input !== undefined) jobs.push({ input, output: stringOption(invocation, "output") });
    if (jobs.length === 0)
      throw new StrongboxError(
        "E_USAGE",
        "render: give -i TEMPLATE -o OUTPUT or -t TEMPLATE:OUTPUT",
        { hint: "strongbox render --help" },
      );
    const texts = await renderFiles(jobs, {
      cwd: io.cwd,
      env: io.env,
      dry: invocation.values.dry === true,
      reveal: invocation.values.reveal === true,
      allowMissing: invocation.values["allow-missing"] === true,
      mode: outputMode(stringOption(invocation, "mode"), "render --mode"),
      force: invocation.values.force === true,
      environment: stringOption(invocation, "env"),
      configPath: stringOption(invocation, "config"),
      onWritten: (job) => say(io, `strongbox: rendered ${job.input} -> ${job.output}`),
    });
    for (const text of texts) writeData(io, textToBytes(text));
    return EXIT_OK;
  },
};

function parseJob(text: string): RenderJob {
  const [input, output, ...command] = text.split(":");
  if (!input || !output)
    throw new StrongboxError("E_USAGE", "render: -t takes TEMPLATE:OUTPUT[:COMMAND]");
  return { input, output, command: command.length === 0 ? undefined : command.join(":") };
}
