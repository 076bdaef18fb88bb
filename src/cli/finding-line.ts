import { showControlsInLine } from "./io.js";

/**
 * One finding of `hook run` or `lint`, as the two lines a reader sees. Its
 * message and hint name files, and a file name may hold a newline: each is
 * kept to its line (newline, tab and every control spelled as an escape),
 * so a staged file's name cannot print a line that looks like Strongbox's.
 */
export function findingLine(finding: {
  readonly message: string;
  readonly rule?: string;
  readonly hint?: string;
}): string {
  const line = (text: string) => showControlsInLine(text);
  return `  ✗ ${line(finding.message)} (${finding.rule})\n      hint: ${line(String(finding.hint))}`;
}
