import { resolve } from "node:path";
import {
  partitionCredentials,
  readPlaintextDotenv,
  readPlaintextDotenvFile,
  skippedCredentialsLine,
} from "../api/migrate.js";
import { checkStoreValue, type SecretMeta, storeSetNotes } from "../api/store.js";
import { StrongboxError } from "../errors.js";
import { type Invocation, stringOption } from "./command.js";
import { EXIT_OK } from "./exit-codes.js";
import { type CliIo, say, writeJson } from "./io.js";
import { readStdin } from "./prompt.js";
import { openStoreForCli } from "./store-context.js";

/** One secret of `set A=1 B=2` or `set -f FILE`, with where it was given (for messages). */
interface Given {
  readonly name: string;
  readonly value: string;
  /** `argument 2`, `.env line 3`. */
  readonly where: string;
}

/** Options that name one secret's value or target, which a batch cannot take. */
const SINGLE_ONLY = ["from-file", "value", "to", "expected-version", "description"] as const;

/** True when the command line is a batch: `--file`, or a NAME=VALUE argument. */
export function isBatch(invocation: Invocation): boolean {
  return (
    stringOption(invocation, "file") !== undefined ||
    invocation.positionals.some((arg) => arg.includes("="))
  );
}

/**
 * `set A=1 B=2` and `set -f FILE`: every pair checked (names, empty values,
 * the schema's types) before the store is opened, then stored as one
 * change, whole or not at all (Store.setMany: one batch of audit records
 * before any file). A file is read as `import` reads one, its credentials
 * left out by the same rule, and left as it is.
 */
export async function setMany(
  invocation: Invocation,
  io: CliIo,
  meta: SecretMeta,
): Promise<number> {
  for (const option of SINGLE_ONLY)
    if (invocation.values[option] !== undefined)
      throw new StrongboxError(
        "E_USAGE",
        `set: --${option} names one secret's value or place; it does not go with NAME=VALUE or --file`,
        { hint: "store that secret on its own: strongbox set NAME …" },
      );
  const given = await givenPairs(invocation, io);
  refuseEmpty(invocation, given);
  for (const { name, value } of given)
    await checkStoreValue({
      name,
      value: Buffer.from(value, "utf8"),
      cwd: io.cwd,
      env: io.env,
      configPath: stringOption(invocation, "config"),
    });
  const store = await openStoreForCli(invocation, io);
  const stored = store.setMany(
    given.map(({ name, value }) => ({ name, value: Buffer.from(value, "utf8") })),
    meta,
  );
  if (invocation.values.json === true) writeJson(io, { stored });
  else
    for (const { name, version } of stored) say(io, `strongbox: stored ${name} version ${version}`);
  for (const { name } of stored)
    for (const note of await storeSetNotes({
      name,
      cwd: io.cwd,
      env: io.env,
      configPath: stringOption(invocation, "config"),
      environment: stringOption(invocation, "env"),
    }))
      say(io, `strongbox: warning: ${note}`);
  return EXIT_OK;
}

/** The pairs of the command line, or of the file, each given once. */
async function givenPairs(invocation: Invocation, io: CliIo): Promise<Given[]> {
  const file = stringOption(invocation, "file");
  if (file !== undefined && invocation.positionals.length > 0)
    throw new StrongboxError("E_USAGE", "set: give NAME=VALUE pairs or --file FILE, not both");
  const given = file === undefined ? fromArguments(invocation, io) : await fromFile(file, io);
  const seen = new Map<string, string>();
  for (const { name, where } of given) {
    const earlier = seen.get(name);
    if (earlier !== undefined)
      throw new StrongboxError(
        "E_USAGE",
        `set: ${name} is given twice (${earlier} and ${where}); nothing was stored`,
        { hint: "give each secret once" },
      );
    seen.set(name, where);
  }
  return given;
}

/**
 * NAME=VALUE arguments. A value on the command line is visible in the process
 * list and the shell's history, as with --value: allowed, with the same warning.
 */
function fromArguments(invocation: Invocation, io: CliIo): Given[] {
  const given = invocation.positionals.map((arg, index) => {
    const at = arg.indexOf("=");
    const where = `argument ${index + 1}`;
    if (at <= 0)
      throw new StrongboxError(
        "E_USAGE",
        at === 0
          ? `set: ${where} has no name before "="; nothing was stored`
          : // Only the position: a shell-split value ("correct horse battery") makes
            // its fragments arguments of their own, and any of them may be secret.
            `set: ${where} is not NAME=VALUE (it has no "="); nothing was stored`,
        { hint: "strongbox set NAME=VALUE [NAME=VALUE…], or one NAME with its value on stdin" },
      );
    return { name: arg.slice(0, at), value: arg.slice(at + 1), where };
  });
  say(
    io,
    `strongbox: warning: NAME=VALUE puts the value${given.length === 1 ? "" : "s"} of ${given.map((pair) => pair.name).join(", ")} in the process list and your shell history; prefer set -f FILE or set -f - (stdin)`,
  );
  return given;
}

/** The assignments of a dotenv file (`-` for stdin), read as `import` reads one; credentials left out. */
async function fromFile(file: string, io: CliIo): Promise<Given[]> {
  const where = {
    shown: `set: ${file}`,
    env: io.env,
    nothing: "nothing was stored",
  };
  const entries =
    file === "-"
      ? readPlaintextDotenv((await readStdin()).toString("utf8"), { ...where, shown: "set: stdin" })
      : readPlaintextDotenvFile(resolve(io.cwd, file), {
          ...where,
          shown: file,
          context: "set",
          hint: "give the path of a .env file of NAME=VALUE lines",
        });
  // Credentials never go into a store that is committed and shared: import's rule.
  const { credentials, others } = partitionCredentials(entries, (entry) => entry.key);
  if (credentials.length > 0)
    say(io, `strongbox: ${skippedCredentialsLine(credentials.map((entry) => entry.key))}`);
  const shown = file === "-" ? "stdin" : file;
  return others.map((entry) => ({
    name: entry.key,
    value: entry.value,
    where: `${shown} line ${entry.line}`,
  }));
}

/** An empty value is refused unless --allow-empty, naming where it was given. */
function refuseEmpty(invocation: Invocation, given: readonly Given[]): void {
  if (given.length === 0)
    throw new StrongboxError("E_USAGE", "set: nothing to store", {
      hint: "give NAME=VALUE pairs, or a --file with NAME=VALUE lines",
    });
  if (invocation.values["allow-empty"] === true) return;
  const empty = given.find((pair) => pair.value.length === 0);
  if (empty !== undefined)
    throw new StrongboxError(
      "E_USAGE",
      `set: the value of ${empty.name} (${empty.where}) is empty; nothing was stored`,
      {
        hint: "give it a value, leave it out, or pass --allow-empty to store empty values on purpose",
      },
    );
}
