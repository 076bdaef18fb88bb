import assert from "node:assert/strict";
import { execFileSync } from "node:child_process";
import {
  chmodSync,
  existsSync,
  mkdirSync,
  readFileSync,
  statSync,
  symlinkSync,
  writeFileSync,
} from "node:fs";
import { join } from "node:path";
import { describe, it } from "node:test";
import { parseDotenv } from "../../src/dotenv/parse.js";
import { renderCtmpl } from "../../src/generate/ctmpl.js";
import type { ConfigSpec } from "../../src/schema/types.js";
import { renderWithBaoAgent, startBao } from "../helpers/bao.js";
import { CLI, cleanEnv, runCli, tempProject } from "../helpers/cli.js";

describe("generated secrets.ctmpl rendered by the real `bao agent`", () => {
  it("renders every production secret, and the env file reads back exactly with our parser", async () => {
    const bao = await startBao();
    try {
      const values = {
        DATABASE_URL: 'postgres://u:p"w$d@h/db?x=1#frag',
        MULTILINE: "line one\nline two\tand a tab",
        UNICODE: "héllo 🌍 \\ backslash",
        "api-key": "k-1",
      };
      bao.cli([
        "kv",
        "put",
        "-mount=secret",
        "shop/production/app",
        ...Object.entries(values).map(([k, v]) => `${k}=${v}`),
      ]);
      const config: ConfigSpec = {
        project: "shop",
        variables: {
          DATABASE_URL: {
            secret: true,
            ref: { production: "vault://secret/{project}/{env}/app#DATABASE_URL" },
          },
          MULTILINE: {
            secret: true,
            ref: { production: "vault://secret/{project}/{env}/app#MULTILINE" },
          },
          UNICODE: {
            secret: true,
            ref: { production: "vault://secret/{project}/{env}/app#UNICODE" },
          },
          API_KEY: {
            secret: true,
            ref: { production: "vault://secret/{project}/{env}/app#api-key" },
          },
          ABSENT: {
            secret: true,
            ref: { production: "vault://secret/{project}/{env}/app#ABSENT" },
          },
        },
      };
      const dir = tempProject();
      const [template] = renderCtmpl(config);
      assert.ok(template);
      writeFileSync(join(dir, "secrets.ctmpl"), template.text);
      renderWithBaoAgent(bao, dir, [["secrets.ctmpl", "out.env"]], { ENV: "production" });
      const parsed = parseDotenv(readFileSync(join(dir, "out.env"), "utf8"));
      assert.deepEqual(parsed.issues, []);
      assert.deepEqual(
        Object.fromEntries(parsed.entries.map((entry) => [entry.key, entry.value])),
        {
          DATABASE_URL: values.DATABASE_URL,
          MULTILINE: values.MULTILINE,
          UNICODE: values.UNICODE,
          API_KEY: values["api-key"],
          ABSENT: "",
        },
      );
    } finally {
      await bao.stop();
    }
  });

  it("strongbox render writes exactly what bao agent writes, 0600 under umask 000, and refuses symlinks and world-writable dirs", async () => {
    const bao = await startBao();
    try {
      bao.cli([
        "kv",
        "put",
        "-mount=secret",
        "shop/production/app",
        'DB=p"w$d\\x',
        "TOKEN=line1\nline2",
      ]);
      bao.cli(["secrets", "enable", "-path=kv", "-version=1", "kv"]);
      bao.cli(["kv", "put", "-mount=kv", "legacy", "OLD=v1-value"]);
      const dir = tempProject();
      const template = `{{ with secret (printf "secret/data/shop/%s/app" (env "ENV")) }}
DB={{ with .Data.data.DB }}{{ printf "%q" . }}{{ else }}""{{ end }}
TOKEN={{ .Data.data.TOKEN | toJSON }}
VERSION={{ .Data.metadata.version }}
{{ end }}{{ with secret "kv/legacy" }}OLD={{ .Data.OLD }}{{ end }}
`;
      writeFileSync(join(dir, "app.ctmpl"), template);
      renderWithBaoAgent(bao, dir, [["app.ctmpl", "agent.env"]], { ENV: "production" });
      const env = {
        ...cleanEnv(dir),
        VAULT_ADDR: bao.addr,
        VAULT_TOKEN: bao.rootToken,
        ENV: "production",
      };
      execFileSync(
        "sh",
        ["-c", `umask 000; "${process.execPath}" "${CLI}" render -i app.ctmpl -o ours.env`],
        { cwd: dir, env, stdio: "ignore" },
      );
      assert.equal(
        readFileSync(join(dir, "ours.env"), "utf8"),
        readFileSync(join(dir, "agent.env"), "utf8"),
      );
      assert.equal(statSync(join(dir, "ours.env")).mode & 0o777, 0o600);
      const dry = execFileSync(process.execPath, [CLI, "render", "-i", "app.ctmpl", "--dry"], {
        cwd: dir,
        env,
        encoding: "utf8",
      });
      assert.ok(
        !dry.includes("v1-value") && dry.includes("<redacted:OLD>"),
        "dry runs mask secrets",
      );
      symlinkSync(join(dir, "elsewhere"), join(dir, "link.env"));
      const link = await runCli(["render", "-i", "app.ctmpl", "-o", "link.env"], { cwd: dir, env });
      assert.equal(link.code, 6);
      assert.match(link.stderr, /is a symlink; refusing to write through it/);
      assert.ok(!existsSync(join(dir, "elsewhere")));
      mkdirSync(join(dir, "open"), { mode: 0o777 });
      chmodSync(join(dir, "open"), 0o777);
      const open = await runCli(["render", "-i", "app.ctmpl", "-o", "open/out.env"], {
        cwd: dir,
        env,
      });
      assert.equal(open.code, 6);
      assert.match(open.stderr, /writable by everyone/);
      const missing = await runCli(["render", "-i", "app.ctmpl", "--dry"], {
        cwd: dir,
        env: { ...env, ENV: "staging" },
      });
      assert.equal(missing.code, 3);
      assert.match(
        missing.stderr,
        /app\.ctmpl:1:\d+: no secret at secret\/data\/shop\/staging\/app/,
      );
    } finally {
      await bao.stop();
    }
  });
});
