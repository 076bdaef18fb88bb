import type { Arg, Node, Pipeline } from "./parse.js";

/** One key a template reads from a Vault secret, and the variable it fills. */
export interface KeyUse {
  readonly key: string;
  /** The `NAME=` written just before the action, when there is one. */
  readonly envName?: string;
  /** `.Data.data.KEY` (KV v2) or `.Data.KEY` (KV v1). */
  readonly kv: 1 | 2;
  readonly line: number;
  readonly column: number;
}

/** One `{{ with secret … }}` block: its path (a literal, or a printf format with `%s` holes) and the keys read. */
export interface SecretUse {
  readonly path: string;
  /** Arguments of a printf path, e.g. `env "ENV"`. */
  readonly pathArgs: readonly string[];
  readonly keys: readonly KeyUse[];
  readonly line: number;
  readonly column: number;
}

/** Lists the Vault secrets and keys a parsed template reads, for checks against the schema. */
export function secretsUsed(nodes: readonly Node[]): SecretUse[] {
  const uses: SecretUse[] = [];
  walk(nodes, (node, textBefore) => {
    if (node.kind !== "with") return;
    const path = secretPath(node.pipeline);
    if (path === undefined) return;
    const keys: KeyUse[] = [];
    // `NAME={{ with secret … }}{{ .Data.data.KEY }}{{ end }}`: the name stands before the block.
    collectKeys(node.body, keys, textBefore);
    uses.push({ ...path, keys, line: node.line, column: node.column });
  });
  return uses;
}

/** Visits every node with the text of its line that precedes it. */
function walk(nodes: readonly Node[], visit: (node: Node, textBefore: string) => void): void {
  let textBefore = "";
  for (const node of nodes) {
    if (node.kind === "text") textBefore = node.text.split("\n").at(-1) ?? "";
    visit(node, textBefore);
    if (node.kind === "with" || node.kind === "if" || node.kind === "range") {
      walk(node.body, visit);
      walk(node.otherwise, visit);
    } else if (node.kind === "define") walk(node.body, visit);
  }
}

function secretPath(pipeline: Pipeline): { path: string; pathArgs: string[] } | undefined {
  const [name, arg] = pipeline.commands[0] ?? [];
  if (name?.kind !== "ident" || name.text !== "secret" || arg === undefined) return undefined;
  if (arg.kind === "string") return { path: arg.value ?? "", pathArgs: [] };
  if (arg.kind === "pipeline") {
    const [fn, format, ...rest] = arg.pipeline.commands[0] ?? [];
    if (fn?.kind === "ident" && fn.text === "printf" && format?.kind === "string")
      return { path: format.value ?? "", pathArgs: rest.map(describe) };
  }
  return undefined;
}

function describe(arg: Arg): string {
  return arg.kind === "pipeline"
    ? `(${arg.pipeline.commands.map((c) => c.map(describe).join(" ")).join(" | ")})`
    : arg.text;
}

/** Keys in `.Data.data.KEY`, `.Data.KEY` and `index .Data.data "KEY"`, with the `NAME=` before each. */
function collectKeys(
  nodes: readonly Node[],
  out: KeyUse[],
  textBefore = "",
  dataContext?: 1 | 2,
): void {
  let lastText = textBefore;
  const visitPipeline = (pipeline: Pipeline, at: { line: number; column: number }) => {
    for (const command of pipeline.commands) {
      for (let i = 0; i < command.length; i++) {
        const arg = command[i] as Arg;
        if (arg.kind === "pipeline") visitPipeline(arg.pipeline, arg);
        else if (arg.kind === "field") {
          // Inside `{{ with .Data.data }}` the dot is the data map, so `.KEY` is a key.
          const inContext = dataContext === undefined ? null : /^\.([A-Za-z0-9_]+)$/.exec(arg.text);
          const v2 =
            dataContext === 2 ? inContext : /^\.Data\.data\.([A-Za-z0-9_]+)$/.exec(arg.text);
          const v1 =
            dataContext === 1
              ? inContext
              : dataContext === undefined
                ? /^\.Data\.([A-Za-z0-9_]+)$/.exec(arg.text)
                : null;
          const envName = /([A-Za-z_][A-Za-z0-9_]*)=\s*$/.exec(lastText)?.[1];
          const base = envName === undefined ? {} : { envName };
          if (v2?.[1] !== undefined)
            out.push({ key: v2[1], kv: 2, line: arg.line, column: arg.column, ...base });
          else if (v1?.[1] !== undefined && v1[1] !== "data")
            out.push({ key: v1[1], kv: 1, line: arg.line, column: arg.column, ...base });
        } else if (arg.kind === "ident" && arg.text === "index") {
          const target = command[i + 1];
          const key = command[i + 2];
          if (
            target?.kind === "field" &&
            (target.text === ".Data.data" || target.text === ".Data") &&
            key?.kind === "string"
          ) {
            const envName = /([A-Za-z_][A-Za-z0-9_]*)=\s*$/.exec(lastText)?.[1];
            out.push({
              key: key.value ?? "",
              kv: target.text === ".Data.data" ? 2 : 1,
              line: key.line,
              column: key.column,
              ...(envName === undefined ? {} : { envName }),
            });
            i += 2;
          }
        }
      }
    }
    void at;
  };
  for (const node of nodes) {
    if (node.kind === "text") {
      lastText = node.text.split("\n").at(-1) ?? "";
      continue;
    }
    if (node.kind === "break" || node.kind === "continue") continue;
    if (node.kind === "define") {
      collectKeys(node.body, out, lastText, dataContext);
      continue;
    }
    if (node.kind === "template") {
      if (node.pipeline !== undefined) visitPipeline(node.pipeline, node);
      continue;
    }
    visitPipeline(node.pipeline, node);
    if (node.kind !== "output") {
      const only =
        node.pipeline.commands.length === 1 && node.pipeline.commands[0]?.length === 1
          ? node.pipeline.commands[0][0]
          : undefined;
      const context =
        node.kind === "with" && only?.kind === "field"
          ? only.text === ".Data.data"
            ? 2
            : only.text === ".Data"
              ? 1
              : undefined
          : undefined;
      collectKeys(
        node.body,
        out,
        lastText,
        context ?? (node.kind === "with" ? undefined : dataContext),
      );
      collectKeys(node.otherwise, out, lastText, dataContext);
    }
  }
}

/**
 * The literal paths a template reads for sure (`secret "path"` with no
 * parameters and no printf, outside `if`, `range` and `else` branches), which
 * a renderer can fetch all at once before rendering in order:
 * consul-template fetches its dependencies concurrently too.
 */
export function literalSecretReads(nodes: readonly Node[]): string[] {
  const paths = new Set<string>();
  const visit = (list: readonly Node[]) => {
    for (const node of list) {
      if (node.kind === "text" || node.kind === "break" || node.kind === "continue") continue;
      if (node.kind === "define") continue;
      const pipeline = node.pipeline;
      const [name, arg, ...params] = pipeline?.commands[0] ?? [];
      if (
        name?.kind === "ident" &&
        name.text === "secret" &&
        arg?.kind === "string" &&
        params.length === 0 &&
        !(arg.value ?? "").includes("?")
      )
        paths.add(arg.value ?? "");
      // Not into branches that may not run: a read there is the template's choice.
      if (node.kind === "with") visit(node.body);
    }
  };
  visit(nodes);
  return [...paths].filter((path) => path !== "" && !/(^|\/)\//.test(path));
}
