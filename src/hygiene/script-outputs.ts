import { readFileSync } from "node:fs";
import { isAbsolute, join, relative, resolve } from "node:path";

/**
 * The files the project's package.json scripts have Strongbox write values
 * into: `strongbox render -o FILE`, `-t TEMPLATE:FILE[:COMMAND]` (and the
 * long and `=` spellings), `strongbox export -o FILE` and `strongbox export
 * … > FILE`. The config names no outputs; the scripts are where a project
 * writes down how it renders, so they are read as declarations. Paths are
 * relative to `baseDir`, inside it only.
 */
export function scriptOutputs(baseDir: string): string[] {
  let scripts: unknown;
  try {
    scripts = (
      JSON.parse(readFileSync(join(baseDir, "package.json"), "utf8")) as { scripts?: unknown }
    ).scripts;
  } catch {
    return [];
  }
  if (scripts === null || typeof scripts !== "object") return [];
  const found = Object.values(scripts).flatMap((line) =>
    typeof line === "string" ? commandOutputs(line) : [],
  );
  return [...new Set(found.flatMap((file) => inside(baseDir, file)))];
}

function inside(baseDir: string, file: string): string[] {
  const path = relative(baseDir, resolve(baseDir, file));
  return path === "" || path.startsWith("..") || isAbsolute(path)
    ? []
    : [path.split("\\").join("/")];
}

/** Words of a shell line, quotes removed; `&&`, `||`, `;` and `|` end a command. */
function commands(line: string): string[][] {
  const words = line.match(/'[^']*'|"(?:\\.|[^"\\])*"|&&|\|\||[;|]|>>?|[^\s'";|>&]+/g) ?? [];
  const out: string[][] = [[]];
  for (const word of words) {
    if (["&&", "||", ";", "|"].includes(word)) out.push([]);
    else (out.at(-1) as string[]).push(word.replace(/^'(.*)'$|^"(.*)"$/s, "$1$2"));
  }
  return out;
}

function commandOutputs(line: string): string[] {
  return commands(line).flatMap((words) => {
    const at = words.findIndex((word) => /(^|\/)strongbox$/.test(word));
    const verb = at < 0 ? undefined : words[at + 1];
    if (verb !== "render" && verb !== "export") return [];
    return optionValues(words.slice(at + 2), verb);
  });
}

/** The output paths among a render or export command's arguments. */
function optionValues(args: readonly string[], verb: "render" | "export"): string[] {
  const outputs: string[] = [];
  for (let i = 0; i < args.length; i++) {
    const word = args[i] as string;
    const [flag, joined] =
      word.startsWith("--") && word.includes("=") ? word.split(/=(.*)/s) : [word];
    const value = joined ?? args[i + 1];
    if (value === undefined) continue;
    if (flag === "-o" || flag === "--output" || flag === ">" || flag === ">>") outputs.push(value);
    else if (verb === "render" && (flag === "-t" || flag === "--template")) {
      const output = value.split(":")[1];
      if (output !== undefined && output !== "") outputs.push(output);
    } else continue;
    if (joined === undefined) i++;
  }
  return outputs;
}
