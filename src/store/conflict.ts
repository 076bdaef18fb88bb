import { readFileSync } from "node:fs";
import { StrongboxError } from "../errors.js";
import type { StoreCore } from "./core.js";
import { checkSecretName, hasConflictMarkers, openSecretFile } from "./secret-file.js";
import { notFound } from "./secret-reads.js";

/**
 * Ends a git merge conflict in one secret's file by keeping one side. Both
 * sides are authentic files (the conflict markers only interleave them),
 * so the chosen one is verified like any file and written back as it was.
 * A side with fewer versions than the store wrote (its manifest mark, or the
 * other side) is refused with `E_STORE_ROLLBACK` unless `allowRollback`.
 */
export function resolveConflict(
  core: StoreCore,
  name: string,
  side: "ours" | "theirs",
  options: { readonly allowRollback?: boolean },
): number {
  checkSecretName(name);
  const release = core.lock();
  try {
    const path = core.path(name);
    let bytes: Buffer;
    try {
      bytes = readFileSync(path);
    } catch {
      throw notFound(name);
    }
    if (!hasConflictMarkers(bytes))
      throw new StrongboxError("E_USAGE", `secret ${name} has no merge conflict to resolve`, {
        hint: "`strongbox resolve` is for a secret file git left with conflict markers",
      });
    const chosen = Buffer.from(conflictSide(bytes.toString("utf8"), side), "utf8");
    const file = openSecretFile(chosen, core.keyring, name, `${path} (${side})`);
    const kept = file.versions.length;
    refuseRollback(core, name, bytes, side, kept, options.allowRollback === true);
    core.commit(name, chosen, kept, "resolve");
    return kept;
  } finally {
    release();
  }
}

/**
 * Keeping a side with fewer versions than the store wrote (the manifest's mark, or the
 * other side) rolls the secret back to an older, authentic value: a branch carrying an
 * old copy of the file would otherwise win silently. Refused unless `allowed` (asked for by name).
 */
function refuseRollback(
  core: StoreCore,
  name: string,
  bytes: Buffer,
  side: "ours" | "theirs",
  kept: number,
  allowed: boolean,
): void {
  const path = core.path(name);
  const other = side === "ours" ? "theirs" : "ours";
  let otherVersions = 0;
  try {
    const text = Buffer.from(conflictSide(bytes.toString("utf8"), other), "utf8");
    otherVersions = openSecretFile(text, core.keyring, name, `${path} (${other})`).versions.length;
  } catch {
    // An unreadable other side vouches for nothing; the mark still does.
  }
  const mark = core.currentMarks()?.get(name);
  const written = Math.max(
    otherVersions,
    mark !== undefined && "versions" in mark ? mark.versions : 0,
  );
  if (kept < written && !allowed)
    throw new StrongboxError(
      "E_STORE_ROLLBACK",
      `keeping ${side === "ours" ? "our" : "their"} side of ${name} would roll it back: it holds ${kept} version${kept === 1 ? "" : "s"}, but the store wrote ${written}`,
      {
        hint: `keep the side with every version (\`strongbox resolve ${name} --${other}\`), then set the value again if this side's must win; or pass --allow-rollback to keep this older side knowingly`,
      },
    );
}

/**
 * One side of a file git left with conflict markers: the lines outside every
 * conflict, plus, inside each, the lines of `side` (the diff3 base section,
 * when present, belongs to neither).
 */
function conflictSide(text: string, side: "ours" | "theirs"): string {
  const out: string[] = [];
  let section: "none" | "ours" | "base" | "theirs" = "none";
  for (const line of text.split("\n")) {
    if (line.startsWith("<<<<<<< ") || line === "<<<<<<<") section = "ours";
    else if (line.startsWith("||||||| ") || line === "|||||||") section = "base";
    else if (line === "=======" && section !== "none") section = "theirs";
    else if ((line.startsWith(">>>>>>> ") || line === ">>>>>>>") && section === "theirs")
      section = "none";
    else if (section === "none" || section === side) out.push(line);
  }
  return out.join("\n");
}
