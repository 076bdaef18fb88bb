import { appendFileSync, existsSync, readFileSync, unlinkSync, writeFileSync } from "node:fs";
import { basename, dirname, join, resolve } from "node:path";
import { createInterface } from "node:readline/promises";
import { findConfig } from "../../config/find-config.js";
import { loadConfigFile } from "../../config/load-file.js";
import { parseDotenv } from "../../dotenv/parse.js";
import { StrongboxError } from "../../errors.js";
import { knownSchemes } from "../../providers/registry.js";
import { refScheme } from "../../refs/ref.js";
import { looksSecret } from "../../schema/looks-secret.js";
import { isCredentialVariable } from "../../security/credentials.js";
import { envValue } from "../../util/env-value.js";
import { type Command, type Invocation, stringOption } from "../command.js";
import { type CliIo, say } from "../io.js";
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
references are skipped. Then, for the plaintext file:

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
    if (!existsSync(path)) throw new StrongboxError("E_IO", `import: ${file} does not exist`);
    const text = readFileSync(path, "utf8");
    const parsed = parseDotenv(text, {
      source: file,
      lookup: (name) => envValue(io.env, name),
      refuse: isCredentialVariable,
    });
    if (parsed.issues.length > 0) {
      throw Object.defineProperty(
        new StrongboxError(
          "E_DOTENV_PARSE",
          `import: ${file} has ${parsed.issues.length} problem(s); nothing was imported`,
        ),
        "issues",
        { value: parsed.issues },
      );
    }
    const schemaSecrets = await secretNamesFromSchema(invocation, io);
    const isSecret = (key: string, value: string) =>
      invocation.values.all === true || (schemaSecrets?.get(key) ?? looksSecret(key, value));
    const chosen = parsed.entries.filter((entry) => {
      const scheme = refScheme(entry.value);
      return (
        entry.value !== "" &&
        !(scheme !== undefined && knownSchemes().includes(scheme)) &&
        isSecret(entry.key, entry.value)
      );
    });
    const store = await openStoreForCli(invocation, io);
    const imported = chosen.map((entry) => ({
      name: entry.key,
      version: store.set(entry.key, Buffer.from(entry.value, "utf8")),
    }));
    const skipped = parsed.entries
      .filter((entry) => !chosen.includes(entry))
      .map((entry) => entry.key);
    const action = await chooseAction(invocation, io, file);
    if (action === "delete" && skipped.length > 0) {
      throw new StrongboxError(
        "E_USAGE",
        `import: ${file} also holds ${skipped.join(", ")}, which were not imported; it was not deleted`,
        { hint: "use --rewrite to keep them and reference the store, or --all" },
      );
    }
    if (action === "rewrite") rewrite(path, text, chosen);
    if (action === "gitignore") ignore(path);
    if (action === "delete") unlinkSync(path);
    if (invocation.values.json === true) {
      io.stdout.write(
        `${JSON.stringify({ file, imported, skipped, action: action ?? "none" }, null, 2)}\n`,
      );
    } else {
      for (const item of imported)
        say(io, `strongbox: imported ${item.name} (version ${item.version})`);
      if (skipped.length > 0)
        say(io, `strongbox: left in ${file} (not secrets, or references): ${skipped.join(", ")}`);
      say(
        io,
        action === undefined
          ? `strongbox: ${file} still holds the plaintext; rerun with --rewrite, --gitignore or --delete`
          : `strongbox: ${file}: ${action} done`,
      );
    }
    return 0;
  },
};

async function secretNamesFromSchema(
  invocation: Invocation,
  io: CliIo,
): Promise<Map<string, boolean> | undefined> {
  let configPath: string;
  try {
    configPath = findConfig(io.cwd, stringOption(invocation, "config"));
  } catch {
    return undefined;
  }
  const config = await loadConfigFile(configPath, io.env);
  return new Map(
    Object.entries(config.variables).map(([name, spec]) => [
      spec.env ?? name,
      spec.secret === true,
    ]),
  );
}

type Action = "rewrite" | "gitignore" | "delete";

async function chooseAction(
  invocation: Invocation,
  io: CliIo,
  file: string,
): Promise<Action | undefined> {
  const flags = (["rewrite", "gitignore", "delete"] as const).filter(
    (flag) => invocation.values[flag] === true,
  );
  if (flags.length > 1)
    throw new StrongboxError("E_USAGE", "import: choose one of --rewrite, --gitignore, --delete");
  if (flags[0] !== undefined || !process.stdin.isTTY) return flags[0];
  const rl = createInterface({ input: process.stdin, output: io.stderr });
  const answer = (
    await rl.question(
      `${file} still holds the plaintext: [r]ewrite it to reference the store, add it to .[g]itignore, [d]elete it, or leave it? `,
    )
  )
    .trim()
    .toLowerCase();
  rl.close();
  return ({ r: "rewrite", g: "gitignore", d: "delete" } as const)[
    answer.slice(0, 1) as "r" | "g" | "d"
  ];
}

/** Replaces the lines of each imported entry with a reference, keeping every other line as it was. */
function rewrite(
  path: string,
  text: string,
  entries: ReadonlyArray<{ key: string; line: number; endLine: number }>,
): void {
  const lines = text.split("\n");
  for (const entry of [...entries].sort((a, b) => b.line - a.line)) {
    lines.splice(
      entry.line - 1,
      entry.endLine - entry.line + 1,
      `${entry.key}=store://${entry.key}`,
    );
  }
  writeFileSync(path, lines.join("\n"));
}

function ignore(path: string): void {
  const gitignore = join(dirname(path), ".gitignore");
  const name = basename(path);
  const current = existsSync(gitignore) ? readFileSync(gitignore, "utf8") : "";
  if (current.split("\n").some((line) => line.trim() === name || line.trim() === `/${name}`))
    return;
  appendFileSync(gitignore, `${current === "" || current.endsWith("\n") ? "" : "\n"}${name}\n`);
}
