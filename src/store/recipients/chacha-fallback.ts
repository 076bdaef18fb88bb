/**
 * Imported by the single executable's entry only (src/cli/binary-main.ts): where
 * node:crypto has no ChaCha20-Poly1305 (Bun's), age's stanzas are sealed and
 * opened with noble's, the implementation age-encryption itself uses. Node's
 * own cipher is kept wherever it exists.
 */
import { getCiphers } from "node:crypto";
import { chacha20poly1305 } from "@noble/ciphers/chacha.js";
import { useChaCha20Poly1305 } from "./primitives.js";

if (!getCiphers().includes("chacha20-poly1305")) useChaCha20Poly1305(chacha20poly1305);
