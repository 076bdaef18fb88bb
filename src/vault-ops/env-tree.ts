import { StrongboxError } from "../errors.js";
import type { VaultClient } from "../vault/client.js";

/** Every secret path under `prefix` (no trailing slash), depth first, sorted. */
export async function listTree(client: VaultClient, prefix: string): Promise<string[]> {
  const out: string[] = [];
  const walk = async (path: string) => {
    for (const key of (await client.kvList(path)).sort()) {
      if (key.endsWith("/")) await walk(`${path}/${key.slice(0, -1)}`);
      else out.push(`${path}/${key}`);
    }
  };
  await walk(prefix);
  return out;
}

/** One copy of an environment tree: source path → target path, and how many keys. */
export interface CopyStep {
  readonly from: string;
  readonly to: string;
  readonly keys: number;
  readonly exists: boolean;
}

/**
 * Plans copying every secret under `from` to the same place under `to`
 * (e.g. `secret/shop/staging` → `secret/shop/pr-47`), noting targets that
 * already exist. Reads only.
 */
export async function planCopy(client: VaultClient, from: string, to: string): Promise<CopyStep[]> {
  const paths = await listTree(client, from);
  return Promise.all(
    paths.map(async (path) => {
      const target = `${to}${path.slice(from.length)}`;
      const source = await client.kvRead(path);
      const existing = await client.kvRead(target);
      return {
        from: path,
        to: target,
        keys: Object.keys(source?.data ?? {}).length,
        exists: existing !== undefined,
      };
    }),
  );
}

/** Carries out a copy plan; an existing target is refused (check-and-set 0) unless `force`. */
export async function applyCopy(
  client: VaultClient,
  steps: readonly CopyStep[],
  force: boolean,
): Promise<number> {
  let copied = 0;
  for (const step of steps) {
    if (step.exists && !force) continue;
    const source = await client.kvRead(step.from);
    await client.kvWrite(step.to, source?.data ?? {}, step.exists ? {} : { cas: 0 });
    copied++;
  }
  return copied;
}

/** Deletes every secret under `prefix` with all its versions and metadata. Returns the paths removed. */
export async function destroyTree(client: VaultClient, prefix: string): Promise<string[]> {
  const paths = await listTree(client, prefix);
  for (const path of paths) {
    const { mount, version } = await client.mountOf(path);
    if (version !== 2)
      throw new StrongboxError("E_VAULT", `${path}: env destroy needs a KV v2 mount`, {
        hint: "delete KV v1 paths with bao kv delete",
      });
    await client.call({ method: "DELETE", path: `${mount}metadata/${path.slice(mount.length)}` });
  }
  return paths;
}
