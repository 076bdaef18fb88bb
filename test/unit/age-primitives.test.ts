// The primitives of the team store's age stanzas come from Node's crypto; each is checked
// here against noble's (the library age-encryption itself is built on), on random inputs.
import assert from "node:assert/strict";
import { randomBytes } from "node:crypto";
import { describe, it } from "node:test";
import { chacha20poly1305 } from "@noble/ciphers/chacha.js";
import { ed25519, x25519 } from "@noble/curves/ed25519.js";
import { hkdf } from "@noble/hashes/hkdf.js";
import { sha256 } from "@noble/hashes/sha2.js";
import fc from "fast-check";
import {
  ed25519SeedToX25519,
  edwardsToMontgomery,
  hkdf32,
  open,
  seal,
  x25519Public,
  x25519Shared,
} from "../../src/store/recipients/primitives.js";

const bytes32 = fc.uint8Array({ minLength: 32, maxLength: 32 });

describe("age stanza primitives (Node's crypto) against noble", () => {
  it("X25519: public keys and shared secrets agree", () => {
    fc.assert(
      fc.property(bytes32, bytes32, (a, b) => {
        assert.deepEqual(x25519Public(a), x25519.getPublicKey(a));
        const point = x25519.getPublicKey(b);
        assert.deepEqual(x25519Shared(a, point), x25519.getSharedSecret(a, point));
      }),
      { numRuns: 200 },
    );
  });

  it("X25519 refuses a low-order point (all-zero shared secret), as age does", () => {
    assert.equal(x25519Shared(randomBytes(32), new Uint8Array(32)), undefined);
  });

  it("Ed25519 to X25519: the public key map and the seed's scalar agree with noble", () => {
    fc.assert(
      fc.property(bytes32, (seed) => {
        const publicKey = ed25519.getPublicKey(seed);
        assert.deepEqual(edwardsToMontgomery(publicKey), ed25519.utils.toMontgomery(publicKey));
        // The converted secret and public key are one X25519 key pair.
        assert.deepEqual(x25519Public(ed25519SeedToX25519(seed)), edwardsToMontgomery(publicKey));
      }),
      { numRuns: 200 },
    );
  });

  it("HKDF-SHA-256 and ChaCha20-Poly1305 agree; a changed byte does not open", () => {
    fc.assert(
      fc.property(
        bytes32,
        fc.uint8Array({ maxLength: 40 }),
        fc.uint8Array({ maxLength: 64 }),
        (ikm, salt, plain) => {
          const info = new TextEncoder().encode("age-encryption.org/v1/X25519");
          const key = hkdf32(ikm, salt, info);
          assert.deepEqual(key, hkdf(sha256, ikm, salt, info, 32));
          const nonce = new Uint8Array(12);
          const sealed = seal(key, nonce, plain);
          assert.deepEqual(Uint8Array.from(sealed), chacha20poly1305(key, nonce).encrypt(plain));
          assert.deepEqual(Uint8Array.from(open(key, nonce, sealed) as Uint8Array), plain);
          const altered = Uint8Array.from(sealed);
          altered[0] = (altered[0] as number) ^ 1;
          assert.equal(open(key, nonce, altered), undefined);
        },
      ),
      { numRuns: 200 },
    );
  });
});
