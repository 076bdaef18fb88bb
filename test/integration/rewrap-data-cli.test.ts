// `strongbox rewrap-data` (issue 14): the master key rotation job from the CLI, against a
// real PostgreSQL and OpenBao; the database URL comes from the schema, never from argv.
import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { after, before, describe, it } from "node:test";
import pg from "pg";
import { fieldCipher } from "../../src/envelope/field-cipher.js";
import { transitKeys } from "../../src/keys/transit.js";
import { VaultClient } from "../../src/vault/client.js";
import { type Bao, startBao } from "../helpers/bao.js";
import { runCli, tempProject } from "../helpers/cli.js";
import { type Service, startPostgres } from "../helpers/services.js";

const PASSWORD = "pg-cli-canary-password";

describe("strongbox rewrap-data", () => {
  let bao: Bao;
  let postgres: Service;
  let db: pg.Client;
  before(async () => {
    [bao, postgres] = await Promise.all([startBao(), startPostgres(PASSWORD)]);
    bao.cli(["secrets", "enable", "transit"]);
    bao.cli(["write", "-f", "transit/keys/mek-cli"]);
    db = new pg.Client({ connectionString: postgres.url });
    await db.connect();
    const vault = VaultClient.fromEnv({ VAULT_ADDR: bao.addr, VAULT_TOKEN: bao.rootToken });
    const cipher = fieldCipher({ services: [transitKeys(vault)], keyFor: () => "transit:mek-cli" });
    await db.query(
      "CREATE TABLE notes (id integer PRIMARY KEY, product text NOT NULL, body text NOT NULL)",
    );
    for (let start = 0; start < 3000; start += 500) {
      const rows = await Promise.all(
        Array.from({ length: 500 }, (_, i) =>
          cipher.encrypt("p", `n${start + i}`, { context: `notes.body:${start + i}` }),
        ),
      );
      const values = rows.map((_, i) => `($${2 * i + 1}, 'p', $${2 * i + 2})`).join(", ");
      await db.query(
        `INSERT INTO notes VALUES ${values}`,
        rows.flatMap((body, i) => [start + i, body]),
      );
    }
    await vault.close();
    bao.cli(["write", "-f", "transit/keys/mek-cli/rotate"]);
  });
  after(async () => {
    await db.end();
    await Promise.all([bao.stop(), postgres.stop()]);
  });

  const project = () =>
    tempProject({
      "strongbox.config.yaml": "variables:\n  DATABASE_URL: { secret: true, type: url }\n",
    });
  const env = (dir: string, url = postgres.url) => ({
    HOME: dir,
    DATABASE_URL: url,
    VAULT_ADDR: bao.addr,
    VAULT_TOKEN: bao.rootToken,
  });
  const args = [
    "rewrap-data",
    "--key-id",
    "transit:mek-cli",
    "--table",
    "notes",
    "--column",
    "body",
    "--tenant-column",
    "product",
  ];

  it("rewraps the table in audited batches, then changes nothing when run again; the URL never appears", async () => {
    const dir = project();
    const first = await runCli([...args, "--batch", "500", "--json"], { cwd: dir, env: env(dir) });
    assert.equal(first.code, 0, first.stderr);
    const result = JSON.parse(first.stdout) as {
      ok: boolean;
      done: number;
      changed: number;
      target: number;
    };
    assert.deepEqual(
      [result.ok, result.done, result.changed, result.target],
      [true, 3000, 3000, 2],
    );
    const versions = (await db.query("SELECT DISTINCT split_part(body, '.', 3) AS v FROM notes"))
      .rows;
    assert.deepEqual(versions, [{ v: "2" }]);
    const log = readFileSync(join(dir, ".local/state/strongbox/audit.jsonl"), "utf8");
    const batches = log
      .trim()
      .split("\n")
      .map((line) => JSON.parse(line))
      .filter((record) => record.action === "rewrap");
    assert.equal(batches.length, 6);
    assert.deepEqual(
      batches.map((b) => b.rows),
      [500, 500, 500, 500, 500, 500],
    );
    const again = await runCli(args, { cwd: dir, env: env(dir) });
    assert.equal(again.code, 0, again.stderr);
    assert.match(
      again.stderr,
      /0 of 3000 rows of notes\.body rewrapped under transit:mek-cli version 2/,
    );
    for (const text of [first.stdout, first.stderr, again.stderr, log])
      assert.ok(!text.includes(PASSWORD));
  });

  it("bad input: a missing option, a wrong database password, a hostile table name", async () => {
    const dir = project();
    const missing = await runCli(args.slice(0, -2), { cwd: dir, env: env(dir) });
    assert.equal(missing.code, 2);
    assert.match(missing.stderr, /rewrap-data needs --tenant-column/);
    const wrong = await runCli(args, {
      cwd: dir,
      env: env(dir, postgres.url.replace(encodeURIComponent(PASSWORD), "wrong-password-canary")),
    });
    assert.equal(wrong.code, 5, wrong.stderr);
    assert.match(wrong.stderr, /cannot connect to the database in DATABASE_URL/);
    assert.ok(!wrong.stderr.includes("wrong-password-canary"));
    const hostile = await runCli(
      [...args.slice(0, 4), "notes; DROP TABLE notes", ...args.slice(5)],
      { cwd: dir, env: env(dir) },
    );
    assert.equal(hostile.code, 2);
    assert.match(hostile.stderr, /is not a plain SQL identifier/);
    assert.equal((await db.query("SELECT count(*) AS n FROM notes")).rows[0].n, "3000");
  });
});
