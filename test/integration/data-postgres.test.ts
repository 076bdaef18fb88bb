// Secrets in application data against a real PostgreSQL and a real OpenBao (issue 14):
// rows hold only refs and ciphertext, a ciphertext moved to another row does not
// decrypt, and a master key rotation over 100,000 rows survives SIGKILL and resumes.
import assert from "node:assert/strict";
import { spawn } from "node:child_process";
import { join } from "node:path";
import { after, before, describe, it } from "node:test";
import pg from "pg";
import { vaultRefs } from "../../src/data/backends.js";
import { secretRefs } from "../../src/data/secret-refs.js";
import { fieldCipher } from "../../src/envelope/field-cipher.js";
import { parseEnvelope } from "../../src/envelope/format.js";
import { assertRetirable, keyVersionsInUse, rewrapTable } from "../../src/envelope/rewrap-table.js";
import { transitKeys } from "../../src/keys/transit.js";
import { VaultClient } from "../../src/vault/client.js";
import { type Bao, startBao } from "../helpers/bao.js";
import { ROOT } from "../helpers/cli.js";
import { type Service, startPostgres } from "../helpers/services.js";

const ROWS = 100_000;

describe("secrets in application data (PostgreSQL, OpenBao)", () => {
  let bao: Bao;
  let postgres: Service;
  let db: pg.Client;
  let vault: VaultClient;
  before(async () => {
    [bao, postgres] = await Promise.all([startBao(), startPostgres("pg-test-password")]);
    bao.cli(["secrets", "enable", "transit"]);
    for (const product of ["7", "8"])
      bao.cli(["write", "-f", `transit/keys/tracker-mek-${product}`]);
    vault = VaultClient.fromEnv({ VAULT_ADDR: bao.addr, VAULT_TOKEN: bao.rootToken });
    db = new pg.Client({ connectionString: postgres.url });
    await db.connect();
  });
  after(async () => {
    await db.end();
    await vault.close();
    await Promise.all([bao.stop(), postgres.stop()]);
  });
  const keyFor = (product: string) => `transit:tracker-mek-${product}`;

  it("a WireGuard registry: rows hold vault: refs and envelopes, never a canary; a moved ciphertext does not decrypt", async () => {
    await db.query(
      "CREATE TABLE wireguard_servers (id serial PRIMARY KEY, tenant text NOT NULL, public_key text NOT NULL, private_key_ref text NOT NULL, notes text NOT NULL)",
    );
    const keys = secretRefs({
      backend: vaultRefs(vault),
      path: "wireguard/servers/{id}/private-key",
      pure: true,
      metadata: (id) => ({ service: "wireguard", table: "wireguard_servers", row: id }),
    });
    const cipher = fieldCipher({ services: [transitKeys(vault)], keyFor });
    const canaries: string[] = [];
    for (let i = 0; i < 5; i++) {
      const publicKey = Buffer.from(`public-key-${i}`).toString("base64url");
      const privateKey = `wg-private-canary-${i}-${"k".repeat(20)}`;
      const note = `ops-note-canary-${i}`;
      canaries.push(privateKey, note);
      const ref = await keys.put(publicKey, privateKey);
      const { rows } = await db.query(
        "INSERT INTO wireguard_servers (tenant, public_key, private_key_ref, notes) VALUES ($1, $2, $3, '') RETURNING id",
        ["8", publicKey, ref],
      );
      const id = rows[0].id as number;
      const sealed = await cipher.encrypt("8", note, { context: `wireguard_servers.notes:${id}` });
      await db.query("UPDATE wireguard_servers SET notes = $1 WHERE id = $2", [sealed, id]);
    }
    // The whole table as text, as a dump would hold it.
    const dump = (
      await db.query("SELECT string_agg(t::text, E'\\n') AS all FROM wireguard_servers t")
    ).rows[0].all as string;
    for (const canary of canaries) assert.ok(!dump.includes(canary), `${canary} is in the table`);
    const { rows } = await db.query("SELECT * FROM wireguard_servers ORDER BY id");
    assert.match(
      rows[0].private_key_ref,
      /^vault:wireguard\/servers\/[A-Za-z0-9_-]+\/private-key$/,
    );
    assert.deepEqual(
      await keys.getMany(
        rows.map((row) => ({ ref: row.private_key_ref as string, id: row.public_key as string })),
      ),
      canaries.filter((_, i) => i % 2 === 0),
    );
    // Operators can trace a secret to its row.
    const metadata = JSON.parse(
      bao.cli([
        "kv",
        "metadata",
        "get",
        "-format=json",
        `secret/${rows[0].private_key_ref.slice(6)}`,
      ]),
    ) as { data: { custom_metadata: Record<string, string> } };
    assert.deepEqual(metadata.data.custom_metadata, {
      "managed-by": "strongbox",
      service: "wireguard",
      table: "wireguard_servers",
      row: rows[0].public_key,
    });
    // Row 1's whole Vault ref copied into row 2 by SQL: no operation follows it to row 1's secret.
    await db.query(
      "UPDATE wireguard_servers SET private_key_ref = (SELECT private_key_ref FROM wireguard_servers WHERE id = $1) WHERE id = $2",
      [rows[0].id, rows[1].id],
    );
    const copiedRow = (
      await db.query("SELECT * FROM wireguard_servers WHERE id = $1", [rows[1].id])
    ).rows[0];
    for (const attempt of [
      () => keys.get(copiedRow.private_key_ref, copiedRow.public_key),
      () => keys.getMany([{ ref: copiedRow.private_key_ref, id: copiedRow.public_key }]),
      () => keys.rotate(copiedRow.private_key_ref, copiedRow.public_key, "overwrite"),
      () => keys.delete(copiedRow.private_key_ref, copiedRow.public_key),
    ])
      await assert.rejects(attempt(), { code: "E_DATA_REF" });
    assert.equal(await keys.get(rows[0].private_key_ref, rows[0].public_key), canaries[0]);
    // Row 1's note copied into row 2 by SQL: refused, not decrypted.
    await db.query(
      "UPDATE wireguard_servers SET notes = (SELECT notes FROM wireguard_servers WHERE id = $1) WHERE id = $2",
      [rows[0].id, rows[1].id],
    );
    const copied = (
      await db.query("SELECT notes FROM wireguard_servers WHERE id = $1", [rows[1].id])
    ).rows[0].notes;
    await assert.rejects(
      cipher.decrypt("8", copied, { context: `wireguard_servers.notes:${rows[1].id}` }),
      {
        code: "E_ENVELOPE",
      },
    );
  });

  it(`MEK rotation over ${ROWS.toLocaleString("en")} rows: killed mid-run, resumed, every row readable throughout and on the new version at the end`, async () => {
    await db.query(
      "CREATE TABLE notes (id bigint PRIMARY KEY, product text NOT NULL, body text NOT NULL)",
    );
    const cipher = fieldCipher({ services: [transitKeys(vault)], keyFor });
    for (let start = 0; start < ROWS; start += 2000) {
      const bodies = await Promise.all(
        Array.from({ length: 2000 }, (_, i) =>
          cipher.encrypt("7", `note-${start + i}`, { context: `notes.body:${start + i}` }),
        ),
      );
      const values = bodies.map((_, i) => `($${2 * i + 1}, '7', $${2 * i + 2})`).join(", ");
      await db.query(
        `INSERT INTO notes (id, product, body) VALUES ${values}`,
        bodies.flatMap((body, i) => [start + i, body]),
      );
    }
    bao.cli(["write", "-f", "transit/keys/tracker-mek-7/rotate"]);
    const worker = () =>
      spawn(process.execPath, [join(ROOT, "dist/test/helpers/rewrap-worker.js")], {
        env: {
          PATH: process.env.PATH ?? "",
          HOME: "/nonexistent",
          PG_URL: postgres.url,
          VAULT_ADDR: bao.addr,
          VAULT_TOKEN: bao.rootToken,
          BATCH: "500",
        },
        stdio: ["ignore", "pipe", "pipe"],
      });
    const first = worker();
    let auditLines = "";
    first.stderr.on("data", (chunk: Buffer) => {
      auditLines += chunk.toString("utf8");
    });
    // 0 until the job has made its checkpoint table.
    const progress = async () => {
      const exists = (await db.query("SELECT to_regclass('strongbox_rewrap_jobs') AS t")).rows[0].t;
      if (exists === null) return 0;
      return Number(
        (await db.query("SELECT coalesce(max(done), 0) AS done FROM strongbox_rewrap_jobs")).rows[0]
          .done,
      );
    };
    const deadline = Date.now() + 120_000;
    while ((await progress()) < 20_000) {
      assert.ok(Date.now() < deadline, "the job made progress");
      await new Promise((resolve) => setTimeout(resolve, 20));
    }
    first.kill("SIGKILL");
    await new Promise((resolve) => first.once("close", resolve));
    const killedAt = await progress();
    assert.ok(killedAt < ROWS, `killed before the end (${killedAt})`);
    // Every batch that committed was audited: a record per batch, without a value.
    const records = auditLines
      .trim()
      .split("\n")
      .map((line) => JSON.parse(line));
    assert.ok(records.length >= killedAt / 500 - 1);
    assert.deepEqual(Object.keys(records[0]).sort(), [
      "action",
      "outcome",
      "pid",
      "ref",
      "rows",
      "secret",
      "source",
      "time",
      "version",
    ]);
    // Mid-rotation: two versions in use, every row readable, the old version not yet retirable.
    const mid = (await keyVersionsInUse(db, "notes", "body")).get("transit:tracker-mek-7");
    assert.deepEqual([...(mid?.keys() ?? [])].sort(), [1, 2]);
    await assert.rejects(assertRetirable(db, "notes", "body", "transit:tracker-mek-7", 2), {
      code: "E_ROTATION",
    });
    await readAll(cipher, ROWS);
    // Resumed: it continues from its checkpoint, and ends with every row on version 2.
    const second = worker();
    let output = "";
    second.stdout.on("data", (chunk: Buffer) => {
      output += chunk.toString("utf8");
    });
    const code = await new Promise((resolve) => second.once("close", resolve));
    assert.equal(code, 0);
    const result = JSON.parse(output) as {
      done: number;
      changed: number;
      resumed: boolean;
      target: number;
    };
    assert.deepEqual(
      [result.done, result.changed, result.resumed, result.target],
      [ROWS, ROWS, true, 2],
    );
    const end = (await keyVersionsInUse(db, "notes", "body")).get("transit:tracker-mek-7");
    assert.deepEqual([...(end?.entries() ?? [])], [[2, ROWS]]);
    await assertRetirable(db, "notes", "body", "transit:tracker-mek-7", 2);
    // Run again, the job changes nothing.
    const again = await rewrapTable({
      cipher,
      db,
      table: "notes",
      key: "id",
      column: "body",
      tenant: "product",
      keyId: "transit:tracker-mek-7",
      batchSize: 5000,
    });
    assert.deepEqual([again.done, again.changed, again.resumed], [ROWS, 0, false]);
    bao.cli(["write", "transit/keys/tracker-mek-7/config", "min_decryption_version=2"]);
    await readAll(fieldCipher({ services: [transitKeys(vault)], keyFor }), ROWS);
  });

  it("a process that sealed before a rotation elsewhere seals under the new version within versionCheckMs, so its rows survive retiring the old one", async () => {
    bao.cli(["write", "-f", "transit/keys/tracker-mek-9"]);
    let clock = 0;
    const app = fieldCipher({ services: [transitKeys(vault)], keyFor, now: () => clock });
    const before = await app.encrypt("9", "before-rotation", { context: "t.c:1" });
    // Another operator rotates, rewraps what exists and retires version 1.
    bao.cli(["write", "-f", "transit/keys/tracker-mek-9/rotate"]);
    const operator = fieldCipher({ services: [transitKeys(vault)], keyFor });
    const rewrapped = (await operator.rewrap("9", before)) as string;
    clock += 30_000;
    const after = await app.encrypt("9", "after-rotation", { context: "t.c:2" });
    assert.equal(app.keyOf(after).keyVersion, 2, "the app still sealed under version 1");
    bao.cli(["write", "transit/keys/tracker-mek-9/config", "min_decryption_version=2"]);
    const reader = fieldCipher({ services: [transitKeys(vault)], keyFor });
    assert.equal(await reader.decrypt("9", rewrapped, { context: "t.c:1" }), "before-rotation");
    assert.equal(await reader.decrypt("9", after, { context: "t.c:2" }), "after-rotation");
  });

  it("rowsPerSecond paces the job, and a hostile table or column name is refused before any SQL", async () => {
    await db.query(
      "CREATE TABLE paced (id integer PRIMARY KEY, product text NOT NULL, body text NOT NULL)",
    );
    const cipher = fieldCipher({ services: [transitKeys(vault)], keyFor });
    for (let i = 0; i < 300; i++)
      await db.query("INSERT INTO paced VALUES ($1, '8', $2)", [
        i,
        await cipher.encrypt("8", `p${i}`, { context: `paced.body:${i}` }),
      ]);
    bao.cli(["write", "-f", "transit/keys/tracker-mek-8/rotate"]);
    const options = {
      cipher,
      db,
      key: "id",
      column: "body",
      tenant: "product",
      keyId: "transit:tracker-mek-8",
    };
    const started = Date.now();
    const result = await rewrapTable({
      ...options,
      table: "paced",
      batchSize: 50,
      rowsPerSecond: 1000,
    });
    assert.equal(result.changed, 300);
    assert.ok(Date.now() - started >= 250, "300 rows at 1,000 rows/s take at least 0.25 s");
    await assert.rejects(rewrapTable({ ...options, table: "paced; DROP TABLE notes" }), {
      code: "E_USAGE",
    });
    await assert.rejects(rewrapTable({ ...options, table: "paced", column: 'body" = 1 --' }), {
      code: "E_USAGE",
    });
    assert.equal((await db.query("SELECT count(*) AS n FROM notes")).rows[0].n, String(ROWS));
  });

  async function readAll(cipher: ReturnType<typeof fieldCipher>, rows: number): Promise<void> {
    const fresh = fieldCipher({ services: [transitKeys(vault)], keyFor });
    void cipher;
    for (let start = 0; start < rows; start += 10_000) {
      const { rows: batch } = await db.query(
        "SELECT id, body FROM notes WHERE id >= $1 AND id < $2",
        [start, start + 10_000],
      );
      assert.equal(batch.length, 10_000);
      for (const row of batch) {
        assert.equal(parseEnvelope(row.body).sealed.length > 0, true);
        assert.equal(
          await fresh.decrypt("7", row.body, { context: `notes.body:${row.id}` }),
          `note-${row.id}`,
        );
      }
    }
  }
});
