import { type ChildProcess, spawn } from "node:child_process";
import { mkdirSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { baoBinary, freePort } from "./bao.js";
import { tempProject } from "./cli.js";

/** One node of a loopback OpenBao cluster with Raft integrated storage. */
export interface RaftNode {
  readonly name: string;
  readonly addr: string;
  process: ChildProcess;
  start(): void;
}

export interface RaftCluster {
  readonly nodes: readonly RaftNode[];
  readonly rootToken: string;
  readonly unsealKey: string;
  /** The API address of the current active node. */
  leader(): Promise<string>;
  stop(): Promise<void>;
}

async function json(
  url: string,
  init: RequestInit = {},
): Promise<{ status: number; body: Record<string, unknown> }> {
  const response = await fetch(url, init);
  const text = await response.text();
  return {
    status: response.status,
    body: text === "" ? {} : (JSON.parse(text) as Record<string, unknown>),
  };
}

async function until<T>(
  what: string,
  probe: () => Promise<T | undefined>,
  timeoutMs = 30_000,
): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    try {
      const value = await probe();
      if (value !== undefined) return value;
    } catch {
      // not ready
    }
    if (Date.now() > deadline) throw new Error(`raft cluster: timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}

/**
 * Starts three `bao server` processes with Raft storage on loopback, joined by
 * `retry_join`, initialises node 1 and unseals all three through the API (Shamir,
 * one share), and mounts KV v2 at `secret/`.
 */
export async function startRaftCluster(): Promise<RaftCluster> {
  const dir = tempProject();
  const ports = await Promise.all(Array.from({ length: 6 }, () => freePort()));
  const apis = [0, 2, 4].map((i) => `http://127.0.0.1:${ports[i]}`);
  const nodes: RaftNode[] = [0, 1, 2].map((i) => {
    const name = `node${i + 1}`;
    const data = join(dir, name);
    mkdirSync(data, { recursive: true });
    const joins = apis
      .filter((_, j) => j !== i)
      .map((addr) => `  retry_join {\n    leader_api_addr = "${addr}"\n  }`)
      .join("\n");
    const config = `storage "raft" {\n  path = "${data}"\n  node_id = "${name}"\n  performance_multiplier = 1\n${joins}\n}\nlistener "tcp" {\n  address = "127.0.0.1:${ports[i * 2]}"\n  cluster_address = "127.0.0.1:${ports[i * 2 + 1]}"\n  tls_disable = true\n}\napi_addr = "${apis[i]}"\ncluster_addr = "http://127.0.0.1:${ports[i * 2 + 1]}"\n`;
    const file = join(dir, `${name}.hcl`);
    writeFileSync(file, config);
    const node: RaftNode = {
      name,
      addr: apis[i] as string,
      process: undefined as unknown as ChildProcess,
      start() {
        node.process = spawn(baoBinary(), ["server", `-config=${file}`], {
          env: { PATH: process.env.PATH ?? "", HOME: dir },
          stdio: "ignore",
        });
      },
    };
    node.start();
    return node;
  });
  const first = nodes[0] as RaftNode;
  await until("node1 to listen", async () =>
    (await json(`${first.addr}/v1/sys/seal-status`)).status === 200 ? true : undefined,
  );
  const init = await json(`${first.addr}/v1/sys/init`, {
    method: "POST",
    body: JSON.stringify({ secret_shares: 1, secret_threshold: 1 }),
  });
  const unsealKey = (init.body.keys_base64 as string[])[0] as string;
  const rootToken = init.body.root_token as string;
  const unseal = (node: RaftNode) =>
    json(`${node.addr}/v1/sys/unseal`, {
      method: "POST",
      body: JSON.stringify({ key: unsealKey }),
    });
  await unseal(first);
  await until("node1 to become active", async () =>
    (await json(`${first.addr}/v1/sys/health`)).status === 200 ? true : undefined,
  );
  for (const node of nodes.slice(1)) {
    await until(`${node.name} to listen`, async () =>
      (await json(`${node.addr}/v1/sys/seal-status`)).status === 200 ? true : undefined,
    );
    await until(`${node.name} to unseal`, async () =>
      (await unseal(node)).body.sealed === false ? true : undefined,
    );
  }
  const headers = { "X-Vault-Token": rootToken };
  // Autopilot promotes a joined node to voter only after it has been stable for a
  // while; before that, losing the leader leaves no quorum.
  await until(
    "three raft voters",
    async () => {
      const config = await json(`${first.addr}/v1/sys/storage/raft/configuration`, { headers });
      const servers =
        (config.body.data as { config?: { servers?: Array<{ voter?: boolean }> } } | undefined)
          ?.config?.servers ?? [];
      return servers.length === 3 && servers.every((server) => server.voter === true)
        ? true
        : undefined;
    },
    60_000,
  );
  await json(`${first.addr}/v1/sys/mounts/secret`, {
    method: "POST",
    headers,
    body: JSON.stringify({ type: "kv", options: { version: "2" } }),
  });
  // A new KV v2 mount upgrades its storage before it takes writes, and standbys
  // learn of it a little later: wait until every node serves it.
  for (const node of nodes) {
    await until(`the KV v2 mount to serve through ${node.name}`, async () => {
      const write = await json(`${node.addr}/v1/secret/data/ready`, {
        method: "POST",
        headers,
        body: JSON.stringify({ data: { ok: "1" } }),
      });
      const mount = await json(`${node.addr}/v1/sys/internal/ui/mounts/secret/ready`, { headers });
      return write.status === 200 && mount.status === 200 ? true : undefined;
    });
  }
  const leader = async () =>
    until("a leader", async () => {
      for (const node of nodes) {
        if (node.process.exitCode !== null || node.process.signalCode !== null) continue;
        const status = await json(`${node.addr}/v1/sys/leader`).catch(() => undefined);
        const address = status?.body.leader_address;
        if (typeof address === "string" && address !== "" && status?.body.ha_enabled === true) {
          const health = await json(`${address}/v1/sys/health`).catch(() => undefined);
          if (health?.status === 200) return address;
        }
      }
      return undefined;
    });
  return {
    nodes,
    rootToken,
    unsealKey,
    leader,
    stop: async () => {
      await Promise.all(
        nodes.map(
          (node) =>
            new Promise<void>((resolve) => {
              if (node.process.exitCode !== null || node.process.signalCode !== null)
                return resolve();
              node.process.once("exit", () => resolve());
              node.process.kill("SIGKILL");
            }),
        ),
      );
    },
  };
}
