// Red team on issue 28, round 2, finding 4: for a URL a Vault mount calls,
// loopback is the Vault server's machine, not ours. Invariant (mountUrlRefusal
// in src/vault-ops/setup-login-apply.ts): a mount URL is https, or plain http
// to loopback only while the Vault setup talks to is itself on loopback; every
// field of MOUNT_URLS is judged, a list of maps (jwks_pairs) item by item.
import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { MOUNT_URLS } from "../../src/vault-ops/setup-login.js";
import { fieldValues, mountUrlRefusal } from "../../src/vault-ops/setup-login-apply.js";

const LOOPBACK_VAULTS = [
  "http://127.0.0.1:8200",
  "https://localhost:8200",
  "http://[::1]:8200",
  "https://127.9.0.1",
];
const REMOTE_VAULTS = [
  "https://vault.example.com:8200",
  "http://10.0.0.5:8200",
  "https://[2001:db8::1]:8200",
];
const LOOPBACK_HTTP = [
  "http://127.0.0.1:9000",
  "http://localhost/keys",
  "http://[::1]:443",
  "http://127.1.2.3",
];
const HTTPS = [
  "https://sts.eu-west-1.amazonaws.com",
  "https://127.0.0.1:8443",
  "https://kubernetes.default.svc",
];
const ALWAYS_BAD = [
  "http://sts.example.com",
  "http://[::ffff:127.0.0.1]:80",
  "http://u:p@127.0.0.1",
  "ftp://127.0.0.1/",
];

/** Every field of every method's mount, as a configuration holding `value` there. */
function everyField(value: string): Array<[string, Record<string, unknown>]> {
  return Object.values(MOUNT_URLS).flatMap((urls) =>
    (urls?.fields ?? []).map((field): [string, Record<string, unknown>] => {
      const [list, name] = field.split("[].");
      return [
        field,
        name === undefined
          ? { [field]: value }
          : { [list ?? ""]: [{ [name]: "https://ok.example.com" }, { [name]: value }] },
      ];
    }),
  );
}

describe("vault setup's mount URLs: loopback is Vault's own machine", () => {
  it("plain http to loopback only while Vault itself is on loopback; https always; bad spellings never", () => {
    let cases = 0;
    for (const value of [...LOOPBACK_HTTP, ...HTTPS, ...ALWAYS_BAD])
      for (const [field, config] of everyField(value)) {
        const values = fieldValues(config, field);
        assert.ok(values.includes(value), `${field} reads ${value}`);
        for (const vault of [...LOOPBACK_VAULTS, ...REMOTE_VAULTS]) {
          const refused = values.map((each) => mountUrlRefusal(each, vault)).find((why) => why);
          const expected =
            ALWAYS_BAD.includes(value) ||
            (LOOPBACK_HTTP.includes(value) && REMOTE_VAULTS.includes(vault));
          assert.equal(
            refused !== undefined,
            expected,
            `${field}=${value} with Vault at ${vault}: ${refused}`,
          );
          if (expected && LOOPBACK_HTTP.includes(value))
            assert.match(refused ?? "", /Vault server's own machine/);
          cases++;
        }
      }
    assert.ok(cases > 300, `${cases} cases`);
  });

  it("jwks_pairs is judged pair by pair", () => {
    assert.ok(MOUNT_URLS.jwt?.fields.includes("jwks_pairs[].jwks_url"));
    const config = {
      jwks_pairs: [{ jwks_url: "https://a.example" }, { jwks_url: "http://b.example" }, {}, "x"],
    };
    assert.deepEqual(fieldValues(config, "jwks_pairs[].jwks_url"), [
      "https://a.example",
      "http://b.example",
      "x",
    ]);
    assert.deepEqual(fieldValues({ jwks_pairs: null }, "jwks_pairs[].jwks_url"), []);
  });
});
