// The code layer (issue 26, journey 3): a Pydantic BaseSettings class read
// statically from config.py, and checked against the schema by check --layers.
import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { checkLayers, layersDiff } from "../../src/layers/check-layers.js";
import { readCodeLayer } from "../../src/layers/code-layer.js";
import { readSettingsClasses } from "../../src/layers/pydantic.js";
import type { ConfigSpec } from "../../src/schema/types.js";
import { SEED_CONFIG_PY } from "../helpers/seed-000.js";

describe("Pydantic settings read statically", () => {
  it("reads field names, env names, types, defaults, SecretStr and Optional; skips the rest", () => {
    const [settings, ...others] = readSettingsClasses(SEED_CONFIG_PY);
    assert.equal(others.length, 0);
    const shape = Object.fromEntries(
      (settings?.fields ?? []).map((f) => [
        f.envName,
        `${f.type}${f.secret ? " secret" : ""}${f.optional ? " optional" : ""}${f.hasDefault ? ` =${JSON.stringify(f.default)}` : " required"}`,
      ]),
    );
    assert.deepEqual(shape, {
      DATABASE_URL: "string secret =undefined",
      REDIS_URL: "string optional =null",
      S3_ENDPOINT: 'string ="http://localhost:9000"',
      S3_ACCESS_KEY: 'string ="minioadmin"',
      S3_SECRET_KEY: "string secret required",
      S3_BUCKET: 'string ="statements"',
      OPENROUTER_API_KEY: "string secret optional =null",
      SECRET_KEY: "string secret required",
      DEBUG: "boolean =false",
      BASE_CURRENCY: 'string ="SGD"',
      PRIMARY_MODEL: 'string ="google/gemini-2.0-flash-exp:free"',
      OPENROUTER_DAILY_LIMIT_USD: "number =2",
      JWT_ALGORITHM: 'enum ="HS256"',
      ACCESS_TOKEN_EXPIRE_MINUTES: "int =1440",
      CORS_ORIGINS: "list =undefined",
      NEXT_PUBLIC_APP_URL: 'string ="http://localhost:3000"',
    });
    const fields = new Map(settings?.fields.map((f) => [f.envName, f]));
    assert.deepEqual(fields.get("JWT_ALGORITHM")?.values, ["HS256", "HS512"]);
    assert.equal(fields.get("DATABASE_URL")?.description, "PostgreSQL connection string");
    assert.equal(
      fields.get("OPENROUTER_API_KEY")?.description,
      "AI features (empty disables them)",
    );
    assert.equal(fields.get("S3_SECRET_KEY")?.line, 28);
  });

  it("applies env_prefix (v2 SettingsConfigDict and v1 class Config), not to an alias", () => {
    const v2 = `class AppSettings(BaseSettings):
    model_config = SettingsConfigDict(env_prefix="APP_")
    port: int = 8000
    token: SecretStr = Field(alias="SERVICE_TOKEN")
`;
    const v1 = `class AppSettings(pydantic.BaseSettings):
    port: int = 8000

    class Config:
        env_prefix = 'APP_'
`;
    assert.deepEqual(
      readSettingsClasses(v2)[0]?.fields.map((f) => f.envName),
      ["APP_PORT", "SERVICE_TOKEN"],
    );
    assert.deepEqual(
      readSettingsClasses(v1)[0]?.fields.map((f) => f.envName),
      ["APP_PORT"],
    );
  });

  it("every Optional spelling is optional, every Secret spelling secret", () => {
    const inner = ["str", "SecretStr", "int"];
    const spellings = (t: string) => [
      `Optional[${t}]`,
      `typing.Optional[${t}]`,
      `${t} | None`,
      `None | ${t}`,
      `Union[${t}, None]`,
      `Annotated[Optional[${t}], Field(min_length=1)]`,
    ];
    for (const t of inner)
      for (const annotation of spellings(t)) {
        const [field] =
          readSettingsClasses(`class S(BaseSettings):\n    x_y: ${annotation} = None\n`)[0]
            ?.fields ?? [];
        assert.equal(field?.optional, true, annotation);
        assert.equal(field?.secret, t === "SecretStr", annotation);
        assert.equal(field?.type, t === "int" ? "int" : "string", annotation);
      }
  });
});

describe("check --layers with a code layer", () => {
  const config: ConfigSpec = {
    project: "finance_report",
    variables: {
      DATABASE_URL: {
        secret: true,
        ref: { production: "vault://secret/{project}/{env}/app#DATABASE_URL" },
      },
      SECRET_KEY: { secret: true },
      DEBUG: { type: "boolean", default: false },
      PORT: { type: "port", default: 8000 },
      LOG_LEVEL: { default: "info" },
    },
  };
  const code = (body: string) =>
    readCodeLayer({ path: "config.py", text: `class Settings(BaseSettings):\n${body}` });

  it("a class that agrees passes", () => {
    const agree = code(
      "    database_url: SecretStr\n    secret_key: SecretStr\n    debug: bool = False\n    port: int = 8000\n",
    );
    assert.deepEqual(checkLayers(config, { templates: [], code: agree }).issues, []);
  });

  it("finds an orphan field, a SecretStr the schema calls plain, a type clash, a missing Vault variable", () => {
    const drifted = code(
      "    secret_key: str\n    debug: int = 0\n    log_level: SecretStr = 'info'\n    stale_setting: str = 'x'\n",
    );
    const report = checkLayers(config, { templates: [], code: drifted });
    assert.deepEqual(report.issues.map((i) => `${i.rule}:${i.variable}`).sort(), [
      "code-missing:DATABASE_URL",
      "code-orphan:STALE_SETTING",
      "code-secret:LOG_LEVEL",
      "code-type:DEBUG",
    ]);
    assert.match(
      report.issues.find((i) => i.rule === "code-orphan")?.message ?? "",
      /^config\.py:5: STALE_SETTING \(field stale_setting\)/,
    );
    assert.deepEqual(report.missing.code, ["DATABASE_URL"]);
    assert.match(layersDiff(report), /--- schema\n\+\+\+ code\n-DATABASE_URL\n\+STALE_SETTING/);
    assert.ok(!JSON.stringify(report).includes("'info'"));
  });

  it("a secret field whose literal default looks real is reported without its value; local placeholders pass", () => {
    const real = "sk_live_hardcodedCanary0123456789";
    for (const [annotation, value, flagged] of [
      ["SecretStr", real, true],
      ["str", real, true],
      ["SecretStr", "changeme", false],
      ["str", "postgresql://postgres:postgres@localhost:5432/app", false],
      ["SecretStr", "postgresql://app:Xq9vT3kLp0sZ8mW2rB@db.prod-cluster.io/app", true],
    ] as const) {
      const layer = code(`    secret_key: ${annotation} = "${value}"\n`);
      const report = checkLayers(config, { templates: [], code: layer });
      const found = report.issues.filter((i) => i.rule === "code-secret-default");
      assert.equal(found.length, flagged ? 1 : 0, `${annotation} ${value}`);
      assert.ok(!JSON.stringify(report).includes(value), "the value is never quoted");
    }
  });
});
