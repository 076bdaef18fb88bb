import { defineConfig } from "strongbox";

/**
 * The example shop API's configuration: ten variables, four of them secrets.
 * Locally the secrets live in the encrypted store (see make-demo-store.mjs);
 * production takes them from Vault only.
 */
export default defineConfig({
  project: "shop",
  variables: {
    PORT: { type: "port", default: 3000, description: "HTTP port the API listens on" },
    HOST: { type: "string", default: "127.0.0.1", description: "interface to bind" },
    PUBLIC_URL: {
      type: "url",
      public: true,
      default: "http://localhost:3000",
      description: "base URL shown to browsers",
    },
    LOG_LEVEL: {
      type: "enum",
      values: ["debug", "info", "warn", "error"],
      default: "info",
      description: "log verbosity",
    },
    REQUEST_TIMEOUT: { type: "duration", default: "5s", description: "upstream request timeout" },
    FEATURE_FLAGS: { type: "list", required: false, description: "comma-separated feature flags" },
    DATABASE_URL: {
      type: "url",
      secret: true,
      description: "PostgreSQL connection string with credentials",
      ref: {
        production: "vault://secret/{project}/{env}/app#DATABASE_URL",
        "*": "store://DATABASE_URL",
      },
    },
    SESSION_SECRET: {
      secret: true,
      description: "signs session cookies",
      ref: {
        production: "vault://secret/{project}/{env}/app#SESSION_SECRET",
        "*": "store://SESSION_SECRET",
      },
    },
    STRIPE_API_KEY: {
      secret: true,
      pattern: "sk_(test|live)_[A-Za-z0-9]+",
      description: "Stripe secret key",
      ref: {
        production: "vault://secret/{project}/{env}/app#STRIPE_API_KEY",
        "*": "store://STRIPE_API_KEY",
      },
    },
    SMTP_PASSWORD: {
      secret: true,
      required: ["production", "staging"],
      description: "mail relay password",
    },
  },
  environments: {
    local: { files: [".env"], allowSecretDefaults: true },
    ci: { secrets: { from: ["env", "file"] } },
    "pr-*": { secrets: { from: ["env", "file", "vault"] } },
    staging: { secrets: { from: ["vault", "file"] } },
    production: { secrets: { from: ["vault"] } },
  },
});
