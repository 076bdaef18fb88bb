import { existsSync } from "node:fs";
import { resolve } from "node:path";
import { createInterface } from "node:readline/promises";
import { type ImportAction, importDotenv, skippedCredentialsLine } from "../../api/migrate.js";
import { StrongboxError } from "../../errors.js";
import { openSessionIfAny } from "../../index.js";
import { type Command, type Invocation, stringOption } from "../command.js";
import { EXIT_OK } from "../exit-codes.js";
import { type CliIo, say, writeJson } from "../io.js";
import { sayNextSteps, stepsAfterImport } from "../next-steps.js";
import { openStoreForCli, STORE_HELP, STORE_OPTION } from "../store-context.js";

/** `strongbox import FILE`: move a plaintext .env's secrets into the store. */
export const importCommand: Command = {
  name: "import",
  options: {
    ...STORE_OPTION,
    all: { type: "boolean" },
    rewrite: { type: "boolean" },
    gitignore: { type: "boolean" },
    delete: { type: "boolean" },
    json: { type: "boolean" },
    help: { type: "boolean", short: "h" },
  },
  usage: `Usage: strongbox import FILE [--all] [--rewrite | --gitignore | --delete]

Stores each secret of FILE in the encrypted store under its variable name.
Secrets are the variables the schema marks secret; without a schema entry,
names like *_KEY, *_SECRET, *_TOKEN, *_PASSWORD, DATABASE_URL, or URLs that
carry a password. --all imports every variable. Values that are already
references are skipped, and so are credentials (VAULT_TOKEN,
STRONGBOX_MASTER_KEY, AWS_SECRET_ACCESS_KEY…), even with --all. Then, for the plaintext file:

  --rewrite     replace each imported value in FILE with store://NAME
  --gitignore   add FILE to the .gitignore beside it
  --delete      delete FILE (only when every variable in it was imported)

Without one of these, a terminal is asked which to do; a script gets none.

Options:
${STORE_HELP}
      --all           import every variable, not only secrets
      --json          print what was imported as JSON
`,
  async run(invocation, io) {
    const [file] = invocation.positionals;
    if (file === undefined)
      throw new StrongboxError("E_USAGE", "import: give the .env file to import");
    const path = resolve(io.cwd, file);
    const { config } = await openSessionIfAny({
      cwd: io.cwd,
      configPath: stringOption(invocation, "config"),
      processEnv: io.env,
    });
    const result = await importDotenv(path, {
      shown: file,
      env: io.env,
      config,
      all: invocation.values.all === true,
      action: await chooseAction(invocation, io, file, path),
      store: () => openStoreForCli(invocation, io),
    });
    if (invocation.values.json === true) {
      writeJson(io, { file, ...result, action: result.action ?? "none" });
      return EXIT_OK;
    }
    if (result.credentials.length > 0)
      say(io, `strongbox: ${skippedCredentialsLine(result.credentials)}`);
    for (const item of result.imported)
      say(io, `strongbox: imported ${item.name} (version ${item.version})`);
    if (result.skipped.length > 0)
      say(
        io,
        `strongbox: left in ${file} (not secrets, or references): ${result.skipped.join(", ")}`,
      );
    say(
      io,
      result.action === undefined
        ? `strongbox: ${file} still holds the plaintext; rerun with --rewrite, --gitignore or --delete`
        : `strongbox: ${file}: ${result.action} done`,
    );
    sayNextSteps(
      io,
      stepsAfterImport(io, {
        file,
        action: result.action,
        configPath: stringOption(invocation, "config"),
      }),
    );
    return EXIT_OK;
  },
};

/** The flag given, else (on a terminal, for a file that exists) the user's answer. */
async function chooseAction(
  invocation: Invocation,
  io: CliIo,
  file: string,
  path: string,
): Promise<ImportAction | undefined> {
  const flags = (["rewrite", "gitignore", "delete"] as const).filter(
    (flag) => invocation.values[flag] === true,
  );
  if (flags.length > 1)
    throw new StrongboxError("E_USAGE", "import: choose one of --rewrite, --gitignore, --delete");
  if (flags[0] !== undefined || !process.stdin.isTTY || !existsSync(path)) return flags[0];
  const rl = createInterface({ input: process.stdin, output: io.stderr });
  const answer = (
    await rl.question(
      `After importing, ${file} still holds the plaintext: [r]ewrite it to reference the store, add it to .[g]itignore, [d]elete it, or leave it? `,
    )
  )
    .trim()
    .toLowerCase();
  rl.close();
  return ({ r: "rewrite", g: "gitignore", d: "delete" } as const)[
    answer.slice(0, 1) as "r" | "g" | "d"
  ];
}
