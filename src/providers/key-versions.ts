// Versions of a path several keys share (a Vault KV secret holds many keys, and
// every write of one key makes a new version of all of them). A key's history
// is read from the versions: its previous value is the one it had before its
// current value was written, and a rotation's old values are the versions
// before that write. One rule for both, so what `NAME_PREVIOUS` reads and what
// `rotate --finish` retires never disagree.

/**
 * One version of a shared path, newest first in a list. `values` maps each key
 * to something equal exactly when the values are equal (a digest outside the
 * provider, the value inside it); it is absent when the version cannot be read
 * (deleted or destroyed).
 */
export interface KeyedVersion {
  readonly version: number;
  readonly createdAt?: string;
  readonly values?: Readonly<Record<string, unknown>>;
  /**
   * Deleted but recoverable (Vault KV v2's soft delete: `undelete` brings the
   * values back). A retirement destroys it: unreadable is not gone.
   */
  readonly deleted?: boolean;
}

/** What retiring one key's old values would do to a shared path. */
export interface KeyRetirement {
  /** The version that wrote the key's current value (its soak counts from there). */
  readonly since: KeyedVersion | undefined;
  /** Versions that still hold, or can be made to hold again (soft-deleted), an older value of the key. */
  readonly retire: readonly number[];
  /** Other keys whose previous value lives only in a version to retire. */
  readonly shared: ReadonlyArray<{ readonly key: string; readonly version: number }>;
}

// Vault KV values may be JSON (numbers, objects): equal when their JSON is.
const same = (a: unknown, b: unknown): boolean =>
  a === b || JSON.stringify(a) === JSON.stringify(b);

const holds = (version: KeyedVersion | undefined, key: string): boolean =>
  version?.values !== undefined && Object.hasOwn(version.values, key);

/**
 * The newest readable versions of the key's current value, oldest last: the
 * run from the current version back to the write that introduced that value.
 */
function currentRun(key: string, versions: readonly KeyedVersion[]): KeyedVersion[] {
  const [current] = versions;
  if (current === undefined || !holds(current, key)) return [];
  const run: KeyedVersion[] = [];
  for (const version of versions) {
    if (!holds(version, key) || !same(version.values?.[key], current.values?.[key])) break;
    run.push(version);
  }
  return run;
}

/**
 * The version holding `key`'s previous value: the newest older version in
 * which the key had a different value, found by walking back from the current
 * version without skipping a version that cannot be read. Undefined when the
 * key never changed, did not exist before, or that version is retired (a
 * finished rotation has no previous value, even if an even older one survives).
 *
 * @param versions the path's versions, newest (current) first, contiguous
 */
export function previousVersionOf(
  key: string,
  versions: readonly KeyedVersion[],
): number | undefined {
  const run = currentRun(key, versions);
  const before = versions[run.length];
  if (run.length === 0 || before === undefined || !holds(before, key)) return undefined;
  return before.version;
}

/**
 * What finishing `key`'s rotation retires: every version older than the write
 * of its current value that holds an old value of the key or is soft-deleted
 * (its values, unknown here, come back with an undelete), and nothing newer (those hold only the current value, beside other keys'
 * changes). `shared` names the other keys whose previous value would go too.
 */
export function keyRetirement(key: string, versions: readonly KeyedVersion[]): KeyRetirement {
  const run = currentRun(key, versions);
  const since = run.at(-1);
  const retire =
    since === undefined
      ? []
      : versions
          .filter(
            (version) =>
              version.version < since.version && (holds(version, key) || version.deleted === true),
          )
          .map((version) => version.version)
          .sort((a, b) => a - b);
  const others = Object.keys(versions[0]?.values ?? {}).filter((other) => other !== key);
  const shared = others.flatMap((other) => {
    const previous = previousVersionOf(other, versions);
    return previous !== undefined && retire.includes(previous)
      ? [{ key: other, version: previous }]
      : [];
  });
  return { since, retire, shared };
}

/**
 * Whether older versions can no longer change `key`'s previous version: the
 * walk back has passed the write of its current value (or the key is not in
 * the current version). Lets a reader stop early instead of reading every version.
 */
export function previousSettled(key: string, versions: readonly KeyedVersion[]): boolean {
  const run = currentRun(key, versions);
  return versions.length > 0 && (run.length === 0 || versions.length > run.length);
}
