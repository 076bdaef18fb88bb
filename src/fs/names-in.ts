import { readdirSync } from "node:fs";

/** The entries of `dir`, or none when it is missing or unreadable (a log not yet rotated, an output dir not made). */
export function namesIn(dir: string): string[] {
  try {
    return readdirSync(dir);
  } catch {
    return [];
  }
}
