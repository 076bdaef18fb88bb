import { StrongboxError } from "../../errors.js";
import type { Command } from "../command.js";
import { COMMANDS } from "../command-table.js";
import { EXIT_OK } from "../exit-codes.js";
import { writeData } from "../io.js";

/**
 * `strongbox completion bash|zsh|fish`: a completion script made from the
 * command table and each command's option table, the same tables help is
 * made from, so completion cannot drift from the commands.
 */
export const completionCommand: Command = {
  name: "completion",
  options: { help: { type: "boolean", short: "h" } },
  usage: `Usage: strongbox completion bash|zsh|fish

Prints a completion script for the shell: commands with their summaries, each
command's options, environment names after --env (from the config here).

  bash:  eval "$(strongbox completion bash)"      (or save it to
         ~/.local/share/bash-completion/completions/strongbox)
  zsh:   strongbox completion zsh > "\${fpath[1]}/_strongbox"
  fish:  strongbox completion fish > ~/.config/fish/completions/strongbox.fish
`,
  async run(invocation, io) {
    const [shell, ...extra] = invocation.positionals;
    if (shell === undefined || extra.length > 0 || !(shell in SCRIPTS))
      throw new StrongboxError("E_USAGE", "completion: give bash, zsh or fish", {
        hint: "strongbox completion bash",
      });
    const table = await Promise.all(
      Object.entries(COMMANDS).map(async ([name, entry]) => ({
        name,
        summary: entry.summary,
        options: optionWords((await entry.load()).options),
      })),
    );
    writeData(io, (SCRIPTS[shell] as (table: CommandWords[]) => string)(table));
    return EXIT_OK;
  },
};

interface CommandWords {
  readonly name: string;
  readonly summary: string;
  readonly options: readonly string[];
}

function optionWords(options: Command["options"]): string[] {
  return Object.entries(options).flatMap(([long, spec]) => [
    `--${long}`,
    ...(spec.short === undefined ? [] : [`-${spec.short}`]),
  ]);
}

/** Environment names from the config in the current directory, for --env; quiet when there is none. */
const ENV_NAMES = "strongbox env list 2>/dev/null | grep -v '[*]'";

const SCRIPTS: Record<string, (table: readonly CommandWords[]) => string> = {
  bash: (table) => `# strongbox completion for bash: eval "$(strongbox completion bash)"
_strongbox() {
  local cur prev cmd
  cur="\${COMP_WORDS[COMP_CWORD]}"
  prev="\${COMP_WORDS[COMP_CWORD-1]}"
  cmd="\${COMP_WORDS[1]}"
  if [ "$COMP_CWORD" -eq 1 ]; then
    COMPREPLY=( $(compgen -W "${table.map((c) => c.name).join(" ")} help" -- "$cur") )
    return
  fi
  if [ "$prev" = "--env" ] || [ "$prev" = "-e" ]; then
    COMPREPLY=( $(compgen -W "$(${ENV_NAMES})" -- "$cur") )
    return
  fi
  case "$cmd" in
${table.map((c) => `    ${c.name}) COMPREPLY=( $(compgen -W "${c.options.join(" ")}" -- "$cur") ) ;;`).join("\n")}
  esac
  [ \${#COMPREPLY[@]} -eq 0 ] && COMPREPLY=( $(compgen -f -- "$cur") )
}
complete -o default -F _strongbox strongbox
`,
  zsh: (table) => `#compdef strongbox
# strongbox completion for zsh
_strongbox() {
  local -a commands
  commands=(
${table.map((c) => `    '${c.name}:${c.summary.replaceAll("'", "'\\''").replaceAll(":", "\\:")}'`).join("\n")}
  )
  if (( CURRENT == 2 )); then
    _describe 'command' commands
    return
  fi
  if [[ "\${words[CURRENT-1]}" == (--env|-e) ]]; then
    compadd -- $(${ENV_NAMES})
    return
  fi
  case "\${words[2]}" in
${table.map((c) => `    ${c.name}) compadd -- ${c.options.join(" ")} ;;`).join("\n")}
  esac
  _files
}
compdef _strongbox strongbox
`,
  fish: (table) => `# strongbox completion for fish
complete -c strongbox -f
${table
  .map(
    (c) =>
      `complete -c strongbox -n __fish_use_subcommand -a ${c.name} -d '${c.summary.replaceAll("'", "\\'")}'`,
  )
  .join("\n")}
${table
  .flatMap((c) =>
    c.options
      .filter((o) => o.startsWith("--"))
      .map(
        (o) => `complete -c strongbox -n '__fish_seen_subcommand_from ${c.name}' -l ${o.slice(2)}`,
      ),
  )
  .join("\n")}
complete -c strongbox -n '__fish_seen_subcommand_from ${table
    .filter((c) => c.options.includes("--env"))
    .map((c) => c.name)
    .join(" ")}' -l env -s e -x -a '(${ENV_NAMES})'
`,
};
