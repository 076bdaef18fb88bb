// A master key rewrap job in its own process, so a test can SIGKILL it mid-run and
// start it again (test/integration/data-postgres.test.ts). Reads its settings from
// the environment; prints the job's result as JSON.
import pg from "pg";
import { fieldCipher } from "../../src/envelope/field-cipher.js";
import { rewrapTable } from "../../src/envelope/rewrap-table.js";
import { transitKeys } from "../../src/keys/transit.js";
import { VaultClient } from "../../src/vault/client.js";

const env = process.env;
const db = new pg.Client({ connectionString: env.PG_URL });
await db.connect();
const vault = VaultClient.fromEnv({ VAULT_ADDR: env.VAULT_ADDR, VAULT_TOKEN: env.VAULT_TOKEN });
const cipher = fieldCipher({
  services: [transitKeys(vault)],
  keyFor: (product) => `transit:tracker-mek-${product}`,
});
const result = await rewrapTable({
  cipher,
  db,
  table: "notes",
  key: "id",
  column: "body",
  tenant: "product",
  keyId: "transit:tracker-mek-7",
  batchSize: Number(env.BATCH ?? 1000),
  audit: {
    write(events) {
      for (const event of events) process.stderr.write(`${JSON.stringify(event)}\n`);
    },
  },
});
process.stdout.write(`${JSON.stringify(result)}\n`);
await db.end();
await vault.close();
