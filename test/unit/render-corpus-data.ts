/** The secrets and environment the template corpus is rendered against (test/fixtures/ctmpl-corpus). */
const app = {
  DATABASE_URL: "postgres://shop:p4ss@db/shop",
  REDIS_URL: "redis://cache:6379",
  S3_ACCESS_KEY: "AKIAEXAMPLE",
  SESSION_SECRET: "s3ss10n",
  TOKEN: "tok",
  "api-key": "k-1",
  "other.key": "o",
  FEATURE_FLAG: "beta",
  DB_PASSWORD: "pw",
  CONFIG: { retries: 3 },
  APP_SECRET: "as",
  API_TOKEN: "at",
};
export const CORPUS_SECRETS: Record<string, unknown> = {
  "secret/data/finance_report/production/app": { Data: { data: app, metadata: { version: 1 } } },
  "secret/data/shop/production/app": { Data: { data: app, metadata: { version: 7 } } },
  "secret/data/shop/production/worker": {
    Data: { data: { QUEUE_TOKEN: "q" }, metadata: { version: 1 } },
  },
  "secret/data/shop/production/postgres": {
    Data: { data: { POSTGRES_PASSWORD: "pg" }, metadata: { version: 2 } },
  },
  "secret/data/shop/production/tls": {
    Data: {
      data: { TLS_KEY: Buffer.from("-----KEY-----").toString("base64") },
      metadata: { version: 1 },
    },
  },
  "secret/data/shop/production/mail": {
    Data: { data: { SMTP_PASSWORD: "smtp" }, metadata: { version: 1 } },
  },
  "kv/shop/app": { Data: { API_KEY: "v1-key", API_URL: "https://api" } },
};
export const CORPUS_ENV: Record<string, string> = { ENV: "production", NODE_ENV: "production" };
