// Which `.env.example` values are safe local placeholders (issue 13).
import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { isSafePlaceholder } from "../../src/hygiene/placeholder.js";

describe(".env.example placeholders", () => {
  const safe = [
    "",
    "changeme",
    "changeme-local-only",
    "CHANGE_ME",
    "<your api key>",
    "${DB_PASSWORD}",
    "xxxxxxxx",
    "your_key_here",
    "minioadmin",
    "postgres",
    "password123",
    "postgresql://postgres:postgres@localhost:5432/app",
    "postgres://user:password@db:5432/app",
    "redis://localhost:6379/0",
    "amqp://guest:guest@rabbitmq:5672/",
    "https://api.example.com/v1",
    "http://127.0.0.1:9000",
    "mysql://root:root@host.docker.internal/app",
  ];
  const real = [
    "sk_live_51HCanaryCanaryCanary",
    "ghp_16C7e42F292c6912E7710c838347Ae178B4a",
    "AKIAIOSFODNN7EXAMPLE",
    "xoxb-123456789012-abcdefghijkl",
    "eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiIxMjM0NTY3ODkwIn0.dozjgNryP4J3jVmNHl0w5N_XgL0n3I9PlFUP0THsR8U",
    "-----BEGIN PRIVATE KEY-----",
    "9fK2xQ7vLp3Zs8RmT1wN6bYc",
    "3f9a1c0e7b5d2a8c4e6f1b3d5a7c9e0f",
    "postgresql://app:pw@db-primary.finance-report.io:5432/app",
    "postgres://postgres:q8Zr2Vt5Lx9Pw3Ns7Kd1@localhost/app",
    "hvs.CAESIJ2kFakeButLongToken",
  ];
  for (const value of safe)
    it(`safe: ${JSON.stringify(value)}`, () => assert.equal(isSafePlaceholder(value), true));
  for (const value of real)
    it(`looks real: ${value.slice(0, 12)}…`, () => assert.equal(isSafePlaceholder(value), false));
});
