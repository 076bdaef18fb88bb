import { StrongboxError } from "../../errors.js";
import { recipientKeys } from "../../keys/registry.js";
import { keyFileCandidates, keyFilePath } from "../../security/key-file.js";
import { formatError } from "../encoding.js";
import { unwrapFromKeyFile } from "../key-file-unwrap.js";
import type { KeyWrapper, UnwrapContext, Unwrapped } from "../key-wrapper.js";
import type { MasterRecord } from "../keyring.js";
import { checkScryptParams } from "../master-key.js";
import { ageOpenSync } from "./age-sync.js";
import { localIdentities } from "./identities.js";
import { describeStanza, type Stanza, stanzasOf } from "./stanzas.js";

/**
 * A store opened by any one of its recipients. Tried in the order that costs
 * least and asks nobody: local age and SSH identities (matched to a stanza by
 * recipient, no trial decryption), the shared master key of a store from
 * before recipients, a Transit key when Vault is configured, a KMS key when
 * AWS is, and a passphrase last (it may prompt).
 */
export const recipientsWrapper: KeyWrapper = {
  kind: "recipients",
  async unwrap(master, ctx) {
    const stanzas = stanzasOf(master, ctx.file);
    const notes: string[] = [];
    const local = openLocally(stanzas, ctx, notes);
    if (local !== undefined) return local;
    if (stanzas.some((s) => s.type === "master-key") && hasMasterKey(ctx))
      return unwrapFromKeyFile(ctx);
    const remote = await openRemotely(stanzas, ctx, notes);
    if (remote !== undefined) return remote;
    const phrase = await openWithPassphrase(stanzas, ctx);
    if (phrase !== undefined) return phrase;
    throw noIdentity(ctx, stanzas, notes);
  },
  /**
   * After another process re-keyed the store: only what needs no waiting, local age and
   * SSH identities and the shared master key (Transit, KMS and a passphrase cannot be
   * asked synchronously; the caller is told to open the store again).
   */
  unwrapAgain(master, ctx) {
    const stanzas = stanzasOf(master, ctx.file);
    const local = openLocally(stanzas, ctx, []);
    if (local !== undefined) return local;
    if (stanzas.some((s) => s.type === "master-key") && hasMasterKey(ctx))
      return unwrapFromKeyFile(ctx);
    throw new StrongboxError(
      "E_STORE_KEY",
      `the store in ${ctx.dir} was re-keyed by another process since this one opened it`,
      { hint: "open it again (run the command again, or restart the process)" },
    );
  },
};

/**
 * The store opened by a key service's stanza (Transit, KMS: src/keys/),
 * asked only when this process is configured for the service; what each
 * answered is noted for the error message.
 */
async function openRemotely(
  stanzas: readonly Stanza[],
  ctx: UnwrapContext,
  notes: string[],
): Promise<Unwrapped | undefined> {
  // A stanza is read before the keyring is authenticated: Vault and KMS are asked only
  // about the keys this reader names, never about a mount or key a hand-edited stanza chose.
  const named = namedRemoteRecipients(ctx.env);
  for (const stanza of stanzas) {
    const service = recipientKeys(stanza.type);
    if (service === undefined) continue;
    if (!named.has(stanza.recipient)) {
      if (service.configured(ctx.env))
        notes.push(
          `${describeStanza(stanza)} was not asked: name it in STRONGBOX_REMOTE_RECIPIENTS to open with it`,
        );
      continue;
    }
    if (!service.configured(ctx.env)) continue;
    const answer = await service.unwrap(
      stanza.wrapped as string,
      stanza.recipient,
      ctx.storeId,
      ctx.env,
    );
    if ("key" in answer) return opened(answer.key, stanza, ctx);
    if (answer.note !== undefined) notes.push(`${describeStanza(stanza)}${answer.note}`);
  }
  return undefined;
}

/**
 * The store opened by its passphrase stanza, if it has one and a passphrase
 * is given (STRONGBOX_PASSPHRASE, or asked); `E_STORE_WRONG_KEY` when it is wrong.
 */
async function openWithPassphrase(
  stanzas: readonly Stanza[],
  ctx: UnwrapContext,
): Promise<Unwrapped | undefined> {
  const phrase = stanzas.find((s) => s.type === "passphrase");
  if (phrase === undefined) return undefined;
  // age's scrypt work factor is the stanza's own (unauthenticated) choice: bounded as the store's.
  const { agePassphraseWorkFactor } = await import("./age-keys.js");
  const logN = agePassphraseWorkFactor(phrase.wrapped as string);
  const refused =
    logN === undefined ? "no scrypt stanza" : checkScryptParams({ N: 2 ** logN, r: 8, p: 1 });
  if (refused !== undefined)
    throw formatError(
      ctx.file,
      `the passphrase recipient's scrypt work factor is refused (${logN === undefined ? refused : `2^${logN}: ${refused}`})`,
    );
  const passphrase = ctx.env.STRONGBOX_PASSPHRASE ?? (await ctx.passphrase?.());
  if (passphrase === undefined) return undefined;
  const { ageUnwrap } = await import("./age.js");
  const key = await ageUnwrap(phrase.wrapped as string, { passphrase });
  if (key !== undefined) return opened(key, phrase, ctx);
  throw new StrongboxError("E_STORE_WRONG_KEY", `wrong passphrase for the store in ${ctx.dir}`, {
    hint: "check STRONGBOX_PASSPHRASE, or open it with one of its other recipients",
  });
}

function noIdentity(
  ctx: UnwrapContext,
  stanzas: readonly Stanza[],
  notes: readonly string[],
): StrongboxError {
  return new StrongboxError(
    "E_STORE_KEY",
    `none of your identities opens the store in ${ctx.dir}; its recipients are ${stanzas.map(describeStanza).join(", ")}${notes.length > 0 ? ` (${notes.join("; ")})` : ""}`,
    { hint: noIdentityHint(stanzas) },
  );
}

/**
 * What would open this store, from the recipients it has: an identity of
 * your own only helps once someone adds it, so a store whose recipients are
 * key services (Transit, KMS) or a passphrase says how to use those first.
 */
function noIdentityHint(stanzas: readonly Stanza[]): string {
  const remote = stanzas.filter((s) => recipientKeys(s.type) !== undefined).map((s) => s.recipient);
  const ways: string[] = [];
  if (remote.length > 0)
    ways.push(
      `run where ${remote.join(" or ")} opens (the key service's address and credentials: VAULT_ADDR and a token for transit:, AWS credentials for aws-kms:) with STRONGBOX_REMOTE_RECIPIENTS=${remote.join(",")}`,
    );
  if (stanzas.some((s) => s.type === "passphrase"))
    ways.push("set STRONGBOX_PASSPHRASE (or run on a terminal to be asked)");
  ways.push(
    "run `strongbox keygen` and ask a recipient to run `strongbox recipients add <your age1… recipient>`; in CI set STRONGBOX_IDENTITY",
  );
  return ways.join("; or ");
}

/**
 * The store opened by a local age or SSH identity, matched to its stanza by
 * recipient (no trial decryption); undefined when none is here. A stanza that
 * matches but does not open is noted for the error message.
 */
function openLocally(
  stanzas: readonly Stanza[],
  ctx: UnwrapContext,
  notes: string[],
): Unwrapped | undefined {
  const local = stanzas.filter((s) => s.type === "age" || s.type === "ssh-ed25519");
  if (local.length === 0) return undefined;
  const identities = localIdentities(ctx.env, {
    wantSsh: local.some((s) => s.type === "ssh-ed25519"),
  });
  for (const stanza of local) {
    const mine = identities.filter((identity) => identity.recipient === stanza.recipient);
    if (mine.length === 0) continue;
    const key = ageOpenSync(stanza.wrapped as string, mine);
    if (key !== undefined) return opened(key, stanza, ctx);
    notes.push(`${describeStanza(stanza)} did not open with ${mine[0]?.source}`);
  }
  return undefined;
}

/** The keyring opened with a key a stanza gave. A key that does not fit is a stanza someone altered. */
function opened(key: Uint8Array, stanza: Stanza, ctx: UnwrapContext): Unwrapped {
  const buffer = Buffer.from(key);
  if (buffer.length !== 32)
    throw new StrongboxError(
      "E_STORE_TAMPERED",
      `${ctx.file}: the recipient ${describeStanza(stanza)} holds a key of ${buffer.length} bytes`,
      { hint: "the keyring was changed by hand; restore it from git" },
    );
  try {
    return { keyring: ctx.open(buffer), key: buffer, origin: "recipient" };
  } catch (error) {
    if (error instanceof StrongboxError && error.code === "E_STORE_WRONG_KEY")
      throw new StrongboxError(
        "E_STORE_TAMPERED",
        `${ctx.file}: the key wrapped for ${describeStanza(stanza)} is not this store's`,
        { hint: "the keyring was changed by hand; restore it from git" },
      );
    throw error;
  }
}

function hasMasterKey(ctx: UnwrapContext): boolean {
  const fromEnv = ctx.env.STRONGBOX_MASTER_KEY;
  if (fromEnv !== undefined && fromEnv !== "") return true;
  return keyFileCandidates(keyFilePath(ctx.storeId, ctx.env)).length > 0;
}

/**
 * `STRONGBOX_REMOTE_RECIPIENTS`: the Transit and KMS recipients this reader
 * opens stores with (`transit:MOUNT/KEY`, `aws-kms:KEY`, comma-separated).
 */
function namedRemoteRecipients(env: Readonly<Record<string, string | undefined>>): Set<string> {
  return new Set(
    (env.STRONGBOX_REMOTE_RECIPIENTS ?? "")
      .split(",")
      .map((text) => text.trim())
      .filter((text) => text !== ""),
  );
}

/** The recipients of a master record, for listing (no key needed). */
export function recipientsOf(master: MasterRecord, file: string): Stanza[] {
  return master.kind === "recipients" ? stanzasOf(master, file) : [];
}
