import { StrongboxError } from "../errors.js";
import { registerSecret } from "../redact/registry.js";
import { importModule } from "../security/import-module.js";
import type { CliIo } from "./io.js";
import { writeTerminal } from "./io.js";

const PASTE_START = "\u001b[200~";
const PASTE_END = "\u001b[201~";

/**
 * Asks a question on stderr and reads one answer from the terminal without
 * echoing it. Returns undefined when stdin is not a terminal, so scripts get an
 * error instead of a hang.
 *
 * A multi-line value (a PEM key) is taken whole when the terminal marks the
 * paste (bracketed paste mode, which the prompt turns on): its line breaks
 * are kept and Enter ends the answer. A multi-line paste the terminal does not
 * mark would be cut at its first line, so it is refused with a pointer to
 * stdin and `--from-file`. Ctrl-C or Ctrl-D on an empty answer stop with
 * `E_INTERRUPTED` (exit 130).
 */
export async function promptHidden(io: CliIo, question: string): Promise<string | undefined> {
  const stdin = process.stdin;
  if (!stdin.isTTY) return undefined;
  writeTerminal(io, question, { before: PASTE_ON, after: "" });
  stdin.setRawMode(true);
  stdin.resume();
  let answer = "";
  let pasting = false;
  try {
    return await new Promise<string>((resolve, reject) => {
      const finish = (outcome: () => void) => {
        stdin.off("data", onData);
        outcome();
      };
      const onData = (chunk: Buffer) => {
        let text = chunk.toString("utf8");
        while (text.length > 0) {
          if (text.startsWith(PASTE_START)) {
            pasting = true;
            text = text.slice(PASTE_START.length);
            continue;
          }
          if (text.startsWith(PASTE_END)) {
            pasting = false;
            text = text.slice(PASTE_END.length);
            continue;
          }
          const char = text[0] as string;
          text = text.slice(1);
          if (char === "\r" || char === "\n") {
            if (pasting) {
              if (char === "\n" && answer.endsWith("\n")) continue;
              answer += "\n";
              continue;
            }
            if (text.replace(/^[\r\n]+/, "") !== "") return finish(() => reject(multiLine()));
            // What was typed at a hidden prompt is a secret or a passphrase: never printed.
            registerSecret("typed", answer);
            return finish(() => resolve(answer));
          }
          if (char === "\u0003" || (char === "\u0004" && answer === ""))
            return finish(() => reject(interrupted()));
          answer = char === "\u007f" ? answer.slice(0, -1) : answer + char;
        }
      };
      stdin.on("data", onData);
    });
  } finally {
    stdin.setRawMode(false);
    stdin.pause();
    writeTerminal(io, "", { before: PASTE_OFF, after: "\n" });
  }
}

const PASTE_ON = "\u001b[?2004h";
const PASTE_OFF = "\u001b[?2004l";

function multiLine(): StrongboxError {
  return new StrongboxError(
    "E_USAGE",
    "the pasted value has more than one line, and a prompt would keep only the first",
    {
      hint: "pipe it instead (`strongbox set NAME < key.pem`) or use --from-file PATH; nothing was stored",
    },
  );
}

function interrupted(): StrongboxError {
  return new StrongboxError("E_INTERRUPTED", "interrupted at the prompt; nothing was changed");
}

/** Reads all of stdin (for values piped in). */
export async function readStdin(): Promise<Buffer> {
  const chunks: Buffer[] = [];
  for await (const chunk of process.stdin) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks);
}

/**
 * Asks a question on stderr and reads one visible line from the terminal (a
 * yes/no); undefined when stdin is not a terminal.
 */
export async function promptLine(io: CliIo, question: string): Promise<string | undefined> {
  if (!process.stdin.isTTY) return undefined;
  const { createInterface } =
    await importModule<typeof import("node:readline/promises")>("node:readline/promises");
  const reader = createInterface({ input: process.stdin, output: io.stderr });
  try {
    return await reader.question(question);
  } finally {
    reader.close();
  }
}
