import {
  closeSync,
  constants,
  fstatSync,
  openSync,
  readdirSync,
  readSync,
  statSync,
} from "node:fs";
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
    content = readTlsFile(path);
  } catch (error) {
    if (error instanceof NotRegular)
      throw problem(
        variable,
        path,
        error.what,
        error.what.startsWith("is a directory") && kind === "ca"
          ? `${hint}; a directory of CA files goes in ${directoryVariable(variable)}`
          : hint,
      );
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
      const content = readTlsFile(join(dir, entry));
      if (WANTED.ca.marker.test(content.toString("latin1"))) found.push(content);
    } catch {
      // An unreadable entry among others is skipped, as Vault's own clients do.
    }
  }
  if (found.length === 0) throw problem(variable, dir, "holds no readable PEM certificate", hint);
  return found;
}

/** The most a TLS file may hold: PEM certificate chains are kilobytes. */
const MAX_TLS_FILE = 1024 * 1024;

/** Why a TLS path is no file to read: its words complete "names PATH, which …". */
class NotRegular extends Error {
  constructor(readonly what: string) {
    super(what);
  }
}

/**
 * The one way a TLS file is read (a named file, or an entry of a CA
 * directory): a regular file after following links, at most 1 MiB. A FIFO
 * (which blocks a read forever), a device (`/dev/zero`, endless), a socket or
 * a directory is refused before a byte is read; the file is opened without
 * blocking and checked again through its descriptor, so a swap between the
 * check and the open is caught, and the read stops at the cap whatever the
 * size said.
 */
function readTlsFile(path: string): Buffer {
  const kind = (stat: ReturnType<typeof statSync>) => {
    if (stat === undefined) return;
    if (stat.isDirectory()) throw new NotRegular("is a directory, not a file");
    if (!stat.isFile())
      throw new NotRegular("is not a regular file (a FIFO, device or socket), not a PEM file");
    if (stat.size > MAX_TLS_FILE) throw new NotRegular("is larger than 1 MiB, not a PEM file");
  };
  kind(statSync(path));
  const fd = openSync(path, constants.O_RDONLY | constants.O_NONBLOCK);
  try {
    kind(fstatSync(fd));
    const buffer = Buffer.alloc(MAX_TLS_FILE + 1);
    let length = 0;
    for (let read = 1; read > 0 && length < buffer.length; length += read)
      read = readSync(fd, buffer, length, buffer.length - length, null);
    if (length > MAX_TLS_FILE) throw new NotRegular("is larger than 1 MiB, not a PEM file");
    return Buffer.from(buffer.subarray(0, length));
  } finally {
    closeSync(fd);
  }
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
