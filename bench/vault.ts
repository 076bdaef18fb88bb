// Vault rows of the benchmark: one resolution of 100 keys over 10 paths,
// against one request per key and one `bao kv get` per key, on a real
// `bao server -dev`. Requests are counted by a loopback proxy.
import { execFile } from "node:child_process";
import { promisify } from "node:util";
import { resolveConfig } from "../src/resolve/drive.js";
import type { VariableSpec } from "../src/schema/types.js";
import { VaultClient } from "../src/vault/client.js";
import { vaultTemplateSource } from "../src/vault-ops/template-source.js";
import { baoBinary, startBao } from "../test/helpers/bao.js";
import { startProxy } from "../test/helpers/proxy.js";

const run = promisify(execFile);
const ROOT_DIR = new URL("../../", import.meta.url).pathname;

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

/**
 * Template rows (issue 15): a 1,000-secret template (100 KV v2 paths of 10 keys)
 * rendered by the CLI (cold: a new process each time), in-process (warm: parsed
 * once, secrets fetched again), and by the peer, `bao agent` with
 * exit_after_auth (a new process each time, as a CI job or init container runs
 * it); then the agent at rest with 100 templates (one path each): Vault
 * requests and CPU per poll, scaled to a 30 s interval.
 */
export async function templateRows(
  rounds: number,
): Promise<Array<{ name: string; value: string }>> {
  const { mkdtempSync, readFileSync, writeFileSync } = await import("node:fs");
  const { tmpdir } = await import("node:os");
  const { join } = await import("node:path");
  const { spawn, spawnSync } = await import("node:child_process");
  const { parseTemplate } = await import("../src/template/parse.js");
  const { renderTemplate } = await import("../src/template/render.js");
  const { literalSecretReads } = await import("../src/template/secrets-used.js");
  const bao = await startBao();
  const proxy = await startProxy(bao.addr);
  try {
    const dir = mkdtempSync(join(tmpdir(), "strongbox-bench-render-"));
    const blocks: string[] = [];
    for (let path = 0; path < 100; path++) {
      const keys = Array.from(
        { length: 10 },
        (_, key) => `K${key}=v${path}-${key}-${"x".repeat(24)}`,
      );
      bao.cli(["kv", "put", "-mount=secret", `render/p${path}`, ...keys]);
      blocks.push(
        `{{ with secret "secret/data/render/p${path}" }}${Array.from({ length: 10 }, (_, key) => `S${path}_${key}={{ .Data.data.K${key} }}`).join("\n")}{{ end }}`,
      );
      writeFileSync(join(dir, `p${path}.ctmpl`), `${blocks[path]}\n`);
    }
    writeFileSync(join(dir, "thousand.ctmpl"), `${blocks.join("\n")}\n`);
    const env = {
      PATH: process.env.PATH ?? "",
      HOME: dir,
      VAULT_ADDR: bao.addr,
      VAULT_TOKEN: bao.rootToken,
    };
    const cli = join(ROOT_DIR, "dist/bundle/strongbox.cjs");
    const cold: number[] = [];
    for (let round = 0; round < rounds; round++) {
      const start = process.hrtime.bigint();
      spawnSync(process.execPath, [cli, "render", "-i", "thousand.ctmpl", "-o", "out.env"], {
        cwd: dir,
        env,
        stdio: "ignore",
      });
      cold.push(Number(process.hrtime.bigint() - start) / 1e6);
    }
    writeFileSync(join(dir, "token"), bao.rootToken);
    writeFileSync(
      join(dir, "agent.hcl"),
      [
        `vault { address = "${bao.addr}" }`,
        `auto_auth {\n  method "token_file" {\n    config = { token_file_path = "${join(dir, "token")}" }\n  }\n}`,
        `template {\n  source = "${join(dir, "thousand.ctmpl")}"\n  destination = "${join(dir, "peer.env")}"\n}`,
        "exit_after_auth = true",
        "",
      ].join("\n"),
    );
    const peer: number[] = [];
    for (let round = 0; round < rounds; round++) {
      const start = process.hrtime.bigint();
      spawnSync(baoBinary(), ["agent", `-config=${join(dir, "agent.hcl")}`], {
        cwd: dir,
        env: { PATH: env.PATH, HOME: dir },
        stdio: "ignore",
      });
      peer.push(Number(process.hrtime.bigint() - start) / 1e6);
    }
    const same =
      readFileSync(join(dir, "peer.env"), "utf8") === readFileSync(join(dir, "out.env"), "utf8");
    const client = VaultClient.fromEnv(env);
    const nodes = parseTemplate(readFileSync(join(dir, "thousand.ctmpl"), "utf8"));
    const source = vaultTemplateSource(client);
    // As `render` does it: the literal paths fetched together, one request per path.
    const once = async () => {
      const cache = new Map<string, Promise<unknown>>();
      const secret = (path: string) => {
        if (!cache.has(path)) cache.set(path, source.secret(path));
        return cache.get(path) as Promise<unknown>;
      };
      for (const path of literalSecretReads(nodes)) void secret(path);
      return renderTemplate(nodes, { secret, env: () => undefined });
    };
    await once();
    const warm = await timed(once, rounds);
    await client.close();
    writeFileSync(
      join(dir, "agent.yaml"),
      `interval: 1s\ntemplates:\n${Array.from({ length: 100 }, (_, path) => `  - { source: p${path}.ctmpl, destination: p${path}.env }`).join("\n")}\n`,
    );
    const agent = spawn(process.execPath, [cli, "agent", "-c", "agent.yaml"], {
      cwd: dir,
      env: { ...env, VAULT_ADDR: proxy.addr },
      stdio: "ignore",
    });
    await new Promise((resolve) => setTimeout(resolve, 3000));
    const before = proxy.seen.length;
    const cpuBefore = cpuMs(agent.pid ?? 0, readFileSync);
    await new Promise((resolve) => setTimeout(resolve, 5000));
    const perSecond = (proxy.seen.length - before) / 5;
    const cpuPerSecond = (cpuMs(agent.pid ?? 0, readFileSync) - cpuBefore) / 5;
    agent.kill("SIGTERM");
    return [
      {
        name: "render a 1,000-secret template (100 paths), CLI, cold",
        value: `${median(cold).toFixed(1)} ms`,
      },
      {
        name: "the same template, `bao agent` with exit_after_auth (peer), cold",
        value: `${median(peer).toFixed(1)} ms${same ? " (same bytes)" : " (OUTPUT DIFFERS)"}`,
      },
      { name: "the same template in-process, warm", value: `${warm.toFixed(1)} ms` },
      {
        name: "agent at rest, 100 templates, 1 s interval: Vault requests per second",
        value: `${perSecond.toFixed(0)} (metadata reads)`,
      },
      {
        name: "agent at rest, 100 templates: CPU per poll",
        value: `${cpuPerSecond.toFixed(1)} ms`,
      },
      {
        name: "agent at rest, 100 templates, 30 s interval: CPU",
        value: `${((cpuPerSecond / 30_000) * 100).toFixed(3)} % of a core`,
      },
    ];
  } finally {
    await proxy.close();
    await bao.stop();
  }
}

function cpuMs(pid: number, read: (path: string, encoding: "utf8") => string): number {
  const fields = read(`/proc/${pid}/stat`, "utf8").split(") ")[1]?.split(" ") ?? [];
  return ((Number(fields[11]) + Number(fields[12])) * 1000) / 100;
}
