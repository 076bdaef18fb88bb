import { StrongboxError } from "../../errors.js";
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
    const remote = () => import("./remote.js");
    // A stanza is read before the keyring is authenticated: Vault and KMS are asked only
    // about the keys this reader names, never about a mount or key a hand-edited stanza chose.
    const named = namedRemoteRecipients(ctx.env);
    for (const stanza of stanzas) {
      if (
        (stanza.type === "transit" || stanza.type === "aws-kms") &&
        !named.has(stanza.recipient)
      ) {
        if (stanza.type === "transit" ? vaultConfigured(ctx.env) : awsConfigured(ctx.env))
          notes.push(
            `${describeStanza(stanza)} was not asked: name it in STRONGBOX_REMOTE_RECIPIENTS to open with it`,
          );
        continue;
      }
      if (stanza.type === "transit" && vaultConfigured(ctx.env)) {
        const key = await (await remote())
          .transitUnwrap(stanza.wrapped as string, stanza.recipient, ctx.storeId, ctx.env)
          .catch((error: unknown) => {
            notes.push(`${describeStanza(stanza)}: ${(error as Error).message}`);
            return undefined;
          });
        if (key !== undefined) return opened(key, stanza, ctx);
      }
      if (stanza.type === "aws-kms" && awsConfigured(ctx.env)) {
        const key = await (await remote()).kmsUnwrap(
          stanza.wrapped as string,
          stanza.recipient,
          ctx.storeId,
          ctx.env,
        );
        if (key !== undefined) return opened(key, stanza, ctx);
        notes.push(`${describeStanza(stanza)} did not open with these AWS credentials`);
      }
    }
    const phrase = stanzas.find((s) => s.type === "passphrase");
    if (phrase !== undefined) {
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
      if (passphrase !== undefined) {
        const { ageUnwrap } = await import("./age.js");
        const key = await ageUnwrap(phrase.wrapped as string, { passphrase });
        if (key !== undefined) return opened(key, phrase, ctx);
        throw new StrongboxError(
          "E_STORE_WRONG_KEY",
          `wrong passphrase for the store in ${ctx.dir}`,
          {
            hint: "check STRONGBOX_PASSPHRASE, or open it with one of its other recipients",
          },
        );
      }
    }
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

function noIdentity(
  ctx: UnwrapContext,
  stanzas: readonly Stanza[],
  notes: readonly string[],
): StrongboxError {
  return new StrongboxError(
    "E_STORE_KEY",
    `none of your identities opens the store in ${ctx.dir}; its recipients are ${stanzas.map(describeStanza).join(", ")}${notes.length > 0 ? ` (${notes.join("; ")})` : ""}`,
    {
      hint: "run `strongbox keygen` and ask a recipient to run `strongbox recipients add <your age1… recipient>`; in CI set STRONGBOX_IDENTITY",
    },
  );
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

function vaultConfigured(env: Readonly<Record<string, string | undefined>>): boolean {
  return Boolean(env.VAULT_ADDR || env.BAO_ADDR);
}

function awsConfigured(env: Readonly<Record<string, string | undefined>>): boolean {
  return Boolean(
    env.AWS_ACCESS_KEY_ID ||
      env.AWS_PROFILE ||
      env.AWS_ROLE_ARN ||
      env.AWS_CONTAINER_CREDENTIALS_RELATIVE_URI ||
      env.AWS_WEB_IDENTITY_TOKEN_FILE,
  );
}

/** The recipients of a master record, for listing (no key needed). */
export function recipientsOf(master: MasterRecord, file: string): Stanza[] {
  return master.kind === "recipients" ? stanzasOf(master, file) : [];
}
