import { text } from "./functions.js";
import type { Fn } from "./sprig-cast.js";

/**
 * Sprig's path functions (Go's path package: always slashes; the `os` variants behave the same here).
 * Unprefixed: sprig.ts names them `sprig_NAME`.
 */
export const SPRIG_PATHS: Readonly<Record<string, Fn>> = {
  // paths (Go's path package: always slashes)
  base: ([p]) => pathBase(text(p)),
  dir: ([p]) => pathDir(text(p)),
  clean: ([p]) => pathClean(text(p)),
  ext: ([p]) => {
    const match = /\.[^./]*$/.exec(text(p));
    return match === null ? "" : match[0];
  },
  isAbs: ([p]) => text(p).startsWith("/"),
  osBase: ([p]) => pathBase(text(p)),
  osDir: ([p]) => pathDir(text(p)),
  osClean: ([p]) => pathClean(text(p)),
  osExt: ([p]) => {
    const match = /\.[^./]*$/.exec(text(p));
    return match === null ? "" : match[0];
  },
  osIsAbs: ([p]) => text(p).startsWith("/"),
};

function pathClean(path: string): string {
  if (path === "") return ".";
  const rooted = path.startsWith("/");
  const out: string[] = [];
  for (const part of path.split("/")) {
    if (part === "" || part === ".") continue;
    if (part === "..") {
      if (out.length > 0 && out.at(-1) !== "..") out.pop();
      else if (!rooted) out.push("..");
    } else out.push(part);
  }
  const joined = out.join("/");
  return rooted ? `/${joined}` : joined === "" ? "." : joined;
}

function pathBase(path: string): string {
  if (path === "") return ".";
  const trimmed = path.replace(/\/+$/, "");
  if (trimmed === "") return "/";
  return trimmed.slice(trimmed.lastIndexOf("/") + 1);
}

function pathDir(path: string): string {
  const at = path.lastIndexOf("/");
  return pathClean(path.slice(0, at + 1));
}
