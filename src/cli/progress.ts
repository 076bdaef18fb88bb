import type { CliIo } from "./io.js";
import { writeTerminal } from "./io.js";

/**
 * A progress line for long work (`rewrap`, `rekey` of a large store), on
 * stderr and only on a terminal: a pipe or a log gets nothing, so scripts
 * and CI output stay clean. Redrawn at most every 100 ms, and ended with a
 * line break when the work is done. Undefined when there is no terminal, or
 * with `--quiet`.
 */
export function progressReporter(
  io: CliIo,
): ((operation: string, done: number, total: number) => void) | undefined {
  if (io.stderr.isTTY !== true || io.quiet === true) return undefined;
  let last = 0;
  return (operation, done, total) => {
    const now = Date.now();
    if (done < total && now - last < 100) return;
    last = now;
    writeTerminal(io, `${operation}: ${done}/${total}`, {
      before: "\r",
      after: done === total ? "\n" : "",
    });
  };
}
