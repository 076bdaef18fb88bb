// `migrate --secrets` (issue 26, journey 3): seed 000 writes
// `--secrets database redis`; every spelling selects both categories, and a
// category no variable can fall in is an error naming the known ones.
import assert from "node:assert/strict";
import { after, before, describe, it } from "node:test";
import { type Bao, startBao } from "../helpers/bao.js";
import { runCli, tempProject } from "../helpers/cli.js";

const CONFIG =
  "project: shop\nvariables:\n  SESSION_SECRET: { secret: true }\n  MAIL_PASSWORD: { secret: true, component: mailer }\n";
const DOTENV =
  "SESSION_SECRET=cat-session-canary\nDATABASE_URL=postgres://shop:cat-db-canary@db/shop\nREDIS_PASSWORD=cat-redis-canary\nSTRIPE_API_KEY=sk_test_cat\n";

describe("migrate --secrets selects categories", () => {
  let bao: Bao;
  before(async () => {
    bao = await startBao();
  });
  after(async () => bao.stop());
  const run = (args: string[]) =>
    runCli(["migrate", "-f", ".env", "--json", ...args], {
      cwd: tempProject({ "strongbox.config.yaml": CONFIG, ".env": DOTENV }),
      env: { VAULT_ADDR: bao.addr, VAULT_TOKEN: bao.rootToken },
    });
  const selected = (stdout: string) =>
    (JSON.parse(stdout).rows as Array<{ variable: string; status: string }>)
      .filter((row) => row.status !== "skipped")
      .map((row) => row.variable)
      .sort();

  it("every spelling of two categories selects both and only them", async () => {
    for (const args of [
      ["--secrets", "database", "redis"],
      ["--secrets", "database,redis"],
      ["--secrets", "database", "--secrets", "redis"],
      ["--secrets", "redis", "database"],
    ]) {
      const result = await run(args);
      assert.equal(result.code, 0, `${args.join(" ")}: ${result.stderr}`);
      assert.deepEqual(selected(result.stdout), ["DATABASE_URL", "REDIS_PASSWORD"], args.join(" "));
      assert.ok(!result.stdout.includes("canary") && !result.stderr.includes("canary"));
    }
  });

  it("an unknown category is an error naming the known ones, before anything is read", async () => {
    for (const args of [
      ["--secrets", "databse"],
      ["--secrets", "database", "reddis"],
    ]) {
      const result = await run(args);
      assert.equal(result.code, 2, result.stderr);
      assert.match(
        result.stdout + result.stderr,
        /unknown category \\?"(databse|reddis)\\?" in --secrets; known: app, database, mail, mailer, redis, s3, stripe/,
      );
    }
    const stray = await run(["database"]);
    assert.equal(stray.code, 2, `${stray.stdout}${stray.stderr}`);
    assert.match(
      stray.stdout + stray.stderr,
      /unexpected argument database; to select categories, use --secrets database/,
    );
  });
});
