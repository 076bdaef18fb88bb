import { appendFileSync, writeFileSync } from "node:fs";
import { join, resolve } from "node:path";
import { missingGitignoreLines, scaffoldConfig } from "../../api/render.js";
import { initRecipientStore, initStore, parseMasterKey } from "../../api/store.js";
import { StrongboxError } from "../../errors.js";
import type { AuditSink } from "../../index.js";
import { findConfigIfAny } from "../../index.js";
import { type Command, type Invocation, stringOption } from "../command.js";
import { EXIT_OK } from "../exit-codes.js";
import { type CliIo, say, writeData, writeJson } from "../io.js";
import { sayNextSteps, stepsAfterInit } from "../next-steps.js";
import { promptHidden, promptLine } from "../prompt.js";
import { STORE_HELP, STORE_OPTION, storeOptions } from "../store-context.js";

/** `strongbox init`: create the encrypted store and its master key. */
export const initCommand: Command = {
  name: "init",
  options: {
    ...STORE_OPTION,
    passphrase: { type: "boolean" },
    recipient: { type: "string", multiple: true },
    from: { type: "string" },
    yes: { type: "boolean", short: "y" },
    json: { type: "boolean" },
    help: { type: "boolean", short: "h" },
  },
  usage: `Usage: strongbox init [--store DIR] [--passphrase]
       strongbox init [--env NAME] --recipient [NAME=]RECIPIENT...
       strongbox init --from .env.example [--yes]

--from FILE first writes strongbox.config.yaml from an existing .env or
.env.example: a type guessed from each value, secret flags from names and
values (a secret's value is never copied), plain values as local defaults,
comments as descriptions, [VAULT] markers as production's Vault source, and
the .gitignore lines .env files need; or from a Python file with a Pydantic
BaseSettings class (config.py), read without running it: field types,
SecretStr as secret, Optional as optional, literal defaults. It shows
the proposal and asks before writing (--yes writes without asking; without a
terminal it only prints the proposal). An existing config is never replaced.

Creates an encrypted store (safe to commit) and a random 32-byte master key
in a key file readable only by you, outside the project. With --passphrase
the master key is derived from a passphrase instead (STRONGBOX_PASSPHRASE or
a prompt; scrypt N=2^17, r=8, p=1).

With --recipient (repeatable) the store has no shared key: its master key is
wrapped for each recipient (age1… from strongbox keygen, ssh-ed25519 AAAA…,
transit:MOUNT/KEY, aws-kms:KEY, passphrase), and any one of them opens it
(see strongbox recipients). NAME= names one (alice=age1…). With --env NAME
the store is that environment's own (<store>/envs/NAME): resolution and
store commands for that environment use it, so production can have only a
KMS or Transit key as its recipient while developers read local and staging.

Options:
${STORE_HELP}
      --recipient R   a recipient who can open the store (repeatable)
      --passphrase    protect the store with a passphrase instead of a key file
      --from FILE     write strongbox.config.yaml from this .env, .env.example or
                      config.py (Pydantic settings) first
  -y, --yes           write the proposed config without asking
      --json          print the result as JSON
`,
  async run(invocation, io) {
    const from = stringOption(invocation, "from");
    if (from !== undefined) {
      const written = await scaffold(from, invocation, io);
      if (!written) return EXIT_OK;
    }
    const options = await storeOptions(invocation, io, { creating: true });
    const recipients = (invocation.values.recipient as string[] | undefined) ?? [];
    if (recipients.length > 0) return createRecipientStore(options, recipients, invocation, io);
    try {
      return await createKeyStore(options, invocation, io);
    } catch (error) {
      if (!isPlainRerun(error, invocation)) throw error;
      return reportExisting(options.dir, from !== undefined, invocation, io);
    }
  },
};

/**
 * A second plain `init` (or `init --from` after `init`) finds the store it
 * would make: like `git init` or `doppler setup`, running it again is not a
 * mistake, so it says what exists and exits 0. Asking for a particular kind
 * of store (`--passphrase`) that exists already stays `E_STORE_EXISTS`:
 * the existing store is not that kind, and pretending otherwise would mislead.
 */
function isPlainRerun(error: unknown, invocation: Invocation): boolean {
  return (
    error instanceof StrongboxError &&
    error.code === "E_STORE_EXISTS" &&
    invocation.values.passphrase !== true
  );
}

function reportExisting(dir: string, scaffolded: boolean, invocation: Invocation, io: CliIo) {
  if (invocation.values.json === true) {
    writeJson(io, { store: dir, existed: true });
    return EXIT_OK;
  }
  say(io, `strongbox: the store ${dir} exists already; it is kept as it is`);
  sayNextSteps(io, nextSteps(invocation, io, scaffolded));
  return EXIT_OK;
}

function nextSteps(invocation: Invocation, io: CliIo, scaffolded?: boolean) {
  const from = stringOption(invocation, "from");
  return stepsAfterInit(io, {
    configPath: stringOption(invocation, "config"),
    env: stringOption(invocation, "env"),
    ...(from !== undefined && scaffolded !== false ? { scaffoldedFrom: from } : {}),
  });
}

type CliStoreOptions = Awaited<ReturnType<typeof storeOptions>>;

/**
 * The CLI's store options as the library takes them: the sink the project
 * names, or none when its config turned the audit off (the library would
 * otherwise pick its default log).
 */
function withCliAudit<T extends CliStoreOptions>(options: T): T & { audit: AuditSink | false } {
  return { ...options, audit: options.audit ?? false };
}

/** `init --recipient R…`: a store its recipients open with their own identities; no key file. */
async function createRecipientStore(
  options: CliStoreOptions,
  recipients: readonly string[],
  invocation: Invocation,
  io: CliIo,
): Promise<number> {
  const named = recipients.map(namedRecipient);
  const passphrase = named.some((r) => r.recipient === "passphrase")
    ? (io.env.STRONGBOX_NEW_PASSPHRASE ?? (await promptHidden(io, "new store passphrase: ")))
    : undefined;
  const { storeId, endorsement } = await initRecipientStore({
    ...withCliAudit(options),
    recipients: named,
    ...(passphrase === undefined ? {} : { newPassphrase: passphrase }),
  });
  if (invocation.values.json === true) {
    writeJson(io, {
      store: options.dir,
      storeId,
      recipients: named.length,
      ...(endorsement === undefined ? {} : { endorsed: endorsement.endorsed }),
    });
    return EXIT_OK;
  }
  say(
    io,
    `strongbox: created the store ${options.dir} (id ${storeId}) for ${named.length} recipient(s)`,
  );
  if (endorsement?.endorsed === true)
    say(
      io,
      "strongbox: the root store endorses it (the root keyring names this store): teammates take it without a manual step; commit both",
    );
  else if (endorsement !== undefined)
    say(
      io,
      `strongbox: the root store did not open for you (${endorsement.problem}), so it cannot endorse this store: each teammate who opens it is asked to check it and run \`strongbox recipients trust --env ${stringOption(invocation, "env") ?? "NAME"}\``,
    );
  say(
    io,
    "strongbox: no key file: each recipient opens it with their own identity. Commit the store directory.",
  );
  sayNextSteps(io, nextSteps(invocation, io));
  return EXIT_OK;
}

/** `init` (or `init --passphrase`): a store opened with a key file, `STRONGBOX_MASTER_KEY` or a passphrase. */
async function createKeyStore(
  options: CliStoreOptions,
  invocation: Invocation,
  io: CliIo,
): Promise<number> {
  const newPassphrase = await newPassphraseFor(invocation, io);
  const fromEnv = io.env.STRONGBOX_MASTER_KEY;
  const masterKey =
    fromEnv === undefined || fromEnv === "" || newPassphrase !== undefined
      ? undefined
      : parseMasterKey(fromEnv, "STRONGBOX_MASTER_KEY");
  const result = initStore({
    ...withCliAudit(options),
    ...(newPassphrase === undefined ? {} : { newPassphrase }),
    ...(masterKey === undefined ? {} : { masterKey }),
  });
  if (invocation.values.json === true) {
    writeJson(io, { store: options.dir, ...result });
    return EXIT_OK;
  }
  say(io, `strongbox: created the store ${options.dir} (id ${result.storeId})`);
  if (result.keyFile !== undefined) {
    say(io, `strongbox: master key written to ${result.keyFile} (mode 0600)`);
    say(
      io,
      "strongbox: back that file up somewhere safe (a password manager): without it the store cannot be opened.",
    );
    say(
      io,
      "strongbox: on a server or in CI, set STRONGBOX_MASTER_KEY to the file's content instead.",
    );
  } else if (masterKey !== undefined) {
    say(
      io,
      "strongbox: the store uses the master key in STRONGBOX_MASTER_KEY; no key file was written",
    );
  } else {
    say(
      io,
      "strongbox: the store opens with its passphrase (STRONGBOX_PASSPHRASE or a prompt). Do not lose it.",
    );
  }
  say(io, "strongbox: commit the store directory; its .gitignore keeps lock and temp files out.");
  sayNextSteps(io, nextSteps(invocation, io));
  return EXIT_OK;
}

/** `--passphrase`: the new store's passphrase, from `STRONGBOX_PASSPHRASE` or a prompt (8 characters at least). */
async function newPassphraseFor(invocation: Invocation, io: CliIo): Promise<string | undefined> {
  if (invocation.values.passphrase !== true) return undefined;
  const newPassphrase =
    io.env.STRONGBOX_PASSPHRASE ?? (await promptHidden(io, "new store passphrase: "));
  if (newPassphrase === undefined || newPassphrase.length < 8) {
    throw new StrongboxError("E_USAGE", "init: a passphrase of at least 8 characters is needed", {
      hint: "set STRONGBOX_PASSPHRASE or run in a terminal",
    });
  }
  return newPassphrase;
}

/**
 * `init --from FILE`: proposes a config from a `.env` file and writes it
 * when confirmed (or `--yes`). Returns whether it was written; the store is
 * made only then, so a declined proposal leaves the directory as it was.
 */
async function scaffold(from: string, invocation: Invocation, io: CliIo): Promise<boolean> {
  const target = join(io.cwd, "strongbox.config.yaml");
  const existing = findConfigIfAny(io.cwd, undefined);
  if (existing !== undefined)
    throw new StrongboxError("E_USAGE", `init: ${existing} already exists; nothing was written`, {
      hint: "edit it, or remove it to scaffold again",
    });
  const { variables, yaml } = scaffoldConfig(resolve(io.cwd, from), {
    shown: from,
    context: "init --from",
    hint: "give the .env or .env.example to start from",
  });
  const secrets = variables.filter((variable) => variable.secret).map((variable) => variable.name);
  const ignore = missingGitignoreLines(io.cwd);
  const summary = `strongbox: ${variables.length} variable(s) from ${from}; secret: ${secrets.join(", ") || "none"}${ignore.length === 0 ? "" : `; .gitignore gets ${ignore.join(" ")}`}`;
  if (invocation.values.yes !== true) {
    writeData(io, yaml);
    say(io, summary);
    if (process.stdin.isTTY !== true) {
      say(io, "strongbox: nothing written; run with --yes to write it");
      return false;
    }
    const answer = (await promptLine(io, "write strongbox.config.yaml? [y/N] "))
      ?.trim()
      .toLowerCase();
    if (answer !== "y" && answer !== "yes") {
      say(io, "strongbox: nothing written");
      return false;
    }
  }
  writeFileSync(target, yaml, { flag: "wx" });
  if (ignore.length > 0) appendFileSync(join(io.cwd, ".gitignore"), `${ignore.join("\n")}\n`);
  say(io, `strongbox: wrote ${target}`);
  if (invocation.values.yes === true) say(io, summary);
  return true;
}

/** `NAME=RECIPIENT` or a bare recipient. */
function namedRecipient(text: string): { recipient: string; name?: string } {
  const match = /^([A-Za-z0-9_.@-]{1,64})=((?:age1|ssh-|transit:|aws-kms:|passphrase).*)$/s.exec(
    text,
  );
  return match === null
    ? { recipient: text }
    : { recipient: match[2] as string, name: match[1] as string };
}
