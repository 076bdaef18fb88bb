import { X509Certificate } from "node:crypto";
import { lstatSync, realpathSync } from "node:fs";
import { resolve } from "node:path";
import { StrongboxError } from "../errors.js";
import { registerSecret } from "../redact/registry.js";
import { readGuarded } from "../security/read-guard.js";
import { callKey } from "./call-key.js";
import type { RenderContext } from "./context.js";

/** What `pkiCert` gives a template: consul-template's `PemEncoded`. */
export interface PemEncoded {
  readonly Cert: string;
  readonly Key: string;
  readonly CA: string;
}

/**
 * consul-template's `pkiCert`: the certificate already in the destination
 * file while it is good (more than a tenth of its lifetime left, counting 90%
 * of what remains), else a new one from a write to `path` (`pki/issue/ROLE`)
 * with `params`. Either way the PEM blocks are sorted into `.Cert`, `.Key` and
 * `.CA` and re-encoded as Go's `pem.EncodeToMemory` writes them, so a template
 * writing all three into one file keeps its certificate across restarts.
 */
export async function pkiCert(
  path: string,
  params: readonly string[],
  ctx: RenderContext,
  at: { line: number; column: number },
): Promise<PemEncoded> {
  const where = `${ctx.file ?? "template"}:${at.line}:${at.column}`;
  const kept = ctx.destination === undefined ? undefined : readExisting(ctx.destination, ctx);
  if (kept !== undefined) {
    const parsed = sortPems(kept, where);
    const until = parsed.cert === undefined ? undefined : goodUntil(parsed.cert);
    if (until !== undefined && until > Date.now()) {
      ctx.refreshAt?.(callKey(path, params), until);
      return parsed.pems;
    }
  }
  const secret = (await ctx.secret(path, params)) as { Data?: Record<string, unknown> } | undefined;
  if (secret === undefined)
    throw new StrongboxError("E_TEMPLATE", `${where}: no secret exists at ${path}`, {
      hint: "pkiCert writes to a PKI issue endpoint such as pki/issue/ROLE; check the path and role",
    });
  const raw = Object.values(secret.Data ?? {})
    .filter((value): value is string => typeof value === "string")
    .map((value) => `${value}\n`)
    .join("");
  return sortPems(raw, where).pems;
}

/**
 * What the destination holds, when it is a plain file at its own real path,
 * read through the read guard with the project and the named output as its
 * scope: a symlink there or on the way (into another service's key pair,
 * say), a hard link or a credential file is not read, so a template cannot
 * copy a key out of a file it was never given. What is read is registered as
 * secret (masked by `--dry`, redacted from logs).
 */
function readExisting(destination: string, ctx: RenderContext): string | undefined {
  const path = resolve(destination);
  try {
    if (realpathSync(path) !== path || !lstatSync(path).isFile()) return undefined;
  } catch {
    return undefined;
  }
  if (ctx.reads === undefined) return undefined;
  let text: string;
  try {
    text = readGuarded(path, { ...ctx.reads, named: [...(ctx.reads.named ?? []), path] }).toString(
      "latin1",
    );
  } catch {
    return undefined; // refused: a fresh certificate is issued instead
  }
  if (text === "") return undefined;
  registerSecret(`pkiCert:${path}`, text);
  ctx.onFile?.(path, text);
  for (const block of text.match(/-----BEGIN [^-]+-----[\s\S]*?-----END [^-]+-----\n?/g) ?? []) {
    registerSecret(`pkiCert:${path}`, block);
    ctx.onFile?.(path, block);
  }
  return text;
}

/**
 * Until when a certificate is kept: consul-template renews once 90% of what is
 * left is no more than a tenth of its life, i.e. with a ninth of its life left.
 */
function goodUntil(cert: X509Certificate): number {
  const start = Date.parse(cert.validFrom);
  const end = Date.parse(cert.validTo);
  return end - (end - start) / 9;
}

/** Splits text into PEM blocks: keys by their type, certificates by whether they are a CA. */
function sortPems(
  text: string,
  where: string,
): { pems: PemEncoded; cert: X509Certificate | undefined } {
  const pems = { Cert: "", Key: "", CA: "" };
  let cert: X509Certificate | undefined;
  const blocks = /-----BEGIN ([^\n-]+)-----\r?\n([\s\S]*?)-----END \1-----/g;
  for (const match of text.matchAll(blocks)) {
    const type = match[1] as string;
    const der = Buffer.from((match[2] as string).replace(/\s+/g, ""), "base64");
    const encoded = encodePem(type, der);
    if (type.endsWith("PRIVATE KEY")) {
      pems.Key = encoded;
      continue;
    }
    let parsed: X509Certificate;
    try {
      parsed = new X509Certificate(der);
    } catch {
      throw new StrongboxError(
        "E_TEMPLATE",
        `${where}: pkiCert found a "${type}" block that is not a certificate`,
        {
          hint: "the destination file should hold only what pkiCert wrote; remove it to have a certificate issued",
        },
      );
    }
    if (parsed.ca) pems.CA = encoded;
    else {
      cert = parsed;
      pems.Cert = encoded;
    }
  }
  return { pems, cert };
}

/** Go's `pem.EncodeToMemory`: base64 in 64-character lines, a newline after the END line. */
function encodePem(type: string, der: Buffer): string {
  const body = der.toString("base64").replace(/.{64}(?=.)/g, "$&\n");
  return `-----BEGIN ${type}-----\n${body}\n-----END ${type}-----\n`;
}
