import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { amzDate, signV4 } from "../../src/aws/sigv4.js";

/**
 * The signer against AWS's published Signature Version 4 examples: the
 * test suite's `get-vanilla`, `post-vanilla`, query ordering and form-body
 * cases (service "service", host example.amazonaws.com), and the IAM
 * `ListUsers` example of the "Create a signed AWS API request" guide. All
 * use the documentation's example keys and 2015-08-30T12:36:00Z.
 */
const keys = {
  accessKeyId: "AKIDEXAMPLE",
  secretAccessKey: "wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY",
};
const date = new Date("2015-08-30T12:36:00Z");

const VECTORS = [
  {
    name: "get-vanilla",
    method: "GET",
    url: "https://example.amazonaws.com/",
    headers: {},
    body: "",
    service: "service",
    signed: "host;x-amz-date",
    signature: "5fa00fa31553b73ebf1942676e86291e8372ff2a2260956d9b8aae1d763fbf31",
  },
  {
    name: "post-vanilla",
    method: "POST",
    url: "https://example.amazonaws.com/",
    headers: {},
    body: "",
    service: "service",
    signed: "host;x-amz-date",
    signature: "5da7c1a2acd57cee7505fc6676e4e544621c30862966e37dddb68e92efbe5d6b",
  },
  {
    name: "get-vanilla-query-order-key-case",
    method: "GET",
    url: "https://example.amazonaws.com/?Param2=value2&Param1=value1",
    headers: {},
    body: "",
    service: "service",
    signed: "host;x-amz-date",
    signature: "b97d918cfa904a5beff61c982a1b6f458b799221646efd99d3219ec94cdf2500",
  },
  {
    name: "post-x-www-form-urlencoded",
    method: "POST",
    url: "https://example.amazonaws.com/",
    headers: { "Content-Type": "application/x-www-form-urlencoded" },
    body: "Param1=value1",
    service: "service",
    signed: "content-type;host;x-amz-date",
    signature: "ff11897932ad3f4e8b18135d722051e5ac45fc38421b1da7b9d196a0fe09473a",
  },
  {
    name: "post-x-www-form-urlencoded-parameters",
    method: "POST",
    url: "https://example.amazonaws.com/",
    headers: { "Content-Type": "application/x-www-form-urlencoded; charset=utf8" },
    body: "Param1=value1",
    service: "service",
    signed: "content-type;host;x-amz-date",
    signature: "1a72ec8f64bd914b0e42e42607c7fbce7fb2c7465f63e3092b3b0d39fa77a6fe",
  },
  {
    name: "IAM ListUsers (signing guide)",
    method: "GET",
    url: "https://iam.amazonaws.com/?Action=ListUsers&Version=2010-05-08",
    headers: { "content-type": "application/x-www-form-urlencoded; charset=utf-8" },
    body: "",
    service: "iam",
    signed: "content-type;host;x-amz-date",
    signature: "5d672d79c15b13162d9279b0855cfba6789a8edb4c82c400e06b5924a6f2b5d7",
  },
] as const;

describe("AWS Signature Version 4", () => {
  for (const vector of VECTORS)
    it(`signs AWS's ${vector.name} example`, () => {
      const headers = signV4({ ...vector, region: "us-east-1", keys, date });
      assert.equal(headers["X-Amz-Date"], "20150830T123600Z");
      assert.equal(
        headers.Authorization,
        `AWS4-HMAC-SHA256 Credential=AKIDEXAMPLE/20150830/us-east-1/${vector.service}/aws4_request, SignedHeaders=${vector.signed}, Signature=${vector.signature}`,
      );
    });

  it("signs every part: a changed body, header, region, date, key or session token changes the signature", () => {
    const base = {
      method: "POST",
      url: "https://sts.amazonaws.com/",
      headers: { "Content-Type": "application/x-www-form-urlencoded; charset=utf-8" },
      body: "Action=GetCallerIdentity&Version=2011-06-15",
      region: "us-east-1",
      service: "sts",
      keys,
      date,
    };
    const signature = (request: typeof base & { keys: { sessionToken?: string } }) =>
      /Signature=(\w+)/.exec(signV4(request).Authorization ?? "")?.[1];
    const original = signature(base);
    const variants = [
      { ...base, body: "Action=GetCallerIdentity&Version=2011-06-16" },
      { ...base, headers: { ...base.headers, "X-Vault-AWS-IAM-Server-ID": "vault.example.com" } },
      { ...base, url: "https://sts.eu-west-1.amazonaws.com/" },
      { ...base, region: "eu-west-1" },
      { ...base, date: new Date(date.getTime() + 1000) },
      { ...base, keys: { ...keys, secretAccessKey: `${keys.secretAccessKey}x` } },
      { ...base, keys: { ...keys, sessionToken: "session" } },
    ];
    for (const variant of variants) assert.notEqual(signature(variant), original);
  });

  it("sends the session token as X-Amz-Security-Token and signs it", () => {
    const headers = signV4({
      method: "POST",
      url: "https://sts.amazonaws.com/",
      headers: {},
      body: "",
      region: "us-east-1",
      service: "sts",
      keys: { ...keys, sessionToken: "token" },
      date,
    });
    assert.equal(headers["X-Amz-Security-Token"], "token");
    assert.match(
      headers.Authorization ?? "",
      /SignedHeaders=host;x-amz-date;x-amz-security-token,/,
    );
  });

  it("formats the date as AWS's basic ISO 8601", () => {
    assert.equal(amzDate(new Date("2026-01-02T03:04:05.678Z")), "20260102T030405Z");
  });
});
