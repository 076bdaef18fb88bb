// Journey 3 (issue 26): seed 000's own layout. A team with a Pydantic
// BaseSettings class (config.py), a documented .env.example with [VAULT]
// markers and a vault-agent template adopts Strongbox: init from the example,
// check the code layer against the schema, migrate two categories into a TLS
// OpenBao, run in a container whose deployment sets ENV=production and gives
// the app VAULT_APP_TOKEN, render the sidecar's file into a directory that does
// not exist yet. No secret value appears in any output.
import assert from "node:assert/strict";
import { copyFileSync, readFileSync, statSync } from "node:fs";
import { join } from "node:path";
import { after, before, describe, it } from "node:test";
import { parse } from "yaml";
import { type Bao, readOnlyToken, startBao } from "../helpers/bao.js";
import { Journey } from "../helpers/journey.js";
import { SEED_CONFIG_PY, SEED_ENV_EXAMPLE } from "../helpers/seed-000.js";

const DB_CANARY = "seed-layout-db-canary-5d1e";
const REDIS_CANARY = "seed-layout-redis-canary-0b7c";
const JWT_CANARY = "seed-layout-jwt-canary-93fa";
const S3_CANARY = "seed-layout-s3-canary-2c44";
const AI_CANARY = "seed-layout-ai-canary-6e18";

/** The developer's untracked .env: real local credentials, as seed 000's table says. */
const DOTENV = `DATABASE_URL=postgresql://app:${DB_CANARY}@db.internal:5432/finance_report
REDIS_URL=redis://localhost:6379/0
REDIS_PASSWORD=${REDIS_CANARY}
SECRET_KEY=${JWT_CANARY}
S3_ACCESS_KEY=minio-access-local
S3_SECRET_KEY=${S3_CANARY}
OPENROUTER_API_KEY=${AI_CANARY}
`;

/** What the team adds to both layers after check --layers names the drift. */
const EXAMPLE_ADDITIONS = `
# === Frontend and CORS ===
# Allowed origins
CORS_ORIGINS=http://localhost:3000
# Backend links back to the frontend
NEXT_PUBLIC_APP_URL=http://localhost:3000
`;

describe("journey: seed 000's layout", () => {
  let bao: Bao;
  before(async () => {
    bao = await startBao({ tls: true });
  });
  after(async () => bao.stop());

  it("init from the example, the code layer checked, two categories migrated, a container in production, the sidecar's file rendered", async () => {
    const j = new Journey("seed layout", {
      files: { ".env.example": SEED_ENV_EXAMPLE, ".env": DOTENV },
    }).canary(DB_CANARY, REDIS_CANARY, JWT_CANARY, S3_CANARY, AI_CANARY);
    // The CA as a deployment keeps it: a file of its own, still there when the server is gone.
    copyFileSync(bao.caCert ?? "", join(j.dir, "vault-ca.pem"));
    const ca = { VAULT_CACERT: join(j.dir, "vault-ca.pem"), VAULT_ADDR: bao.addr };
    const root = { ...ca, VAULT_TOKEN: bao.rootToken };

    j.note("layer 3 first: the documented example, [VAULT] marking production's secrets");
    await j.step(["init", "--from", ".env.example", "--yes"], {
      stderr: [
        /secret: DATABASE_URL, S3_ACCESS_KEY, S3_SECRET_KEY, OPENROUTER_API_KEY, SECRET_KEY;/,
      ],
      not: [
        /secret: [^;]*(ACCESS_TOKEN_EXPIRE_MINUTES|PRIMARY_MODEL|FALLBACK_MODELS|JWT_ALGORITHM)/,
      ],
    });
    const configPath = join(j.dir, "strongbox.config.yaml");
    const project = (parse(readFileSync(configPath, "utf8")) as { project: string }).project;
    await j.step(["check", "--layers"], {
      stderr: [/ok: the schema, \.env\.example and 0 templates agree/],
    });

    j.write({ "config.py": SEED_CONFIG_PY }, "layer 2: the backend's Pydantic settings");
    await j.step(["check", "--layers", "--diff"], {
      code: 4,
      stderr: [
        /config\.py:\d+: CORS_ORIGINS \(field cors_origins\) is in the settings class but not declared in the schema \(code-orphan\)/,
        /NEXT_PUBLIC_APP_URL \(field next_public_app_url\)/,
        /the layers disagree in 2 places/,
      ],
      stdout: [/--- schema\n\+\+\+ code\n\+CORS_ORIGINS\n\+NEXT_PUBLIC_APP_URL/],
    });
    j.write(
      {
        ".env.example": `${SEED_ENV_EXAMPLE}${EXAMPLE_ADDITIONS}`,
        "strongbox.config.yaml": `${readFileSync(configPath, "utf8")}  CORS_ORIGINS:\n    type: list\n    default: http://localhost:3000\n  NEXT_PUBLIC_APP_URL:\n    type: url\n    default: http://localhost:3000\nenvironmentVariable: ENV\nvault:\n  auth:\n    tokenVariables: [VAULT_APP_TOKEN, VAULT_ROOT_TOKEN]\n`,
      },
      "declare both, name ENV as the environment's variable and the seed's token variables",
    );
    await j.step(["check", "--layers"], {
      stderr: [/ok: the schema, config\.py, \.env\.example and 0 templates agree/],
    });

    j.note("the operator moves the database and Redis secrets first, as the seed's runbook does");
    await j.step(["migrate", "-f", ".env", "--secrets", "database", "redis", "--json"], {
      env: root,
      stdout: [
        /"variable": "DATABASE_URL"[^}]*"status": "new"/,
        /"variable": "REDIS_PASSWORD"[^}]*"status": "new"/,
        /"variable": "SECRET_KEY"[^}]*category app not selected/,
      ],
    });
    await j.step(["migrate", "-f", ".env", "--secrets", "databse", "redis"], {
      env: root,
      code: 2,
      stderr: [
        /unknown category "databse" in --secrets; known: app, database, mail, redis, s3, stripe/,
      ],
    });
    await j.step(
      [
        "migrate",
        "-f",
        ".env",
        "--secrets",
        "database",
        "redis",
        "--env",
        "production",
        "--apply",
        "--journal",
        "j1.jsonl",
      ],
      {
        env: root,
        stderr: [/migrated 2, /],
      },
    );
    await j.step(
      ["migrate", "-f", ".env", "-e", "production", "--apply", "--journal", "j2.jsonl"],
      {
        env: root,
        stderr: [/migrated 4, /],
      },
    );
    j.note("the settings production reads from Vault beside the secrets");
    bao.cli([
      "kv",
      "patch",
      "-mount=secret",
      `${project}/production/app`,
      "REDIS_URL=redis://cache:6379/0",
      "S3_ENDPOINT=http://minio:9000",
      "S3_BUCKET=statements",
    ]);

    const app = { ...ca, VAULT_APP_TOKEN: readOnlyToken(bao) };
    j.note("a container: Dokploy sets ENV=production and gives the app VAULT_APP_TOKEN alone");
    await j.step(["check", "--json"], {
      env: { ...app, ENV: "production" },
      stdout: [/"environment": "production"/],
    });
    await j.step(["check", "--json"], {
      env: { ...app, NODE_ENV: "production" },
      stdout: [/"environment": "local"/],
      stderr: [
        /^strongbox: warning: NODE_ENV=production says this is production, but Strongbox resolved environment "local"/m,
      ],
    });
    await j.step(
      [
        "run",
        "--",
        "node",
        "-e",
        "process.stdout.write(Object.keys(process.env).filter(k => /VAULT.*TOKEN/.test(k)).join(',') + ':' + (process.env.DATABASE_URL ? 'db' : 'none'))",
      ],
      {
        env: { ...app, ENV: "production" },
        stdout: [/^:db$/],
      },
    );

    j.write(
      {
        "deploy/secrets.ctmpl": `{{ with secret (printf "secret/data/${project}/%s/app" (env "ENV")) }}\nDATABASE_URL={{ with .Data.data.DATABASE_URL }}{{ printf "%q" . }}{{ else }}""{{ end }}\nSECRET_KEY={{ with .Data.data.SECRET_KEY }}{{ printf "%q" . }}{{ else }}""{{ end }}\n{{ end }}\n`,
      },
      "layer 1: the sidecar's template",
    );
    await j.step(
      [
        "render",
        "-i",
        "deploy/secrets.ctmpl",
        "-o",
        "etc/vault/secrets/app.env",
        "-e",
        "production",
      ],
      {
        env: { ...app, ENV: "production" },
      },
    );
    const rendered = readFileSync(join(j.dir, "etc/vault/secrets/app.env"), "utf8");
    assert.match(rendered, new RegExp(`SECRET_KEY="${JWT_CANARY}"`));
    assert.equal(statSync(join(j.dir, "etc/vault/secrets")).isDirectory(), true);
    assert.equal(statSync(join(j.dir, "etc/vault/secrets/app.env")).mode & 0o777, 0o600);

    j.note(
      "Vault goes away: production stops (pure mode), local keeps working from its defaults and .env",
    );
    await bao.stop();
    await j.step(["check"], { env: { ...app, ENV: "production" }, code: 10 });
    await j.step(["check", "--env", "local"], { env: app });
  });
});
