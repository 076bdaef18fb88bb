// Issue 26, smaller items: `migrate` writes to production when no --env is
// given, and `env create --from production` copies production's secrets:
// neither does it silently. On a terminal it asks; off one it needs the
// explicit flag (--env / --yes) and writes nothing without it. Real TLS bao,
// a real pseudo-terminal.
import assert from "node:assert/strict";
import { after, before, describe, it } from "node:test";
import { type Bao, startBao } from "../helpers/bao.js";
import { CLI } from "../helpers/cli.js";
import { Journey } from "../helpers/journey.js";
import { onTerminal } from "../helpers/pty.js";

const CONFIG = `project: shop
variables:
  SESSION_SECRET: { secret: true, ref: { production: 'vault://secret/{project}/{env}/app#SESSION_SECRET' } }
`;
const VALUE = "confirm-canary-9b1c44";

describe("journey: production is never written or copied without saying so", () => {
  let bao: Bao;
  before(async () => {
    bao = await startBao({ tls: true });
  });
  after(async () => {
    await bao.stop();
  });
  const stored = (path: string) => {
    try {
      return bao.cli(["kv", "get", "-mount=secret", "-field=SESSION_SECRET", path]).trim();
    } catch {
      return undefined;
    }
  };

  it("migrate --apply without --env: refused off a terminal, asked on one; env create --from production likewise", async () => {
    const env = {
      VAULT_ADDR: bao.addr,
      VAULT_CACERT: bao.caCert as string,
      VAULT_TOKEN: bao.rootToken,
    };
    const j = new Journey("production-confirm", {
      files: { "strongbox.config.yaml": CONFIG, ".env": `SESSION_SECRET=${VALUE}\n` },
      env,
    }).canary(VALUE);
    await j.step(["migrate", "-f", ".env"], { stderr: [/dry run: nothing was written/] });
    j.note("in a script (no terminal) the default target is not taken on trust");
    await j.step(["migrate", "-f", ".env", "--apply"], {
      code: 2,
      stderr: [/E_USAGE/, /"production", the default/, /--env production/],
    });
    assert.equal(stored("shop/production/app"), undefined, "nothing written");
    const argv = [process.execPath, CLI, "migrate", "-f", ".env", "--apply"];
    const question = '"production" (the default environment)? [y/N]';
    const declined = await onTerminal(argv, { cwd: j.dir, env, after: question, keys: "n\r" });
    assert.equal(declined.code, 2, declined.output);
    assert.match(declined.output, /not confirmed; nothing was written/);
    assert.equal(stored("shop/production/app"), undefined, "declined: nothing written");
    const accepted = await onTerminal(argv, { cwd: j.dir, env, after: question, keys: "y\r" });
    assert.equal(accepted.code, 0, accepted.output);
    assert.match(accepted.output, /migrated 1,/);
    assert.equal(stored("shop/production/app"), VALUE);
    await j.step(["migrate", "-f", ".env", "--env", "production", "--apply"], {
      stderr: [/migrated 0,/],
    });

    j.note("an ephemeral environment from production's secrets");
    await j.step(["env", "create", "pr-7", "--from", "production"], {
      stderr: [/dry run: 1 secrets would be copied/],
    });
    await j.step(["env", "create", "pr-7", "--from", "production", "--apply"], {
      code: 2,
      stderr: [/E_USAGE/, /copies 1 production secrets/, /--yes/],
    });
    assert.equal(stored("shop/pr-7/app"), undefined, "nothing copied");
    const copy = [
      process.execPath,
      CLI,
      "env",
      "create",
      "pr-7",
      "--from",
      "production",
      "--apply",
    ];
    const refusedCopy = await onTerminal(copy, {
      cwd: j.dir,
      env,
      after: "[y/N]",
      keys: "\r",
    });
    assert.equal(refusedCopy.code, 2, refusedCopy.output);
    assert.equal(stored("shop/pr-7/app"), undefined, "declined: nothing copied");
    await j.step(["env", "create", "pr-7", "--from", "production", "--apply", "--yes"], {
      stderr: [/copied 1 of 1/],
    });
    assert.equal(stored("shop/pr-7/app"), VALUE);
    j.note("copying from a non-production environment asks nothing");
    await j.step(["env", "create", "pr-8", "--from", "pr-7", "--apply"], {
      stderr: [/copied 1 of 1/],
    });
    for (const result of [declined, accepted, refusedCopy])
      j.checkCanaries({ stdout: result.output, stderr: "" });
  });
});
