import { readdirSync, readFileSync, statSync } from "node:fs";
import { join, relative } from "node:path";
import { StrongboxError } from "../errors.js";
import { createRedactor, type SecretToMask } from "../redact/redactor.js";

/** One place a secret value was found in build output. Names the secret and the place, never the value. */
export interface ScanHit {
  readonly file: string;
  readonly line: number;
  readonly variable: string;
}

const SKIP = new Set(["node_modules", ".git"]);
const MAX_FILE = 32 * 1024 * 1024;

/**
 * Looks for resolved secret values, and their base64, base64url, URL-encoded
 * and JSON-escaped forms, in every file under `dir` (build output such as
 * `.next/static` or `dist/`). Secrets too short to match safely are skipped
 * and reported by the redactor's `tooShort`.
 */
export function scanForSecrets(
  dir: string,
  secrets: readonly SecretToMask[],
): { hits: ScanHit[]; tooShort: readonly string[]; files: number } {
  checkScanRoot(dir);
  const redactor = createRedactor(secrets);
  const hits: ScanHit[] = [];
  let files = 0;
  const visit = (path: string) => {
    const stats = statSync(path);
    if (stats.isDirectory()) {
      for (const entry of readdirSync(path)) if (!SKIP.has(entry)) visit(join(path, entry));
      return;
    }
    if (!stats.isFile() || stats.size > MAX_FILE) return;
    files++;
    for (const hit of valuesIn(readFileSync(path), redactor))
      hits.push({ file: relative(dir, path) || path, ...hit });
  };
  visit(dir);
  const unique = new Map(hits.map((hit) => [`${hit.file}:${hit.line}:${hit.variable}`, hit]));
  return {
    hits: [...unique.values()].sort((a, b) => a.file.localeCompare(b.file) || a.line - b.line),
    tooShort: redactor.tooShort,
    files,
  };
}

/**
 * The scan's detector, for any bytes (a file of build output, a staged blob):
 * where each secret value, or its base64, base64url, URL-encoded or
 * JSON-escaped form, occurs, by line and variable name. Never the value.
 */
export function valuesIn(
  bytes: Buffer,
  redactor: ReturnType<typeof createRedactor>,
): Array<{ line: number; variable: string }> {
  const hits: Array<{ line: number; variable: string }> = [];
  for (const pattern of redactor.patterns) {
    for (
      let at = bytes.indexOf(pattern.bytes);
      at >= 0;
      at = bytes.indexOf(pattern.bytes, at + 1)
    ) {
      const line = bytes.subarray(0, at).toString("latin1").split("\n").length;
      const variable = pattern.mask.toString().replace(/^<redacted:|>$/g, "");
      hits.push({ line, variable });
    }
  }
  return hits;
}

/** Throws `E_IO` naming `dir` when it cannot be scanned (missing, unreadable); checked before any secret is resolved. */
export function checkScanRoot(dir: string): void {
  try {
    statSync(dir);
  } catch (error) {
    throw new StrongboxError(
      "E_IO",
      `scan: ${dir} ${(error as NodeJS.ErrnoException).code === "ENOENT" ? "does not exist" : "cannot be read"}`,
      { hint: "give the build output directory to scan, such as dist or .next/static" },
    );
  }
}
