import { StrongboxError } from "../errors.js";
import type { StoreCore } from "./core.js";
import {
  checkSecretName,
  MAX_VALUE_BYTES,
  type SecretMeta,
  sealSecretFile,
  sealVersion,
} from "./secret-file.js";

/** One secret of a batch: its name and new value. */
export interface SecretEntry {
  readonly name: string;
  readonly value: Uint8Array;
}

/**
 * Stores a new version of each secret as ONE change: everything that can
 * refuse (a name, a size, a name given twice, a case twin, a file that fails
 * its checks) is checked for every secret before the audit records are
 * written, and the records of all go in one batch before any file is
 * written, so the batch is stored whole or not at all (see
 * StoreCore.commitMany). `meta` is merged into each secret's metadata as
 * `setSecret` does. Returns each secret's new version, in the order given.
 */
export function setSecrets(
  core: StoreCore,
  entries: readonly SecretEntry[],
  meta: SecretMeta,
): Array<{ name: string; version: number }> {
  checkBatch(entries);
  const release = core.lock();
  try {
    const files = entries.map(({ name, value }) => {
      const existing = core.readFresh(name);
      if (existing === undefined) core.refuseCaseTwin(name);
      const file = existing ?? { name, meta: {}, versions: [] };
      const version = file.versions.length + 1;
      const record = sealVersion(core.keyring, name, version, value, core.random(32), core.stamp());
      // An expiry belongs to a value: a new value does not inherit the old one's.
      const { expires: _expired, ...kept } = file.meta;
      const next = { name, meta: { ...kept, ...meta }, versions: [...file.versions, record] };
      return { name, bytes: sealSecretFile(next, core.keyring), versions: version };
    });
    core.commitMany(files, "write");
    return files.map((file) => ({ name: file.name, version: file.versions }));
  } finally {
    release();
  }
}

function checkBatch(entries: readonly SecretEntry[]): void {
  if (entries.length === 0)
    throw new StrongboxError("E_USAGE", "no secrets to store", {
      hint: "give at least one NAME=VALUE",
    });
  const seen = new Map<string, string>();
  for (const { name, value } of entries) {
    checkSecretName(name);
    if (value.length > MAX_VALUE_BYTES)
      throw new StrongboxError("E_INVALID", `${name}: the value is larger than 1 MiB`, {
        hint: "store large files elsewhere and keep a reference; nothing was stored",
      });
    const twin = seen.get(name.toLowerCase());
    if (twin !== undefined)
      throw new StrongboxError(
        "E_USAGE",
        twin === name
          ? `${name} is given twice; nothing was stored`
          : `${name} and ${twin} differ only in letter case; nothing was stored`,
        { hint: "give each secret once" },
      );
    seen.set(name.toLowerCase(), name);
  }
}
