import type { CliIo } from "./io.js";

/**
 * Asks a question on stderr and reads one line from the terminal without
 * echoing it. Returns undefined when stdin is not a terminal, so scripts get an
 * error instead of a hang.
 */
export async function promptHidden(io: CliIo, question: string): Promise<string | undefined> {
  const stdin = process.stdin;
  if (!stdin.isTTY) return undefined;
  io.stderr.write(question);
  stdin.setRawMode(true);
  stdin.resume();
  let answer = "";
  try {
    return await new Promise<string>((resolve, reject) => {
      const onData = (chunk: Buffer) => {
        for (const char of chunk.toString("utf8")) {
          if (char === "\r" || char === "\n") {
            stdin.off("data", onData);
            resolve(answer);
            return;
          }
          if (char === "\u0003") {
            stdin.off("data", onData);
            reject(new Error("interrupted"));
            return;
          }
          answer = char === "\u007f" ? answer.slice(0, -1) : answer + char;
        }
      };
      stdin.on("data", onData);
    });
  } finally {
    stdin.setRawMode(false);
    stdin.pause();
    io.stderr.write("\n");
  }
}

/** Reads all of stdin (for values piped in). */
export async function readStdin(): Promise<Buffer> {
  const chunks: Buffer[] = [];
  for await (const chunk of process.stdin) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks);
}
