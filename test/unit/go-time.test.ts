// Go's reference-time layouts for `timestamp` (issue 15), on a fixed instant in UTC.
import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { formatGoTime } from "../../src/template/go-time.js";

describe("Go time layouts", () => {
  it("formats every layout element the way time.Format does", () => {
    const previous = process.env.TZ;
    process.env.TZ = "UTC";
    try {
      const at = new Date(Date.UTC(2026, 10, 29, 5, 3, 7, 120));
      const cases: Array<[string, string]> = [
        ["Monday, 02-Jan-06 15:04:05.000 MST", "Sunday, 29-Nov-26 05:03:07.120 UTC"],
        ["3:04PM pm", "5:03AM am"],
        ["2006-01-02T15:04:05.999Z07:00", "2026-11-29T05:03:07.12Z"],
        ["2006-01-02T15:04:05-07:00", "2026-11-29T05:03:07+00:00"],
        ["_2 __2 002 1/2", "29 333 333 11/29"],
        ["January Mon 06 -0700 Z0700", "November Sun 26 +0000 Z"],
        ["15h, not a token: xyz", "05h, not a token: xyz"],
      ];
      for (const [layout, expected] of cases)
        assert.equal(formatGoTime(at, layout), expected, layout);
    } finally {
      if (previous === undefined) delete process.env.TZ;
      else process.env.TZ = previous;
    }
  });
});
