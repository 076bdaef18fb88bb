import { readFileSync } from "node:fs";
import { resolve } from "node:path";
import { parseDuration } from "../../api/lifecycle.js";
import { checkStoreValue, type SecretMeta, storeSetNotes } from "../../api/store.js";
import { StrongboxError } from "../../errors.js";
import { type Command, type Invocation, listOption, stringOption } from "../command.js";
import { EXIT_OK } from "../exit-codes.js";
import { type CliIo, say, writeJson } from "../io.js";
import { promptHidden, readStdin } from "../prompt.js";
import { isBatch, setMany } from "../set-many.js";
import { openStoreForCli, STORE_HELP, STORE_OPTION } from "../store-context.js";

/** `strongbox set NAME`: store a new version of a secret. The value never comes from argv unless asked. */
export const setCommand: Command = {
  name: "set",
  options: {
    ...STORE_OPTION,
    "from-file": { type: "string" },
    file: { type: "string", short: "f" },
    value: { type: "string" },
    description: { type: "string" },
    tag: { type: "string", multiple: true },
    expires: { type: "string" },
    "rotate-every": { type: "string" },
    to: { type: "string" },
    "expected-version": { type: "string" },
    json: { type: "boolean" },
    "allow-empty": { type: "boolean" },
    help: { type: "boolean", short: "h" },
  },
  usage: `Usage: strongbox set NAME [options]
       strongbox set NAME=VALUE [NAME=VALUE…] [options]
       strongbox set -f FILE [options]

Stores a new version of secret NAME. The value is read from stdin when it is
piped (one trailing newline dropped), else from a prompt that does not echo
(a multi-line paste is kept whole where the terminal marks pastes, refused
otherwise), or from --from-file (bytes exactly as in the file). --value takes
it from the command line, where other users can see it in the process list:
avoid it. An empty value is refused unless --allow-empty; the previous
version stays current.

Several secrets at once, stored as one change (all or none; nothing is
stored when any pair is refused): NAME=VALUE pairs (values on the command
line are visible in the process list, as with --value), or -f FILE, a .env
file read as \`import\` reads one (- for stdin; credentials such as VAULT_TOKEN
are left out) and left as it is.

Options:
${STORE_HELP}
      --from-file PATH    read the value from a file
  -f, --file FILE     store every NAME=VALUE of a .env file (- for stdin)
      --value VALUE       the value itself (visible in the process list)
      --description TEXT  what the secret is for
      --tag TAG           a tag; repeatable
      --expires WHEN      an RFC 3339 time, or a duration from now such as 90d
      --rotate-every D    how often it should be rotated, such as 30d
      --to TARGET         where to store it: store (default), or a reference to any
                          source that can be written, such as
                          vault://secret/shop/production/app#NAME (other keys of
                          that secret are kept; check-and-set) or store://NAME
      --expected-version N  with --to: write only if the current version is N
                          (0: only if it does not exist yet)
      --allow-empty       store an empty value on purpose
      --json              print the result as JSON
`,
  async run(invocation, io) {
    if (isBatch(invocation)) return setMany(invocation, io, metaFrom(invocation));
    const [name, ...extra] = invocation.positionals;
    if (name === undefined || extra.length > 0) {
      throw new StrongboxError("E_USAGE", "set: give exactly one secret name", {
        hint: "strongbox set NAME < value.txt",
      });
    }
    const meta = metaFrom(invocation);
    const target = stringOption(invocation, "to") ?? "store";
    if (target !== "store" && !/^[a-z][a-z0-9+.-]*:\/\//.test(target)) {
      throw new StrongboxError(
        "E_USAGE",
        "set: --to takes `store` or a reference such as vault://mount/path#KEY",
      );
    }
    const value = await readValue(invocation, io);
    if (value.length === 0 && invocation.values["allow-empty"] !== true)
      throw new StrongboxError(
        "E_USAGE",
        `set: the value for ${name} is empty; nothing was stored`,
        {
          hint: "an empty stdin or an Enter at the prompt is usually a mistake; pass --allow-empty to store an empty value on purpose",
        },
      );
    await checkStoreValue({
      name,
      value,
      cwd: io.cwd,
      env: io.env,
      configPath: stringOption(invocation, "config"),
    });
    if (target !== "store") return setThroughProvider(target, name, value, invocation, io);
    const store = await openStoreForCli(invocation, io);
    const version = store.set(name, value, meta);
    if (invocation.values.json === true) writeJson(io, { name, version });
    else say(io, `strongbox: stored ${name} version ${version}`);
    const notes = await storeSetNotes({
      name,
      cwd: io.cwd,
      env: io.env,
      configPath: stringOption(invocation, "config"),
      environment: stringOption(invocation, "env"),
    });
    for (const note of notes) say(io, `strongbox: warning: ${note}`);
    return EXIT_OK;
  },
};

async function readValue(invocation: Invocation, io: CliIo): Promise<Buffer> {
  const fromFile = stringOption(invocation, "from-file");
  const inline = stringOption(invocation, "value");
  if (fromFile !== undefined && inline !== undefined)
    throw new StrongboxError("E_USAGE", "set: give --from-file or --value, not both");
  if (fromFile !== undefined) return readFileSync(resolve(io.cwd, fromFile));
  if (inline !== undefined) {
    say(
      io,
      "strongbox: warning: --value puts the secret in the process list, visible to other users; prefer stdin or a prompt",
    );
    return Buffer.from(inline, "utf8");
  }
  if (!process.stdin.isTTY) return stripNewline(await readStdin());
  const answer = await promptHidden(io, "value (not echoed): ");
  if (answer === undefined)
    throw new StrongboxError("E_USAGE", "set: no value given", {
      hint: "pipe it on stdin, or use --from-file",
    });
  return Buffer.from(answer, "utf8");
}

function stripNewline(bytes: Buffer): Buffer {
  const end = bytes.at(-1) === 0x0a ? (bytes.at(-2) === 0x0d ? -2 : -1) : bytes.length;
  return bytes.subarray(0, end);
}

function metaFrom(invocation: Invocation): SecretMeta {
  const description = stringOption(invocation, "description");
  const tags = listOption(invocation, "tag");
  const expires = stringOption(invocation, "expires");
  const rotateEvery = stringOption(invocation, "rotate-every");
  if (rotateEvery !== undefined && !parseDuration(rotateEvery).ok) {
    throw new StrongboxError("E_USAGE", "set: --rotate-every takes a duration such as 30d or 12h");
  }
  return {
    ...(description === undefined ? {} : { description }),
    ...(tags === undefined ? {} : { tags }),
    ...(expires === undefined ? {} : { expires: expiryTime(expires) }),
    ...(rotateEvery === undefined ? {} : { rotateEvery }),
  };
}

function expiryTime(text: string): string {
  const duration = parseDuration(text);
  if (duration.ok && /[a-z]$/.test(text))
    return new Date(Date.now() + (duration.value as number)).toISOString();
  const time = Date.parse(text);
  if (Number.isNaN(time))
    throw new StrongboxError(
      "E_USAGE",
      "set: --expires takes an RFC 3339 time or a duration such as 90d",
    );
  if (time <= Date.now())
    throw new StrongboxError("E_USAGE", "set: --expires is in the past; nothing was stored", {
      hint: "give a future time such as 2027-03-31, or a duration such as 90d",
    });
  return new Date(time).toISOString();
}

/** `set --to scheme://…`: through the target provider's write capability (see writeToRef). */
async function setThroughProvider(
  target: string,
  name: string,
  value: Buffer,
  invocation: Invocation,
  io: CliIo,
): Promise<number> {
  const { writeToRef } = await import("../../api/providers.js");
  const { formatRef } = await import("../../index.js");
  const expectedText = stringOption(invocation, "expected-version");
  const expected = expectedText === undefined ? undefined : Number(expectedText);
  if (expected !== undefined && (!Number.isInteger(expected) || expected < 0))
    throw new StrongboxError("E_USAGE", "set: --expected-version takes 0 or a positive integer");
  const { ref, version } = await writeToRef(target, name, value.toString("utf8"), {
    cwd: io.cwd,
    env: io.env,
    configPath: stringOption(invocation, "config"),
    expectedVersion: expected,
  });
  if (invocation.values.json === true)
    writeJson(io, { name: ref.key ?? ref.path, path: ref.path, version: version ?? null });
  else
    say(
      io,
      `strongbox: stored ${ref.key === undefined ? formatRef(ref) : `${ref.key} at ${ref.path}`}${version === undefined ? "" : ` (version ${version})`}`,
    );
  return EXIT_OK;
}
