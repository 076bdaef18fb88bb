// The project session (src/project/session.ts): one project opened for one piece of
// work, its audit sink and Vault clients opened on first use and closed together.
import assert from "node:assert/strict";
import { mkdirSync } from "node:fs";
import { join } from "node:path";
import { describe, it } from "node:test";
import { openSession, openSessionIfAny, withSession } from "../../src/index.js";
import { tempProject } from "../helpers/cli.js";

const CONFIG = `project: shop
audit: { sink: file, file: audit.jsonl }
vault: { address: "http://127.0.0.1:2" }
environments:
  local: {}
  pr-*: { vault: { address: "http://127.0.0.1:1" } }
variables:
  PORT: { type: port, default: 8080 }
`;

const env = (extra: Record<string, string> = {}) => ({ HOME: tempProject(), ...extra });

describe("project session", () => {
  it("opens the project found from a subdirectory, with its config, base directory and environments", async () => {
    const dir = tempProject({ "strongbox.config.yaml": CONFIG });
    mkdirSync(join(dir, "src"));
    const session = await openSession({ cwd: join(dir, "src"), processEnv: env() });
    try {
      assert.equal(session.baseDir, dir);
      assert.equal(session.project.configPath, join(dir, "strongbox.config.yaml"));
      assert.equal(session.config.project, "shop");
      assert.deepEqual(session.environments(), ["local", "pr-*"]);
      assert.equal(session.environmentName(), "local");
      assert.equal(session.auditFile(), join(dir, "audit.jsonl"));
      assert.equal(session.storeDir(), join(dir, ".strongbox"));
    } finally {
      await session.close();
    }
  });

  it("builds one Vault client per environment, from that environment's settings, and closes them all", async () => {
    const dir = tempProject({ "strongbox.config.yaml": CONFIG });
    const session = await openSession({ cwd: dir, processEnv: env(), environment: "pr-7" });
    const client = session.vault();
    assert.equal(session.vault("pr-7"), client, "the same environment reuses its client");
    assert.equal(client.http.connection.address, "http://127.0.0.1:1");
    const other = session.vault("local");
    assert.notEqual(other, client);
    assert.equal(other.http.connection.address, "http://127.0.0.1:2");
    let closed = 0;
    for (const each of [client, other]) {
      const close = each.close.bind(each);
      each.close = async () => {
        closed++;
        await close();
      };
    }
    await session.close();
    assert.equal(closed, 2);
    await session.close();
    assert.equal(closed, 2, "a second close closes nothing again");
  });

  it("opens the audit sink once, on first use", async () => {
    const dir = tempProject({ "strongbox.config.yaml": CONFIG });
    await withSession({ cwd: dir, processEnv: env() }, async (session) => {
      const sink = session.audit();
      assert.ok(sink !== undefined);
      assert.equal(session.audit(), sink);
    });
  });

  it("without a config: no project, the cwd as base, and the environment's audit rule", async () => {
    const dir = tempProject();
    const session = await openSessionIfAny({
      cwd: dir,
      processEnv: env({ STRONGBOX_AUDIT_SINK: "off" }),
    });
    assert.equal(session.project, undefined);
    assert.equal(session.config, undefined);
    assert.equal(session.baseDir, dir);
    assert.equal(session.audit()?.offByEnvironment, true);
  });

  it("openSessionIfAny loads a config it finds; `checked` refuses one the schema rules refuse", async () => {
    const bad = `variables:\n  PORT: { type: nonsense }\n`;
    const dir = tempProject({ "strongbox.config.yaml": bad });
    const loaded = await openSessionIfAny({ cwd: dir, processEnv: env() });
    assert.ok(loaded.config !== undefined);
    await assert.rejects(
      openSessionIfAny({ cwd: dir, processEnv: env(), checked: true }),
      (error: Error & { code?: string }) => error.code === "E_SCHEMA",
    );
  });
});
