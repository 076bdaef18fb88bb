/**
 * Whether a KV v2 version is deleted, by Vault's own rule: its
 * `deletion_time` is set AND at or before now. With `delete_version_after`
 * (per path or per mount) every live version carries a FUTURE deletion time,
 * and is readable until then; treating any set time as deleted would call the
 * current value unreadable and retire nothing. Every reader of
 * `deletion_time` in src/ asks this one function (test/security/kv-deletion-time.test.ts).
 */
export function kvVersionDeleted(
  info: { readonly deletion_time?: unknown } | null | undefined,
  now: number = Date.now(),
): boolean {
  const time = info?.deletion_time;
  if (typeof time !== "string" || time === "") return false;
  const at = Date.parse(time);
  // An unparsable time is taken as deleted: the version is not read as a live one.
  return Number.isNaN(at) || at <= now;
}
