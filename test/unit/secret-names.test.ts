// The one secret-name rule (issue 26): a credential word makes a name a
// secret's only as a whole part at its end. Generated over names: every word
// with prefixes, every word followed by a property of the credential, every
// word buried in a longer part, in every case and separator.
import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { scaffoldSecret } from "../../src/generate/scaffold.js";
import { looksLikeCredential } from "../../src/hygiene/placeholder.js";
import {
  isSecretName,
  looksSecret,
  SECRET_NAME_TAILS,
  SECRET_NAME_WORDS,
} from "../../src/schema/looks-secret.js";

const PREFIXES = ["", "APP_", "OPENROUTER_", "S3_", "ACCESS_", "PRODUCTION_DB_"];
/** Parts that name a property of a credential, not the credential. */
const PROPERTIES = [
  "EXPIRE_MINUTES",
  "TTL",
  "MIN_LENGTH",
  "URL",
  "ENDPOINT",
  "ENABLED",
  "HEADER",
  "ALGORITHM",
  "NAME",
  "ROTATION_DAYS",
  "EXPIRES_IN",
  "PREFIX",
];
const spellings = (name: string) => [name, name.toLowerCase(), name.replaceAll("_", "-")];

describe("secret-name rule", () => {
  it("a credential word ending the name (also plural, also before an encoding tail) is a secret", () => {
    for (const word of SECRET_NAME_WORDS)
      for (const prefix of PREFIXES)
        for (const name of [
          `${prefix}${word}`,
          `${prefix}${word}S`,
          ...SECRET_NAME_TAILS.map((tail) => `${prefix}${word}_${tail}`),
        ])
          for (const spelled of spellings(name)) assert.ok(isSecretName(spelled), spelled);
  });

  it("a credential word followed by a property is not, nor a word inside a longer part", () => {
    for (const word of SECRET_NAME_WORDS)
      for (const prefix of PREFIXES) {
        const names = [
          ...PROPERTIES.map((property) => `${prefix}${word}_${property}`),
          `${prefix}${word}IZER`,
          `${prefix}MON${word}`,
          `${prefix}X${word}_MODE`,
        ];
        for (const name of names)
          for (const spelled of spellings(name)) {
            assert.equal(isSecretName(spelled), false, spelled);
            assert.equal(looksSecret(spelled, "1440"), false, spelled);
          }
      }
  });

  it("seed 000's settings: the secrets are secrets, the knobs are not", () => {
    const secrets = [
      "DATABASE_URL",
      "S3_SECRET_KEY",
      "OPENROUTER_API_KEY",
      "SECRET_KEY",
      "S3_ACCESS_KEY",
    ];
    const knobs = {
      ACCESS_TOKEN_EXPIRE_MINUTES: "1440",
      PRIMARY_MODEL: "google/gemini-2.0-flash-exp:free",
      FALLBACK_MODELS:
        "qwen/qwen-2.5-72b-instruct:free,nvidia/llama-3.1-nemotron-70b-instruct:free",
      JWT_ALGORITHM: "HS256",
      OPENROUTER_DAILY_LIMIT_USD: "2",
      BASE_CURRENCY: "SGD",
      CORS_ORIGINS: "https://report.example.io,http://localhost:3000",
      OTEL_RESOURCE_ATTRIBUTES: "service.name=finance-report,deployment.environment=production",
      S3_BUCKET: "finance-report-statements",
    };
    for (const name of secrets) assert.ok(scaffoldSecret(name, ""), name);
    for (const [name, value] of Object.entries(knobs))
      assert.equal(scaffoldSecret(name, value), false, name);
  });

  it("a value is a credential by shape whatever its name, and a slash does not hide one", () => {
    const token = "q8Zr2LmN4pQ7sT1vW9yBx3";
    for (const value of [
      token,
      `abc/${token}+xyz==`,
      `${token.slice(0, 11)}-${token.slice(11)}`,
      "3f9a8b7c6d5e4f3a2b1c0d9e8f7a6b5c",
      "sk_live_abcdefghijklmnop",
      "redis://:pw@cache:6379",
    ]) {
      assert.ok(looksLikeCredential(value), value);
      assert.ok(scaffoldSecret("PRIMARY_MODEL", value), value);
    }
  });
});
