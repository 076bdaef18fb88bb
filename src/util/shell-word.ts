/** Characters a reader does not see or a terminal acts on (as the CLI's showControls). */
const UNSEEN = /[\p{Cc}\p{Cf}\p{Zl}\p{Zp}]/u;

/**
 * `text` as one POSIX shell word a person can paste back: bare when it is
 * plain (`a/b.env`), single-quoted when it holds spaces or shell syntax
 * (`'a b;c'`, `'` as `'\''`), and ANSI-C quoted (`$'a\nb'`: bash, zsh, ksh
 * and POSIX.1-2024 sh) when it holds a newline or any character that is not
 * seen, so the printed word is one line and names the same file.
 */
export function shellWord(text: string): string {
  if (/^[A-Za-z0-9_./@%+=:,-]+$/.test(text)) return text;
  if (!UNSEEN.test(text)) return `'${text.replaceAll("'", `'\\''`)}'`;
  let out = "";
  for (const char of text) {
    const code = char.codePointAt(0) as number;
    if (char === "\\" || char === "'") out += `\\${char}`;
    else if (char === "\n") out += "\\n";
    else if (char === "\t") out += "\\t";
    else if (char === "\r") out += "\\r";
    else if (!UNSEEN.test(char)) out += char;
    else if (code < 0x100) out += `\\x${code.toString(16).padStart(2, "0")}`;
    else if (code <= 0xffff) out += `\\u${code.toString(16).padStart(4, "0")}`;
    else out += `\\U${code.toString(16).padStart(8, "0")}`;
  }
  return `$'${out}'`;
}
