// Measures the shape of src/: which room imports which, where functions and
// files grew too long, and what the CLI's commands reach into. One module so
// the architecture tests and `scripts/arch-report.mjs` count the same way.
import { readdirSync, readFileSync } from "node:fs";
import { dirname, join, relative, resolve } from "node:path";
import { parse } from "@babel/parser";

/** One source file of src/, by its path relative to src/. */
export interface SourceFile {
  path: string;
  text: string;
}

/** One import arrow between two files (paths relative to src/). */
export interface ImportArrow {
  from: string;
  to: string;
  typeOnly: boolean;
}

/**
 * The declared floors of src/, lowest first. A room may import only rooms on
 * lower floors, never a sibling on its own floor, so the order alone rules out
 * cycles. A room is a top-level folder, or a file at the top of src/.
 */
export const FLOORS: readonly (readonly string[])[] = [
  ["errors.ts", "package-root.ts"],
  ["util", "fs", "format"],
  ["schema"],
  ["security", "redact", "dotenv", "refs"],
  // aws sits below vault: Vault's AWS IAM login signs with the AWS room's signer and key chain.
  ["exec", "aws"],
  ["hygiene", "audit", "template", "vault"],
  ["keys"],
  ["store"],
  ["providers"],
  ["envelope", "environments"],
  ["config"],
  ["resolve"],
  ["project"],
  ["vault-ops", "data", "migrate", "doctor"],
  ["render", "lifecycle", "layers", "generate"],
  ["agent", "diff", "ui"],
  ["api", "index.ts", "config-api.ts"],
  ["cli"],
];

/** Every .ts file under `dir`, read. */
export function sourceFiles(dir: string): SourceFile[] {
  const walk = (at: string): string[] =>
    readdirSync(at, { withFileTypes: true }).flatMap((entry) => {
      const path = join(at, entry.name);
      return entry.isDirectory() ? walk(path) : path.endsWith(".ts") ? [path] : [];
    });
  return walk(dir)
    .sort()
    .map((path) => ({ path: relative(dir, path), text: readFileSync(path, "utf8") }));
}

/** The room a file lives in: its top-level folder, or the file itself at the top. */
export function roomOf(path: string): string {
  const slash = path.indexOf("/");
  return slash === -1 ? path : path.slice(0, slash);
}

const IMPORT =
  /(?:^|\n)\s*(import|export)(\s+type)?\b[^;"]*?from\s*"(\.[^"]+)"|import\(\s*"(\.[^"]+)"\s*\)/g;

/** Every relative import (static, re-export, dynamic; type-only included) that stays inside src/. */
export function importArrows(files: readonly SourceFile[]): ImportArrow[] {
  return files.flatMap((file) =>
    [...file.text.matchAll(IMPORT)].flatMap((match) => {
      const spec = (match[3] ?? match[4]) as string;
      const target = relative(".", join(dirname(file.path), spec)).replace(/\.js$/, ".ts");
      if (target.startsWith("..")) return [];
      return [{ from: file.path, to: target, typeOnly: match[2] !== undefined }];
    }),
  );
}

/** Arrows that cross from one room into another. */
export function roomArrows(arrows: readonly ImportArrow[]): ImportArrow[] {
  return arrows.filter((arrow) => roomOf(arrow.from) !== roomOf(arrow.to));
}

/** The rooms that lie on a cycle, grouped by strongly connected component (Tarjan). */
export function roomCycles(arrows: readonly ImportArrow[]): string[][] {
  const next = new Map<string, Set<string>>();
  for (const arrow of roomArrows(arrows)) {
    const from = roomOf(arrow.from);
    next.set(from, (next.get(from) ?? new Set()).add(roomOf(arrow.to)));
  }
  const index = new Map<string, number>();
  const low = new Map<string, number>();
  const stack: string[] = [];
  const components: string[][] = [];
  const visit = (room: string): void => {
    index.set(room, index.size);
    low.set(room, index.get(room) as number);
    stack.push(room);
    for (const to of next.get(room) ?? []) {
      if (!index.has(to)) {
        visit(to);
        low.set(room, Math.min(low.get(room) as number, low.get(to) as number));
      } else if (stack.includes(to)) {
        low.set(room, Math.min(low.get(room) as number, index.get(to) as number));
      }
    }
    if (low.get(room) !== index.get(room)) return;
    const component: string[] = [];
    let top: string | undefined;
    do {
      top = stack.pop() as string;
      component.push(top);
    } while (top !== room);
    if (component.length > 1) components.push(component.sort());
  };
  for (const room of next.keys()) if (!index.has(room)) visit(room);
  return components;
}

/** The floor a room sits on, or undefined for a room the order does not list. */
export function floorOf(room: string): number | undefined {
  const floor = FLOORS.findIndex((rooms) => rooms.includes(room));
  return floor === -1 ? undefined : floor;
}

/** Arrows that go up, sideways on one floor, or touch a room the order does not list. */
export function arrowsAgainstTheOrder(arrows: readonly ImportArrow[]): ImportArrow[] {
  return roomArrows(arrows).filter((arrow) => {
    const from = floorOf(roomOf(arrow.from));
    const to = floorOf(roomOf(arrow.to));
    return from === undefined || to === undefined || to >= from;
  });
}

/** One function's size: its own lines exclude nested functions of 3+ lines, counted on their own. */
export interface FunctionSize {
  file: string;
  name: string;
  line: number;
  ownLines: number;
}

interface Node {
  type: string;
  loc?: { start: { line: number }; end: { line: number } };
  [key: string]: unknown;
}

const FUNCTION_TYPES = new Set([
  "FunctionDeclaration",
  "FunctionExpression",
  "ArrowFunctionExpression",
  "ObjectMethod",
  "ClassMethod",
  "ClassPrivateMethod",
]);

function nameOf(node: Node, parent: Node | undefined): string {
  const named = (value: unknown): string | undefined => {
    const key = value as Node | undefined;
    if (key?.type === "Identifier" || key?.type === "PrivateName") {
      return String((key.name as string | undefined) ?? (key.id as Node | undefined)?.name);
    }
    if (key?.type === "StringLiteral") return String(key.value);
    return undefined;
  };
  return (
    named(node.id) ??
    named(node.key) ??
    (parent?.type === "VariableDeclarator" ? named(parent.id) : undefined) ??
    (parent?.type === "ObjectProperty" || parent?.type === "ClassProperty"
      ? named(parent.key)
      : undefined) ??
    "(anonymous)"
  );
}

function spanOf(node: Node): number {
  return node.loc ? node.loc.end.line - node.loc.start.line + 1 : 0;
}

/** Every function in one file with its own length. */
export function functionSizes(file: SourceFile): FunctionSize[] {
  const ast = parse(file.text, {
    sourceType: "module",
    plugins: ["typescript"],
    errorRecovery: true,
  }) as unknown as { program: Node };
  const sizes: FunctionSize[] = [];
  /** Walks `node`; returns the lines that nested functions (3+ lines) take out of the enclosing one. */
  const walk = (node: Node, parent: Node | undefined): number => {
    let nested = 0;
    for (const [key, value] of Object.entries(node)) {
      if (key === "loc" || key === "leadingComments" || key === "trailingComments") continue;
      const children = Array.isArray(value) ? value : [value];
      for (const child of children) {
        if (child && typeof (child as Node).type === "string") nested += walk(child as Node, node);
      }
    }
    if (!FUNCTION_TYPES.has(node.type)) return nested;
    const span = spanOf(node);
    sizes.push({
      file: file.path,
      name: nameOf(node, parent),
      line: node.loc?.start.line ?? 0,
      ownLines: span - nested,
    });
    return span >= 3 ? span : nested;
  };
  walk(ast.program, undefined);
  return sizes;
}

/** Functions whose own lines exceed `limit`, longest first. */
export function longFunctions(files: readonly SourceFile[], limit = 60): FunctionSize[] {
  return files
    .flatMap(functionSizes)
    .filter((size) => size.ownLines > limit)
    .sort((a, b) => b.ownLines - a.ownLines);
}

/** Files longer than `limit` lines, longest first. */
export function longFiles(
  files: readonly SourceFile[],
  limit = 400,
): { file: string; lines: number }[] {
  return files
    .map((file) => ({ file: file.path, lines: file.text.split("\n").length - 1 }))
    .filter((size) => size.lines > limit)
    .sort((a, b) => b.lines - a.lines);
}

/** What a CLI command may import: the public library, the errors and the CLI's own modules. */
export function isPublicToCommands(target: string): boolean {
  return (
    target.startsWith("api/") ||
    target.startsWith("cli/") ||
    target === "index.ts" ||
    target === "config-api.ts" ||
    target === "errors.ts"
  );
}

/** Imports from src/cli/commands/* into the library's insides, as "command -> target". */
export function commandImports(arrows: readonly ImportArrow[]): string[] {
  return arrows
    .filter((arrow) => arrow.from.startsWith("cli/commands/") && !isPublicToCommands(arrow.to))
    .map((arrow) => `${arrow.from} -> ${arrow.to}`)
    .sort();
}

/** The absolute src/ of a checkout whose root is `root`. */
export function srcOf(root: string): string {
  return resolve(root, "src");
}
