// Due, overdue and expiry against an injected clock: no test waits for real days.
import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { lifecycleStatus, rotationIn } from "../../src/lifecycle/status.js";
import type { VariableSpec } from "../../src/schema/types.js";

const DAY = 86_400_000;
const t0 = new Date("2026-01-01T00:00:00Z");
const at = (days: number) => new Date(t0.getTime() + days * DAY);

describe("lifecycle status", () => {
  const spec: VariableSpec = { secret: true, rotation: { every: "90d" }, warnBefore: "10d" };

  it("is due a cadence after the last rotation, warns within warnBefore, and is overdue after", () => {
    assert.deepEqual(
      [79, 80, 89, 90, 200].map((day) => {
        const status = lifecycleStatus(spec, "production", t0, at(day));
        return [day, status.dueSoon, status.overdue];
      }),
      [
        [79, false, false],
        [80, true, false],
        [89, true, false],
        [90, false, true],
        [200, false, true],
      ],
    );
    assert.equal(
      lifecycleStatus(spec, "production", t0, at(1)).due?.toISOString(),
      at(90).toISOString(),
    );
  });

  it("a rotated secret with no recorded time is due at once: now, not a date in 1970", () => {
    const status = lifecycleStatus(spec, "production", undefined, at(0));
    assert.equal(status.overdue, true);
    assert.equal(status.due?.toISOString(), at(0).toISOString());
  });

  it("expiry: warns within warnBefore, expired at and after the time", () => {
    const cert: VariableSpec = { secret: true, expires: "2026-03-01T00:00:00Z" };
    const status = (days: number) => lifecycleStatus(cert, "local", undefined, at(days));
    assert.equal(status(30).expiringSoon, false);
    assert.equal(status(50).expiringSoon, true, "14 days by default");
    assert.equal(status(59).expired, true);
    assert.equal(status(30).overdue, false, "no rotation, never overdue");
  });

  it("per-environment policies: an exact name, else the most specific glob", () => {
    const perEnv: VariableSpec = {
      secret: true,
      rotation: {
        production: { every: "30d", soak: "2h" },
        "pr-*": { every: "1d" },
        "*": { every: "365d" },
      },
    };
    assert.equal(rotationIn(perEnv, "production")?.everyMs, 30 * DAY);
    assert.equal(rotationIn(perEnv, "production")?.soakMs, 2 * 3_600_000);
    assert.equal(rotationIn(perEnv, "pr-12")?.everyMs, DAY);
    assert.equal(rotationIn(perEnv, "staging")?.everyMs, 365 * DAY);
    assert.equal(rotationIn(perEnv, "staging")?.overlapMs, DAY, "overlap defaults to 24h");
    assert.equal(rotationIn({ secret: true }, "production"), undefined);
  });
});
