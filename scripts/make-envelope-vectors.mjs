// Writes test/vectors/envelope-v1.json: field envelopes computed from fixed inputs with
// node:crypto alone, following docs/envelope-format.md, not Strongbox's code, so the
// tests compare two implementations of the specification. Rerun only on purpose.
import { createCipheriv } from "node:crypto";
import { writeFileSync } from "node:fs";

const b64u = (bytes) => Buffer.from(bytes).toString("base64url");
const lp = (text) => {
  const bytes = Buffer.from(text, "utf8");
  const length = Buffer.alloc(4);
  length.writeUInt32BE(bytes.length);
  return Buffer.concat([length, bytes]);
};
const gcm = (key, nonce, plaintext, aad) => {
  const cipher = createCipheriv("aes-256-gcm", key, nonce, { authTagLength: 16 });
  cipher.setAAD(aad);
  return Buffer.concat([cipher.update(plaintext), cipher.final(), cipher.getAuthTag()]);
};
const fill = (length, start) => Buffer.from(Array.from({ length }, (_, i) => (start + i) & 0xff));

const cases = [
  {
    tenant: "42",
    context: "wireguard_servers.private_key:7",
    plaintext: "cNKC8FhUj8cJGMON4LKC9j8pCHGMON4LKC9j8pCH=",
  },
  { tenant: "acme", context: "users.email:1", plaintext: "" },
  { tenant: "ünïcode", context: "t.c:∞", plaintext: "päßwörd ✓" },
];
const masterKey = fill(32, 0x80);
const vectors = cases.map((input, index) => {
  const keyId = "local:tracker-mek-42";
  const keyVersion = index + 1;
  const dataKey = fill(32, 0x10 * (index + 1));
  const nonce = fill(12, 0x40 + index);
  const wrapNonce = fill(12, 0xa0 + index);
  // The local service's wrap: AES-256-GCM under the master key, the key id and version as AAD.
  const wrapAad = Buffer.from(`strongbox/field-wrap/v1\0${keyId}\0${keyVersion}`, "utf8");
  const wrapped = Buffer.concat([wrapNonce, gcm(masterKey, wrapNonce, dataKey, wrapAad)]);
  const context = Buffer.concat([lp("sbf1"), lp(keyId), lp(input.tenant), lp(input.context)]);
  const sealed = gcm(dataKey, nonce, Buffer.from(input.plaintext, "utf8"), context);
  const envelope = [
    "sbf1",
    b64u(Buffer.from(keyId)),
    String(keyVersion),
    b64u(wrapped),
    b64u(nonce),
    b64u(sealed),
  ].join(".");
  return {
    ...input,
    keyId,
    keyVersion,
    masterKey: masterKey.toString("hex"),
    dataKey: dataKey.toString("hex"),
    wrapNonce: wrapNonce.toString("hex"),
    nonce: nonce.toString("hex"),
    context: input.context,
    contextBytes: context.toString("hex"),
    envelope,
  };
});
const out = new URL("../test/vectors/envelope-v1.json", import.meta.url);
writeFileSync(out, `${JSON.stringify({ format: "sbf1", vectors }, null, 2)}\n`);
console.log(`wrote ${out.pathname}`);
