import assert from "node:assert/strict";
import { execFileSync } from "node:child_process";
import { readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { describe, it } from "node:test";
import { parseDotenv } from "../../src/dotenv/parse.js";
import { renderCtmpl } from "../../src/generate/ctmpl.js";
import type { ConfigSpec } from "../../src/schema/types.js";
import { baoBinary, startBao } from "../helpers/bao.js";
import { tempProject } from "../helpers/cli.js";

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
      writeFileSync(join(dir, "token"), bao.rootToken);
      writeFileSync(
        join(dir, "agent.hcl"),
        `vault { address = "${bao.addr}" }\nauto_auth {\n  method "token_file" {\n    config = { token_file_path = "${join(dir, "token")}" }\n  }\n}\ntemplate {\n  source = "${join(dir, "secrets.ctmpl")}"\n  destination = "${join(dir, "out.env")}"\n}\nexit_after_auth = true\n`,
      );
      execFileSync(baoBinary(), ["agent", `-config=${join(dir, "agent.hcl")}`], {
        env: { PATH: process.env.PATH ?? "", HOME: dir, ENV: "production" },
        stdio: "ignore",
        timeout: 30_000,
      });
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
});
