/** True when `name` matches `pattern`, where `*` stands for any run of characters. */
export function matchGlob(pattern: string, name: string): boolean {
  if (!pattern.includes("*")) return pattern === name;
  const source = pattern
    .split("*")
    .map((part) => part.replace(/[.+?^${}()|[\]\\]/g, "\\$&"))
    .join(".*");
  return new RegExp(`^${source}$`).test(name);
}

/**
 * The entry of `map` whose key matches `name`: an exact key first, then the
 * most specific glob (the longest pattern), so `pr-*` beats `*`.
 */
export function lookupByGlob<T>(
  map: Readonly<Record<string, T>>,
  name: string,
): { key: string; value: T } | undefined {
  if (Object.hasOwn(map, name)) return { key: name, value: map[name] as T };
  let best: { key: string; value: T } | undefined;
  for (const [key, value] of Object.entries(map)) {
    if (
      key.includes("*") &&
      matchGlob(key, name) &&
      (best === undefined || key.length > best.key.length)
    ) {
      best = { key, value };
    }
  }
  return best;
}
