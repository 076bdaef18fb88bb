import assert from "node:assert/strict";
import { createPrivateKey, createPublicKey } from "node:crypto";
import { describe, it } from "node:test";
import { generateSecret, parseGenerator } from "../../src/lifecycle/generators.js";

const generate = (text: string) => generateSecret(parseGenerator(text, "test"));

describe("secret generators", () => {
  it("bytes: the length is in bytes, in the encoding asked for", async () => {
    assert.equal(Buffer.from((await generate("bytes:24")).value, "base64url").length, 24);
    assert.match((await generate("hex:16")).value, /^[0-9a-f]{32}$/);
    assert.equal(Buffer.from((await generate("base64")).value, "base64").length, 32);
    assert.notEqual((await generate("bytes")).value, (await generate("bytes")).value);
  });

  it("password: the length, every class present, only characters of the classes", async () => {
    for (let i = 0; i < 50; i++) {
      const { value } = await generate("password:12");
      assert.equal(value.length, 12);
      for (const klass of [/[a-z]/, /[A-Z]/, /[0-9]/, /[!#%+,\-.:=@^_~]/])
        assert.match(value, klass);
      assert.match(value, /^[a-zA-Z0-9!#%+,\-.:=@^_~]+$/);
    }
    const digits = await generateSecret({ kind: "password", length: 10, classes: ["digits"] });
    assert.match(digits.value, /^\d{10}$/);
  });

  it("uuid: a version 4 UUID", async () => {
    assert.match(
      (await generate("uuid")).value,
      /^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/,
    );
  });

  it("key pairs: a PKCS#8 private key whose public half is the one returned, or JWKs", async () => {
    for (const algorithm of ["ed25519", "x25519", "ecdsa", "rsa"] as const) {
      const pair = await generateSecret({
        kind: "keypair",
        algorithm,
        ...(algorithm === "rsa" ? { bits: 2048 as const } : {}),
      });
      const key = createPrivateKey(pair.value);
      assert.equal(
        createPublicKey(key).export({ format: "pem", type: "spki" }).toString(),
        pair.publicValue,
        algorithm,
      );
    }
    const jwk = await generateSecret({ kind: "keypair", algorithm: "ed25519", format: "jwk" });
    assert.equal(JSON.parse(jwk.value).kty, "OKP");
    assert.equal(
      JSON.parse(jwk.publicValue ?? "{}").d,
      undefined,
      "the public JWK holds no private part",
    );
  });

  it("wireguard: 32 clamped bytes in base64, and the public key X25519 derives from them", async () => {
    const { value, publicValue } = await generate("wireguard");
    const d = Buffer.from(value, "base64");
    assert.equal(d.length, 32);
    assert.equal((d[0] as number) & 7, 0, "low bits cleared");
    assert.equal((d[31] as number) & 0xc0, 0x40, "high bit cleared, second bit set");
    // Derive the public key from the stored (clamped) private key: it must be the one given.
    const derived = createPublicKey(
      createPrivateKey({
        key: { kty: "OKP", crv: "X25519", d: d.toString("base64url"), x: "" },
        format: "jwk",
      }),
    ).export({ format: "jwk" });
    assert.equal(Buffer.from(derived.x as string, "base64url").toString("base64"), publicValue);
  });

  it("command: its stdout is the value; it gets no Strongbox credential; a failure names the program only", async () => {
    const env = { PATH: process.env.PATH ?? "", VAULT_TOKEN: "s.generator-canary", PLAIN: "ok" };
    const printed = await generateSecret(
      {
        kind: "command",
        command: [
          process.execPath,
          "-e",
          "process.stdout.write(`${process.env.PLAIN}:${process.env.VAULT_TOKEN ?? 'none'}\\n`)",
        ],
      },
      { env },
    );
    assert.equal(printed.value, "ok:none");
    await assert.rejects(
      generateSecret(
        {
          kind: "command",
          command: [process.execPath, "-e", "console.log('leak-canary'); process.exit(3)"],
        },
        { env },
      ),
      (error: Error & { code?: string }) =>
        error.code === "E_GENERATOR" &&
        /exited 3/.test(error.message) &&
        !error.message.includes("leak-canary"),
    );
    await assert.rejects(
      generateSecret({ kind: "command", command: ["/nonexistent/generator"] }, { env }),
      {
        code: "E_GENERATOR",
      },
    );
  });

  it("refuses what is not a generator, naming where it was written", () => {
    for (const text of ["bytes:0", "bytes:x", "uuid:4", "magic", "password:-1"])
      assert.throws(
        () => parseGenerator(text, "JWT_SECRET: rotation.generator"),
        (error: Error & { code?: string }) =>
          error.code === "E_GENERATOR" &&
          error.message.startsWith("JWT_SECRET: rotation.generator"),
      );
    assert.throws(() => parseGenerator({ kind: "password", length: 4 }, "X"), {
      code: "E_GENERATOR",
    });
    assert.throws(() => parseGenerator({ kind: "command", command: [] }, "X"), {
      code: "E_GENERATOR",
    });
  });
});
