// Vault rows of the benchmark: one resolution of 100 keys over 10 paths,
// against one request per key and one `bao kv get` per key, on a real
// `bao server -dev`. Requests are counted by a loopback proxy.
import { execFile } from "node:child_process";
import { promisify } from "node:util";
import { resolveConfig } from "../src/resolve/drive.js";
import type { VariableSpec } from "../src/schema/types.js";
import { VaultClient } from "../src/vault/client.js";
import { baoBinary, startBao } from "../test/helpers/bao.js";
import { startProxy } from "../test/helpers/proxy.js";

const run = promisify(execFile);

export interface VaultRow {
  readonly name: string;
  readonly requests: number;
  readonly ms: number;
}

function median(samples: number[]): number {
  const sorted = [...samples].sort((a, b) => a - b);
  return sorted[Math.floor(sorted.length / 2)] ?? Number.NaN;
}

async function timed(run: () => Promise<unknown>, rounds: number): Promise<number> {
  const samples: number[] = [];
  for (let round = 0; round < rounds; round++) {
    const start = process.hrtime.bigint();
    await run();
    samples.push(Number(process.hrtime.bigint() - start) / 1e6);
  }
  return median(samples);
}

export async function vaultRows(rounds: number): Promise<VaultRow[]> {
  const bao = await startBao();
  const proxy = await startProxy(bao.addr);
  try {
    const variables: Record<string, VariableSpec> = {};
    const keys: Array<[string, string]> = [];
    for (let path = 0; path < 10; path++) {
      bao.cli([
        "kv",
        "put",
        "-mount=secret",
        `bench/p${path}`,
        ...Array.from({ length: 10 }, (_, key) => `K${key}=value-${path}-${key}`),
      ]);
      for (let key = 0; key < 10; key++) {
        variables[`P${path}_K${key}`] = {
          secret: true,
          ref: `vault://secret/bench/p${path}#K${key}`,
        };
        keys.push([`secret/bench/p${path}`, `K${key}`]);
      }
    }
    // Timed straight against the server; counted once more through the proxy.
    const env = { VAULT_ADDR: bao.addr, VAULT_TOKEN: bao.rootToken };
    const counted = { VAULT_ADDR: proxy.addr, VAULT_TOKEN: bao.rootToken };
    const requestsOf = async (run: (env: Record<string, string>) => Promise<unknown>) => {
      const before = proxy.seen.length;
      await run(counted);
      return proxy.seen.length - before;
    };
    const resolveAll = (processEnv: Record<string, string> = env) =>
      resolveConfig({ variables }, { processEnv });
    const clients = new Map<string, VaultClient>();
    const clientFor = (processEnv: Record<string, string>) => {
      const address = processEnv.VAULT_ADDR as string;
      if (!clients.has(address)) clients.set(address, VaultClient.fromEnv(processEnv));
      return clients.get(address) as VaultClient;
    };
    await clientFor(env).kvRead("secret/bench/p0");
    await clientFor(counted).kvRead("secret/bench/p0");
    const perKey = async (processEnv: Record<string, string> = env) => {
      const client = clientFor(processEnv);
      for (const [path, key] of keys) (await client.kvRead(path))?.data[key];
    };
    const single = (processEnv: Record<string, string> = env) =>
      clientFor(processEnv).kvRead("secret/bench/p0");
    const rows: VaultRow[] = [
      {
        name: "one round trip (one KV v2 read, warm connection)",
        requests: await requestsOf(single),
        ms: await timed(() => single(), rounds * 3),
      },
      {
        name: "strongbox: resolve 100 keys over 10 paths",
        requests: await requestsOf(resolveAll),
        ms: await timed(() => resolveAll(), rounds),
      },
      {
        name: "one request per key, in sequence (typical node-vault use)",
        requests: await requestsOf(perKey),
        ms: await timed(() => perKey(), Math.max(3, Math.floor(rounds / 3))),
      },
    ];
    const before = proxy.seen.length;
    const start = process.hrtime.bigint();
    for (const [path, key] of keys) {
      // async: the counting proxy runs in this process and must keep serving
      await run(
        baoBinary(),
        ["kv", "get", "-mount=secret", `-field=${key}`, path.slice("secret/".length)],
        { env: { ...bao.env, BAO_ADDR: proxy.addr } },
      );
    }
    rows.push({
      name: "`bao kv get` per key (100 processes)",
      requests: proxy.seen.length - before,
      ms: Number(process.hrtime.bigint() - start) / 1e6,
    });
    for (const client of clients.values()) await client.close();
    return rows;
  } finally {
    await proxy.close();
    await bao.stop();
  }
}
