// The one rule for where an HTTPS smoke check may send a value, over
// generated spellings, and the request it builds for values that try to
// leave their place. The journey (journeys/smoke-checks) runs the same rule
// against real servers.
import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { httpsRequestOf } from "../../src/lifecycle/smoke-https.js";
import { httpsTemplateProblem, smokeSpecProblems } from "../../src/schema/smoke-spec.js";

const SCHEMES = ["http", "HTTP", "Http", "hTTp", " http", "\thttp", "ws", "wss", "ftp", "file"];
const PLACES = [
  (s: string) => `${s}://api.example.com/v1/models`,
  (s: string) => `${s}://api.example.com/v1?key={value}`,
  (s: string) => `${s}://api.example.com/v1?a=1&key={value}`,
  (s: string) => `${s}://api.example.com/{value}/models`,
  (s: string) => `${s}://api.example.com/v1#{value}`,
  (s: string) => `${s}://{value}@api.example.com/v1`,
  (s: string) => `${s}://user:{value}@api.example.com/v1`,
  (s: string) => `${s}://api.example.com:80/v1?key={value}`,
];

describe("smoke https: the template rule", () => {
  it("refuses every non-https spelling, wherever the value goes", () => {
    let count = 0;
    for (const scheme of SCHEMES)
      for (const place of PLACES) {
        const url = place(scheme);
        assert.notEqual(httpsTemplateProblem(url), undefined, url);
        const problems = smokeSpecProblems(
          { https: { url, header: "X-Key: {value}" } },
          () => true,
        );
        assert.ok(problems.length > 0, url);
        count++;
      }
    assert.equal(count, SCHEMES.length * PLACES.length);
  });

  it("refuses the value in an https URL's userinfo or host, and accepts path and query", () => {
    for (const scheme of ["https", "HTTPS", "Https"]) {
      assert.match(httpsTemplateProblem(`${scheme}://{value}@api.example.com/`) ?? "", /userinfo/);
      assert.match(
        httpsTemplateProblem(`${scheme}://u:{value}@api.example.com/`) ?? "",
        /userinfo/,
      );
      assert.match(httpsTemplateProblem(`${scheme}://{value}.example.com/`) ?? "", /path or query/);
      assert.match(httpsTemplateProblem(`${scheme}://api.example.com:{value}/`) ?? "", /./);
      assert.equal(httpsTemplateProblem(`${scheme}://api.example.com/v1/{value}`), undefined);
      assert.equal(httpsTemplateProblem(`${scheme}://api.example.com/v1?key={value}`), undefined);
    }
  });

  it("a value cannot move the request: percent-encoded in the URL, no header split", () => {
    const escapes = [
      "../../admin",
      "@evil.example/",
      "x?other=1",
      "x#frag",
      "x/../../y",
      "%2F..%2F",
      "evil.example:443",
    ];
    for (const value of escapes) {
      const { url } = httpsRequestOf(
        { url: "https://api.example.com/v1/{value}?k={value}" },
        value,
      );
      assert.equal(url.origin, "https://api.example.com");
      assert.ok(url.pathname.startsWith("/v1/"), `${value}: ${url.pathname}`);
      assert.deepEqual([...url.searchParams.keys()], ["k"]);
      assert.equal(url.searchParams.get("k"), value);
      assert.equal(url.hash, "");
    }
    for (const value of ["a\r\nX-Evil: 1", "a\nb", "a\rb", "a\0b"])
      assert.throws(
        () =>
          httpsRequestOf(
            { url: "https://api.example.com/", header: "Authorization: Bearer {value}" },
            value,
          ),
        /line break/,
      );
    const { headers } = httpsRequestOf(
      { url: "https://api.example.com/", header: "Authorization: Bearer {value}" },
      "sk-abc",
    );
    assert.deepEqual(headers, { Authorization: "Bearer sk-abc" });
  });

  it("s3 connection fields must name declared variables", () => {
    const declared = (name: string) => ["S3_ENDPOINT", "S3_ACCESS_KEY"].includes(name);
    assert.deepEqual(
      smokeSpecProblems({ s3: { endpoint: "S3_ENDPOINT", accessKey: "S3_ACCESS_KEY" } }, declared),
      [],
    );
    assert.deepEqual(smokeSpecProblems({ s3: { endpoint: "AWS_ENDPOINT_URL" } }, declared), [
      "smoke.s3.endpoint must name a variable of the schema",
    ]);
    assert.equal(smokeSpecProblems({ s3: { host: "S3_ENDPOINT" } }, declared).length, 1);
    assert.equal(
      smokeSpecProblems({ https: { url: "https://a.example/" } }, declared).length,
      1,
      "no {value}",
    );
  });
});
