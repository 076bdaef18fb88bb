import { closeSync, fstatSync, openSync, readSync, statSync } from "node:fs";
import type { AuditEvent } from "./event.js";
import { assertRegularLog } from "./log-file.js";

/**
 * Follows an audit log as it grows, like `tail -F`: each complete new line
 * is parsed and handed to `onEvent` (lines that do not parse go to
 * `onUnreadable`). When the log rotates (the path names a new file), what
 * was left in the old segment is read to its end through the descriptor
 * still open on it, then the new file from its start, so no record is lost
 * across a rotation. Starts at the end of the log: only records written
 * after the call are reported. Resolves when `signal` aborts.
 */
export function followAudit(
  path: string,
  handlers: {
    readonly onEvent: (event: AuditEvent) => void;
    readonly onUnreadable?: (line: string) => void;
  },
  signal: AbortSignal,
  intervalMs = 200,
): Promise<void> {
  let fd: number | undefined;
  let inode: number | undefined;
  let position = 0;
  let partial = "";
  const open = (fromEnd: boolean): void => {
    assertRegularLog(path, "read");
    try {
      fd = openSync(path, "r");
    } catch {
      fd = undefined; // not there yet: the first write creates it
      return;
    }
    const stat = fstatSync(fd);
    inode = stat.ino;
    position = fromEnd ? stat.size : 0;
    partial = "";
  };
  const drain = (): void => {
    if (fd === undefined) return;
    const buffer = Buffer.alloc(64 * 1024);
    for (;;) {
      const read = readSync(fd, buffer, 0, buffer.length, position);
      if (read === 0) break;
      position += read;
      const lines = (partial + buffer.subarray(0, read).toString("utf8")).split("\n");
      partial = lines.pop() ?? "";
      for (const line of lines) {
        if (line.trim() === "") continue;
        try {
          handlers.onEvent(JSON.parse(line) as AuditEvent);
        } catch {
          handlers.onUnreadable?.(line);
        }
      }
    }
  };
  const poll = (): void => {
    drain();
    let current: number | undefined;
    try {
      current = statSync(path).ino;
    } catch {
      current = undefined;
    }
    if (current !== undefined && current !== inode) {
      // A new file (rotated in, or created after we started) is new from its first byte.
      if (fd !== undefined) closeSync(fd);
      open(false);
      drain();
    }
  };
  open(true);
  return new Promise((resolve) => {
    const timer = setInterval(poll, intervalMs);
    const stop = () => {
      clearInterval(timer);
      poll();
      if (fd !== undefined) closeSync(fd);
      resolve();
    };
    if (signal.aborted) stop();
    else signal.addEventListener("abort", stop, { once: true });
  });
}
