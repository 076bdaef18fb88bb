import { StrongboxError } from "../errors.js";
import type { Invocation } from "./command.js";
import type { CliIo } from "./io.js";
import { promptLine } from "./prompt.js";

/** What to ask before a command touches production, and what to say when no one can answer. */
export interface Confirmation {
  /** The command, for messages (`migrate`, `env create`). */
  readonly command: string;
  /** The yes/no question, ending `[y/N] `. */
  readonly question: string;
  /** Why it asks, for the refusal off a terminal. */
  readonly why: string;
  /** How to say it explicitly (the flag that makes the choice). */
  readonly hint: string;
}

/**
 * Goes on only when the person said so: `--yes`, or `y` typed at a
 * terminal. Off a terminal there is no one to ask, so a script must say it
 * with a flag (`E_USAGE`, nothing done); at a terminal anything but `y`
 * stops with nothing done.
 */
export async function confirmOrStop(
  invocation: Invocation,
  io: CliIo,
  confirmation: Confirmation,
): Promise<void> {
  if (invocation.values.yes === true) return;
  const answer = await promptLine(io, confirmation.question);
  if (answer === undefined)
    throw new StrongboxError(
      "E_USAGE",
      `${confirmation.command}: ${confirmation.why}, and there is no terminal to confirm it on`,
      { hint: confirmation.hint },
    );
  if (!["y", "yes"].includes(answer.trim().toLowerCase()))
    throw new StrongboxError(
      "E_USAGE",
      `${confirmation.command}: not confirmed; nothing was written`,
      { hint: confirmation.hint },
    );
}
