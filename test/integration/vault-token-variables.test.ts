// The token variables a config may name (issue 26, journey 3): seed 000 keeps
// VAULT_APP_TOKEN and VAULT_ROOT_TOKEN, seed 002 VAULT__TOKEN. Named in
// vault.auth.tokenVariables they log in; they stay credentials (never in a
// child's environment), and a name the credential rule does not classify is
// refused, so naming a variable can never turn a token into an ordinary value.
import assert from "node:assert/strict";
import { after, before, describe, it } from "node:test";
import { isCredentialVariable } from "../../src/security/credentials.js";
import { type Bao, readOnlyToken, startBao } from "../helpers/bao.js";
import { runCli, tempProject } from "../helpers/cli.js";
import "../../src/providers/registry.js";

const SEED_NAMES = ["VAULT_APP_TOKEN", "VAULT_ROOT_TOKEN", "VAULT__TOKEN", "BAO_APP_TOKEN"];
const config = (names: readonly string[]) =>
  `project: shop\nvault:\n  auth:\n    tokenVariables: [${names.join(", ")}]\nvariables:\n  API_KEY: { secret: true, ref: 'vault://secret/shop/app#API_KEY' }\n`;

describe("vault.auth.tokenVariables", () => {
  let bao: Bao;
  let token: string;
  before(async () => {
    bao = await startBao();
    bao.cli(["kv", "put", "-mount=secret", "shop/app", "API_KEY=token-variables-canary"]);
    token = readOnlyToken(bao);
  });
  after(async () => bao.stop());

  it("each seed name, and its environment-prefixed and _FILE forms, is a credential by the rule", () => {
    for (const name of SEED_NAMES)
      for (const variant of [name, `PRODUCTION_${name}`, `${name}_FILE`])
        assert.ok(isCredentialVariable(variant), variant);
  });

  it("a named variable logs in; the child never sees it; the first set one wins", async () => {
    for (const name of SEED_NAMES) {
      const dir = tempProject({ "strongbox.config.yaml": config([name]) });
      const probe =
        'process.stdout.write(JSON.stringify({ names: Object.keys(process.env), ok: process.env.API_KEY === "token-variables-canary" }))';
      const result = await runCli(["run", "--", "node", "-e", probe], {
        cwd: dir,
        env: { VAULT_ADDR: bao.addr, [name]: token },
      });
      assert.equal(result.code, 0, `${name}: ${result.stderr}`);
      const child = JSON.parse(result.stdout) as { names: string[]; ok: boolean };
      assert.equal(child.ok, true, `${name}: the secret was read with the named token`);
      assert.ok(!child.names.includes(name), `${name} reached the child`);
      assert.ok(!result.stdout.includes(token) && !result.stderr.includes(token));
    }
    const dir = tempProject({
      "strongbox.config.yaml": config(["VAULT_APP_TOKEN", "VAULT_ROOT_TOKEN"]),
    });
    const first = await runCli(["check"], {
      cwd: dir,
      env: {
        VAULT_ADDR: bao.addr,
        VAULT_APP_TOKEN: token,
        VAULT_ROOT_TOKEN: "hvs.not-a-real-token",
      },
    });
    assert.equal(first.code, 0, first.stderr);
  });

  it("without the config naming it, the variable is not a login, and the hint names the configured ones", async () => {
    const plain = tempProject({
      "strongbox.config.yaml":
        "project: shop\nvariables:\n  API_KEY: { secret: true, ref: 'vault://secret/shop/app#API_KEY' }\n",
    });
    const unnamed = await runCli(["check"], {
      cwd: plain,
      env: { VAULT_ADDR: bao.addr, VAULT_APP_TOKEN: token },
    });
    assert.notEqual(unnamed.code, 0);
    assert.match(unnamed.stderr, /no Vault credentials found/);
    const named = tempProject({ "strongbox.config.yaml": config(["VAULT_APP_TOKEN"]) });
    const none = await runCli(["check"], { cwd: named, env: { VAULT_ADDR: bao.addr } });
    assert.match(none.stderr, /VAULT_TOKEN \(or BAO_TOKEN, VAULT_APP_TOKEN\)/);
  });

  it("a name the credential rule does not classify is a schema error", async () => {
    for (const name of ["APP_TOKEN", "MY_VAULT_THING", "VAULT_ADDR", "TOKEN"]) {
      const dir = tempProject({ "strongbox.config.yaml": config([name]) });
      const result = await runCli(["check"], {
        cwd: dir,
        env: { VAULT_ADDR: bao.addr, [name]: token },
      });
      assert.equal(result.code, 3, `${name}: ${result.stderr}`);
      assert.match(
        result.stderr,
        new RegExp(`vault\\.auth\\.tokenVariables: ${name} is not a credential`),
      );
      assert.ok(!result.stderr.includes(token));
    }
  });
});
