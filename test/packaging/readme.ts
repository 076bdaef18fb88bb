// The README's "Use it in your project" section, as the packaging test runs it: its
// `sh` blocks in order, the files its `<!-- package: file PATH -->` blocks write, and
// the `<!-- package: with TEXT => SHELL -->` placeholders (the tarball's path). The
// docs snippet runner skips these blocks; this test is the one that runs them.
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { ROOT } from "../helpers/cli.js";

export const SECTION = "## Use it in your project";

/** One step of the section: a shell block to run, or a file to write. */
export type Step =
  | { readonly kind: "sh"; readonly line: number; readonly code: string }
  | { readonly kind: "file"; readonly line: number; readonly path: string; readonly text: string };

/** The section's text, from its heading to the next `## `. */
export function sectionText(): string {
  const readme = readFileSync(join(ROOT, "README.md"), "utf8");
  const start = readme.indexOf(`\n${SECTION}\n`);
  if (start < 0) throw new Error(`README.md has no "${SECTION}" section`);
  const end = readme.indexOf("\n## ", start + SECTION.length + 2);
  return readme.slice(start + 1, end < 0 ? undefined : end + 1);
}

/** The section's steps, placeholders replaced. */
export function steps(text = sectionText()): Step[] {
  const lines = text.split("\n");
  const out: Step[] = [];
  const withs: Array<[string, string]> = [];
  let file: string | undefined;
  for (let i = 0; i < lines.length; i++) {
    const line = lines[i] ?? "";
    const marker = /^<!--\s*package:\s*(with|file)\s+(.*?)\s*-->$/.exec(line);
    if (marker?.[1] === "with") {
      const [from, to] = (marker[2] ?? "").split(" => ");
      if (from !== undefined && to !== undefined) withs.push([from, to]);
    } else if (marker?.[1] === "file") file = marker[2];
    const fence = /^```(\w*)$/.exec(line);
    if (fence === null) continue;
    const close = lines.indexOf("```", i + 1);
    const body = `${lines.slice(i + 1, close).join("\n")}\n`;
    if (file !== undefined) out.push({ kind: "file", line: i, path: file, text: body });
    else if (fence[1] === "sh") out.push({ kind: "sh", line: i, code: substitute(body, withs) });
    file = undefined;
    i = close;
  }
  return out;
}

function substitute(code: string, withs: ReadonlyArray<[string, string]>): string {
  return withs.reduce((text, [from, to]) => text.split(from).join(to), code);
}
