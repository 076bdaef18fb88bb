/**
 * The completion scripts, one per shell. Each is a thin adapter: it hands the
 * words before the cursor to `strongbox __complete` (src/cli/complete.ts)
 * and shows what comes back, so commands, options, environment names,
 * `--format` values and secret names stay as fresh as the config and the
 * store, and the four shells cannot disagree. The program called back is
 * the one the user is completing (the first word of the line), its stdin
 * closed and its errors dropped: Tab never waits for input or prints noise.
 */

/** The first line of every script: how `completion install` recognises a file it may replace. */
export const SCRIPT_MARK = "# strongbox completion";

export const SHELLS = ["bash", "zsh", "fish", "powershell"] as const;
export type Shell = (typeof SHELLS)[number];

export function isShell(name: string): name is Shell {
  return (SHELLS as readonly string[]).includes(name);
}

const BASH = `${SCRIPT_MARK} for bash: eval "$(strongbox completion bash)", or strongbox completion install
_strongbox() {
  local i line files="" out joined="" strip="" cur
  local -a words=()
  # bash splits --env=prod at "=" (COMP_WORDBREAKS): put such words back together.
  for ((i = 0; i <= COMP_CWORD; i++)); do
    if [ "\${COMP_WORDS[i]}" = "=" ] && [ \${#words[@]} -gt 1 ]; then
      words[\${#words[@]}-1]+="="
      joined=1
    elif [ -n "$joined" ]; then
      words[\${#words[@]}-1]+="\${COMP_WORDS[i]}"
      joined=""
    else
      words+=("\${COMP_WORDS[i]}")
    fi
  done
  cur="\${words[\${#words[@]}-1]}"
  # What readline replaces is the part after "=": candidates lose the option in front.
  case "$cur" in --*=*) [[ "$COMP_WORDBREAKS" == *=* ]] && strip="\${cur%%=*}=" ;; esac
  out="$("\${words[0]}" __complete "$((\${#words[@]} - 2))" "\${words[@]:1}" </dev/null 2>/dev/null)" || return 0
  COMPREPLY=()
  while IFS= read -r line; do
    case "$line" in
      :files) files=1 ;;
      :*) ;;
      *) line="\${line%%$'\\t'*}"; COMPREPLY+=("\${line#"$strip"}") ;;
    esac
  done <<<"$out"
  if [ \${#COMPREPLY[@]} -eq 0 ] && [ -n "$files" ]; then
    compopt -o filenames 2>/dev/null
    mapfile -t COMPREPLY < <(compgen -f -- "$cur")
  fi
  return 0
}
complete -F _strongbox strongbox
`;

const ZSH = `#compdef strongbox
${SCRIPT_MARK} for zsh: a file _strongbox on $fpath, or strongbox completion install
_strongbox() {
  local line files=0
  local -a lines candidates
  lines=("\${(@f)$("\${words[1]}" __complete "$((CURRENT - 2))" "\${(@)words[2,CURRENT]}" </dev/null 2>/dev/null)}")
  for line in "\${lines[@]}"; do
    case "$line" in
      :files) files=1 ;;
      :*) ;;
      *$'\\t'*) candidates+=("\${line%%$'\\t'*}:\${\${line#*$'\\t'}//:/\\\\:}") ;;
      ?*) candidates+=("$line") ;;
    esac
  done
  if (( \${#candidates} )); then
    _describe -t strongbox 'strongbox' candidates
  elif (( files )); then
    _files
  fi
}
if [[ "\${zsh_eval_context[-1]}" == loadautofunc ]]; then
  _strongbox "$@"
else
  compdef _strongbox strongbox
fi
`;

const FISH = `${SCRIPT_MARK} for fish: ~/.config/fish/completions/strongbox.fish, or strongbox completion install
function __strongbox_complete
    set -l before (commandline -opc)
    set -l cur (commandline -ct)
    set -l files 0
    set -l found 0
    for line in ($before[1] __complete (math (count $before) - 1) $before[2..-1] "$cur" </dev/null 2>/dev/null)
        switch $line
            case :files
                set files 1
            case ':*'
            case '*'
                set found 1
                printf '%s\\n' $line
        end
    end
    if test $found = 0 -a $files = 1
        __fish_complete_path "$cur"
    end
end
complete -c strongbox -f -a '(__strongbox_complete)'
`;

const POWERSHELL = `${SCRIPT_MARK} for PowerShell: dot-source it from $PROFILE, or strongbox completion install
Register-ArgumentCompleter -Native -CommandName strongbox -ScriptBlock {
    param($wordToComplete, $commandAst, $cursorPosition)
    $elements = @($commandAst.CommandElements | Where-Object { $_.Extent.StartOffset -lt $cursorPosition })
    $program = $elements[0].ToString()
    $words = @($elements | Select-Object -Skip 1 | ForEach-Object { $_.ToString() })
    # The word under the cursor is the last element unless the cursor follows a space.
    $index = if ($wordToComplete -eq '') { $words.Count } else { $words.Count - 1 }
    $lines = @(& $program __complete $index @words 2>$null)
    $results = @($lines | Where-Object { $_ -notlike ':*' } | ForEach-Object {
        $value, $description = $_ -split "\`t", 2
        if (-not $description) { $description = $value }
        [System.Management.Automation.CompletionResult]::new($value, $value, 'ParameterValue', $description)
    })
    if ($results.Count -eq 0 -and $lines -contains ':files') { return }
    $results
}
`;

/** The completion script for `shell`. */
export function completionScript(shell: Shell): string {
  return { bash: BASH, zsh: ZSH, fish: FISH, powershell: POWERSHELL }[shell];
}
