import { readdirSync, readFileSync, statSync } from "node:fs";
import { join } from "node:path";
import { StrongboxError } from "../errors.js";

/** The TLS files a Vault connection names, and the variables (or settings) that named them. */
export interface TlsFiles {
  readonly ca?: string | undefined;
  readonly caPath?: string | undefined;
  readonly cert?: string | undefined;
  readonly key?: string | undefined;
  /** What named each file, for messages: `VAULT_CACERT`, `BAO_CACERT`, `tls.ca`. */
  readonly names?: Readonly<Partial<Record<"ca" | "caPath" | "cert" | "key", string>>>;
}

/** What the TLS agent is given: the files' contents. */
export interface TlsMaterial {
  ca?: Buffer[];
  cert?: Buffer;
  key?: Buffer;
}

type Kind = "ca" | "cert" | "key";

const WANTED: Record<Kind, { marker: RegExp; what: string; hint: string }> = {
  ca: {
    marker: /-----BEGIN CERTIFICATE-----/,
    what: "a PEM certificate",
    hint: "point it at the PEM file of the CA that signed Vault's certificate (for `bao server -dev-tls`, the vault-ca.pem it prints), or unset it to trust the system's CAs",
  },
  cert: {
    marker: /-----BEGIN CERTIFICATE-----/,
    what: "a PEM certificate",
    hint: "point it at the PEM file of the client certificate Vault's TLS auth expects, or unset it",
  },
  key: {
    marker: /-----BEGIN [A-Z ]*PRIVATE KEY-----/,
    what: "a PEM private key",
    hint: "point it at the PEM file of the client certificate's private key, or unset it",
  },
};

/**
 * Reads every TLS file a connection names, each checked the one way: a
 * missing file, a directory, an unreadable file or one that is not PEM is an
 * `E_CONFIG` naming the variable and the file, before any connection is
 * tried (a bare `ENOENT` would surface as "the vault provider failed").
 * Never quotes a file's content.
 */
export function readTlsFiles(files: TlsFiles): TlsMaterial {
  const names = files.names ?? {};
  const material: TlsMaterial = {};
  const ca: Buffer[] = [];
  if (files.ca !== undefined) ca.push(readPem(names.ca ?? "tls.ca", files.ca, "ca"));
  if (files.caPath !== undefined)
    ca.push(...readCaDirectory(names.caPath ?? "tls.caPath", files.caPath));
  if (ca.length > 0) material.ca = ca;
  if (files.cert !== undefined)
    material.cert = readPem(names.cert ?? "tls.cert", files.cert, "cert");
  if (files.key !== undefined) material.key = readPem(names.key ?? "tls.key", files.key, "key");
  return material;
}

function problem(variable: string, path: string, what: string, hint: string): StrongboxError {
  return new StrongboxError("E_CONFIG", `${variable} names ${path}, which ${what}`, { hint });
}

function readPem(variable: string, path: string, kind: Kind): Buffer {
  const wanted = WANTED[kind];
  const hint = `${wanted.hint.replace(/^point it/, `point ${variable}`)}`;
  let content: Buffer;
  try {
    if (statSync(path).isDirectory())
      throw problem(
        variable,
        path,
        "is a directory, not a file",
        kind === "ca"
          ? `${hint}; a directory of CA files goes in ${directoryVariable(variable)}`
          : hint,
      );
    content = readFileSync(path);
  } catch (error) {
    if (error instanceof StrongboxError) throw error;
    throw unreadable(variable, path, error, hint);
  }
  if (!wanted.marker.test(content.toString("latin1")))
    throw problem(
      variable,
      path,
      `is not ${wanted.what} (no "-----BEGIN" line of that kind)`,
      kind === "key"
        ? hint
        : `${hint}; a DER certificate converts with \`openssl x509 -inform der -in FILE -out ca.pem\``,
    );
  return content;
}

/** The directory form of a CA file's variable: `BAO_CACERT` → `BAO_CAPATH`. */
const directoryVariable = (variable: string) =>
  variable.endsWith("CACERT") ? `${variable.slice(0, -6)}CAPATH` : `${variable}Path`;

function readCaDirectory(variable: string, dir: string): Buffer[] {
  const file = variable.endsWith("CAPATH") ? `${variable.slice(0, -6)}CACERT` : "tls.ca";
  const hint = `point ${variable} at a directory of PEM CA certificates, or use ${file} for one file, or unset it`;
  let entries: string[];
  try {
    if (!statSync(dir).isDirectory())
      throw problem(variable, dir, "is a file, not a directory", hint);
    entries = readdirSync(dir).sort();
  } catch (error) {
    if (error instanceof StrongboxError) throw error;
    throw unreadable(variable, dir, error, hint);
  }
  const found: Buffer[] = [];
  for (const entry of entries) {
    try {
      const path = join(dir, entry);
      if (!statSync(path).isFile()) continue;
      const content = readFileSync(path);
      if (WANTED.ca.marker.test(content.toString("latin1"))) found.push(content);
    } catch {
      // An unreadable entry among others is skipped, as Vault's own clients do.
    }
  }
  if (found.length === 0) throw problem(variable, dir, "holds no readable PEM certificate", hint);
  return found;
}

function unreadable(variable: string, path: string, error: unknown, hint: string): StrongboxError {
  const code = (error as { code?: string }).code;
  if (code === "ENOENT") return problem(variable, path, "does not exist", hint);
  if (code === "ENOTDIR")
    return problem(variable, path, "does not exist (a part of its path is a file)", hint);
  if (code === "EACCES" || code === "EPERM")
    return problem(
      variable,
      path,
      "cannot be read by this user (permission denied)",
      `make it readable by the user Strongbox runs as (chmod, chown), or ${hint.replace(/^point/, "point")}`,
    );
  return problem(variable, path, `cannot be read (${code ?? "unknown error"})`, hint);
}
