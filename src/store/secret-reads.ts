import { StrongboxError } from "../errors.js";
import type { Cached, StoreCore } from "./core.js";
import {
  checkSecretName,
  openVersion,
  type SecretFile,
  type SecretMeta,
  type VersionWire,
} from "./secret-file.js";
import type { SecretInfo } from "./types.js";

/**
 * The current value of `name`, or a given version, every read recorded.
 * Undefined when the secret does not exist or its latest version is a
 * tombstone; `E_STORE_EXPIRED` past its `expires` time.
 */
export function readSecret(
  core: StoreCore,
  name: string,
  version?: number,
): { value: Buffer; version: number; meta: SecretMeta } | undefined {
  checkSecretName(name);
  const cached = core.load(name, version);
  const wanted = cached === undefined ? undefined : pickVersion(cached.file, version);
  if (cached === undefined || wanted === undefined || wanted.state === "deleted") {
    core.audit({
      action: "read",
      secret: name,
      outcome: "missing",
      ...(version === undefined ? {} : { version }),
    });
    return undefined;
  }
  refuseExpired(core, name, cached.file.meta.expires, wanted.version);
  let plain = cached.plain.get(wanted.version);
  if (plain === undefined) {
    plain = core.withKeyFor(wanted, () => openVersion(core.keyring, name, wanted, core.path(name)));
    cached.plain.set(wanted.version, plain);
  }
  const digest = core.options.audit?.digest;
  core.audit({
    action: "read",
    secret: name,
    version: wanted.version,
    outcome: "ok",
    ...(digest === undefined ? {} : { valueMac: digest(plain) }),
  });
  return { value: plain, version: wanted.version, meta: cached.file.meta };
}

/** A value past its `expires` time is not read: the refusal is recorded, then `E_STORE_EXPIRED`. */
function refuseExpired(
  core: StoreCore,
  name: string,
  expires: string | undefined,
  version: number,
): void {
  const expired =
    expires !== undefined && Date.parse(expires) <= (core.options.now?.() ?? new Date()).getTime();
  if (!expired) return;
  core.audit({ action: "read", secret: name, version, outcome: "denied" });
  throw new StrongboxError("E_STORE_EXPIRED", `secret ${name} expired at ${expires}`, {
    hint: `set a new value with \`strongbox set ${name}\``,
  });
}

/** Every version of `name`: number, time, author, state, key. Never a value. */
export function secretHistory(
  core: StoreCore,
  name: string,
): readonly Omit<VersionWire, "salt" | "ct">[] {
  checkSecretName(name);
  const cached = core.load(name);
  if (cached === undefined) throw notFound(name);
  return cached.file.versions.map(({ salt: _salt, ct: _ct, ...rest }) => rest);
}

/**
 * Every secret's metadata, sorted by name. Reads and authenticates every
 * secret file; one that cannot be read (a merge conflict, tampering) is
 * listed with its problem instead of failing the whole list.
 */
export function listSecrets(core: StoreCore): SecretInfo[] {
  return core.names().flatMap((name): SecretInfo[] => {
    let cached: Cached | undefined;
    try {
      cached = core.load(name);
    } catch (error) {
      if (!(error instanceof StrongboxError)) throw error;
      return [unreadable(name, error)];
    }
    const latest = cached?.file.versions.at(-1);
    const first = cached?.file.versions[0];
    if (cached === undefined || latest === undefined || first === undefined) return [];
    // Purged (every version a tombstone): nothing left to list.
    if (cached.file.versions.every((version) => version.state === "deleted")) return [];
    return [
      {
        name,
        version: latest.version,
        deleted: latest.state === "deleted",
        createdAt: first.createdAt,
        updatedAt: latest.createdAt,
        updatedBy: latest.createdBy,
        kid: latest.kid,
        meta: cached.file.meta,
      },
    ];
  });
}

/** A listed secret whose file cannot be read, with its problem. */
function unreadable(name: string, error: StrongboxError): SecretInfo {
  return {
    name,
    version: 0,
    deleted: false,
    createdAt: "",
    updatedAt: "",
    updatedBy: "",
    kid: undefined,
    meta: {},
    problem: { code: error.code, message: error.message },
  };
}

/** How many live records each data key protects, for `list --keys` and rotation decisions. */
export function keyUsage(core: StoreCore): Map<number, number> {
  const usage = new Map([...core.keyring.dataKeys.keys()].map((kid) => [kid, 0]));
  for (const name of core.names()) {
    for (const version of core.load(name)?.file.versions ?? []) {
      if (version.kid !== undefined) usage.set(version.kid, (usage.get(version.kid) ?? 0) + 1);
    }
  }
  return usage;
}

function pickVersion(file: SecretFile, version: number | undefined): VersionWire | undefined {
  return version === undefined ? file.versions.at(-1) : file.versions[version - 1];
}

/** `E_STORE_NOT_FOUND` for a secret the store does not have. */
export function notFound(name: string): StrongboxError {
  return new StrongboxError("E_STORE_NOT_FOUND", `no secret named ${name} in the store`, {
    hint: "see `strongbox list`",
  });
}
