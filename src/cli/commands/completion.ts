import { StrongboxError } from "../../errors.js";
import type { Command } from "../command.js";
import { installCompletion, shellToInstall } from "../completion-install.js";
import { completionScript, isShell } from "../completion-scripts.js";
import { EXIT_OK } from "../exit-codes.js";
import { say, writeData } from "../io.js";

/**
 * `strongbox completion SHELL` prints a completion script, `completion
 * install [SHELL]` writes it where the shell loads it. The scripts call
 * `strongbox __complete` back on Tab (src/cli/complete.ts), so what they
 * offer is made from the command table, the option tables, the config and
 * the store's names as they are at that moment.
 */
export const completionCommand: Command = {
  name: "completion",
  options: {
    force: { type: "boolean" },
    help: { type: "boolean", short: "h" },
  },
  usage: `Usage: strongbox completion bash|zsh|fish|powershell
       strongbox completion install [bash|zsh|fish|powershell] [--force]

Prints a completion script for the shell, or installs it. Tab then completes
commands (with their summaries), each command's options, environment names
after --env and for diff, --format values of export, and secret names for
get, set, rm, history, rollback and resolve (the store's names and the
schema's store:// references), variable names for explain, rotate and
compromise. Names are read without a key: no passphrase is asked, no audit
record written, no server contacted; a value is never read.

install writes the script where the shell finds it (the shell from $SHELL
unless named) and says where:
  bash        $XDG_DATA_HOME/bash-completion/completions/strongbox
              (default ~/.local/share/…; bash-completion loads it)
  zsh         _strongbox in a directory of $FPATH under your home, else in
              $XDG_DATA_HOME/zsh/site-functions (add it to fpath once)
  fish        $XDG_CONFIG_HOME/fish/completions/strongbox.fish
  powershell  $XDG_CONFIG_HOME/powershell/strongbox-completion.ps1, dot-sourced
              from Microsoft.PowerShell_profile.ps1 beside it
A file already there that is not a Strongbox completion script is left as it
is unless --force.

Without install:
  bash:        eval "$(strongbox completion bash)"
  zsh:         strongbox completion zsh > "\${fpath[1]}/_strongbox"
  fish:        strongbox completion fish > ~/.config/fish/completions/strongbox.fish
  powershell:  strongbox completion powershell | Out-String | Invoke-Expression

Options:
      --force         install: replace a file that is not a Strongbox script
  -h, --help          show this help
`,
  async run(invocation, io) {
    const [first, ...extra] = invocation.positionals;
    if (first === "install") {
      if (extra.length > 1)
        throw new StrongboxError("E_USAGE", "completion install: give at most one shell");
      const done = installCompletion(
        shellToInstall(extra[0], io.env),
        io.env,
        invocation.values.force === true,
      );
      say(io, `strongbox: wrote the ${done.shell} completion script to ${done.path}`);
      if (done.profile !== undefined)
        say(io, `strongbox: added a line that loads it to ${done.profile}`);
      say(io, `strongbox: next: ${done.next}`);
      return EXIT_OK;
    }
    if (first === undefined || extra.length > 0 || !isShell(first))
      throw new StrongboxError(
        "E_USAGE",
        "completion: give bash, zsh, fish, powershell or install",
        {
          hint: "strongbox completion bash",
        },
      );
    writeData(io, completionScript(first));
    return EXIT_OK;
  },
};
