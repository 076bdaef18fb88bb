// Field encryption (issue 14): in-process throughput with cached data keys, the same
// with master keys in a real OpenBao's Transit against one Transit call per field,
// and the master key rewrap job's throughput against a real PostgreSQL.
import { randomBytes } from "node:crypto";
import { join } from "node:path";
import pg from "pg";
import { fieldCipher } from "../src/envelope/field-cipher.js";
import { localKeys } from "../src/envelope/local-keys.js";
import { rewrapTable } from "../src/envelope/rewrap-table.js";
import { transitKeys } from "../src/keys/transit.js";
import { initStore, openStore } from "../src/store/open.js";
import { VaultClient } from "../src/vault/client.js";
import { startBao } from "../test/helpers/bao.js";
import { tempProject } from "../test/helpers/cli.js";
import { startPostgres } from "../test/helpers/services.js";

/** One benchmark row: what was measured and its throughput (a rate, never a field's value). */
export interface EnvelopeRow {
  readonly name: string;
  readonly throughput: string;
}

const rate = (count: number, ms: number) =>
  `${Math.round((count / ms) * 1000).toLocaleString("en")} fields/s`;

async function timed(work: () => Promise<unknown>): Promise<number> {
  const start = performance.now();
  await work();
  return performance.now() - start;
}

/** The median of `runs` timings of `work`. */
async function median(runs: number, work: () => Promise<unknown>): Promise<number> {
  const samples: number[] = [];
  for (let i = 0; i < runs; i++) samples.push(await timed(work));
  return samples.sort((a, b) => a - b)[Math.floor(samples.length / 2)] as number;
}

export async function envelopeRows(runs: number): Promise<EnvelopeRow[]> {
  const rows: EnvelopeRow[] = [];
  const home = tempProject();
  const options = { dir: join(home, ".strongbox"), env: { HOME: home } };
  initStore(options);
  const local = localKeys(await openStore(options));
  local.rotate("bench");
  const fields = 50_000;
  const values = Array.from({ length: fields }, () => randomBytes(24).toString("base64"));
  const cipher = fieldCipher({ services: [local], keyFor: () => "local:bench" });
  let texts: string[] = [];
  // One field after another, as a request handler or a batch job does; after a warm-up
  // round, so the figure is the steady state, not V8 compiling the code.
  const encryptAll = async () => {
    texts = [];
    for (const [i, value] of values.entries())
      texts.push(await cipher.encrypt("t", value, { context: `t.c:${i}` }));
  };
  await encryptAll();
  const encryptMs = await median(runs, encryptAll);

  rows.push({
    name: `encrypt ${fields.toLocaleString("en")} 32-byte fields in-process, cached data key (goal ≥ 100,000/s)`,
    throughput: rate(fields, encryptMs),
  });
  const decryptAll = async () => {
    for (const [i, text] of texts.entries())
      await cipher.decrypt("t", text, { context: `t.c:${i}` });
  };
  await decryptAll();
  const decryptMs = await median(runs, decryptAll);
  rows.push({
    name: `decrypt the same in-process, cached data key (goal ≥ 100,000/s)`,
    throughput: rate(fields, decryptMs),
  });

  const bao = await startBao();
  const postgres = await startPostgres("bench-password");
  try {
    bao.cli(["secrets", "enable", "transit"]);
    bao.cli(["write", "-f", "transit/keys/bench"]);
    const vault = VaultClient.fromEnv({ VAULT_ADDR: bao.addr, VAULT_TOKEN: bao.rootToken });
    const transit = fieldCipher({ services: [transitKeys(vault)], keyFor: () => "transit:bench" });
    const some = values.slice(0, 10_000);
    let sealed: string[] = [];
    const transitEncrypt = await median(runs, async () => {
      sealed = await Promise.all(
        some.map((value, i) => transit.encrypt("t", value, { context: `t.c:${i}` })),
      );
    });
    rows.push({
      name: "encrypt 10,000 fields, Transit master key (one datakey call)",
      throughput: rate(some.length, transitEncrypt),
    });
    const transitDecrypt = await median(runs, async () => {
      const reader = fieldCipher({ services: [transitKeys(vault)], keyFor: () => "transit:bench" });
      for (const [i, text] of sealed.entries())
        await reader.decrypt("t", text, { context: `t.c:${i}` });
    });
    rows.push({
      name: "decrypt them with a fresh cipher, Transit (one decrypt call)",
      throughput: rate(some.length, transitDecrypt),
    });
    const perField = values.slice(0, 300);
    const naive = await median(runs, async () => {
      for (const value of perField)
        await vault.call({
          method: "POST",
          path: "transit/encrypt/bench",
          body: { plaintext: Buffer.from(value).toString("base64") },
        });
    });
    rows.push({
      name: "peer pattern: one Transit encrypt call per field, in sequence",
      throughput: rate(perField.length, naive),
    });

    const db = new pg.Client({ connectionString: postgres.url });
    await db.connect();
    const count = 20_000;
    await db.query(
      "CREATE TABLE notes (id bigint PRIMARY KEY, product text NOT NULL, body text NOT NULL)",
    );
    for (let start = 0; start < count; start += 2000) {
      const chunk = sealed.slice(0, 2000);
      const params = chunk.map((_, i) => `($${2 * i + 1}, 't', $${2 * i + 2})`).join(", ");
      await db.query(
        `INSERT INTO notes VALUES ${params}`,
        chunk.flatMap((text, i) => [start + i, text]),
      );
    }
    bao.cli(["write", "-f", "transit/keys/bench/rotate"]);
    const rewrapMs = await timed(() =>
      rewrapTable({
        cipher: transit,
        db,
        table: "notes",
        key: "id",
        column: "body",
        tenant: "product",
        keyId: "transit:bench",
      }),
    );
    rows.push({
      name: `rewrap job after a Transit rotation, ${count.toLocaleString("en")} rows, batches of 1,000 (PostgreSQL)`,
      throughput: `${Math.round((count / rewrapMs) * 1000).toLocaleString("en")} rows/s`,
    });
    await db.end();
    await vault.close();
  } finally {
    await Promise.all([bao.stop(), postgres.stop()]);
  }
  return rows;
}
