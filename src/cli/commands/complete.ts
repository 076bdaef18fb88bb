import type { Command } from "../command.js";
import { complete } from "../complete.js";
import { EXIT_OK } from "../exit-codes.js";
import { writeReport } from "../io.js";

/**
 * `strongbox __complete N WORD...`: the hidden command every completion
 * script calls on Tab. WORDs are the command line after `strongbox`; N is
 * the index of the word under the cursor (N = the number of WORDs when the
 * cursor follows a space, so no shell has to pass an empty argument, which
 * PowerShell 5 cannot). It prints one candidate a line (`VALUE<TAB>DESCRIPTION`
 * where there is one), then `:files` when the shell should complete file
 * names instead, else `:nofiles`. Names only: it opens no store, asks for no
 * key or passphrase, writes no audit record and talks to no server, so it
 * is as quick and as quiet as Tab must be; any failure prints nothing.
 */
export const completeCommand: Command = {
  name: "__complete",
  options: {},
  // Every argument is a word of the line being completed, options included.
  stopAtFirstPositional: true,
  usage: "Usage: strongbox __complete N WORD... (called by the completion scripts)\n",
  async run(invocation, io) {
    const [index, ...words] = invocation.rest;
    const current = Number(index);
    if (!Number.isInteger(current) || current < 0 || current > words.length) {
      writeReport(io, ":nofiles\n");
      return EXIT_OK;
    }
    let lines: string[];
    try {
      const result = await complete(words, current, io);
      lines = [
        ...result.candidates.map(({ value, description }) =>
          description === undefined ? value : `${value}\t${description}`,
        ),
        result.files ? ":files" : ":nofiles",
      ];
    } catch {
      lines = [":files"];
    }
    writeReport(io, `${lines.join("\n")}\n`);
    return EXIT_OK;
  },
};
