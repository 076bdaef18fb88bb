import { StrongboxError } from "../errors.js";
import { callFunction } from "./builtins.js";
import { guardedCall } from "./call-guard.js";
import { type At, type RenderContext, type Run, where } from "./context.js";
import type { Arg, Node, Pipeline } from "./parse.js";
import { scratchCall } from "./scratch.js";
import {
  forFormat,
  isObject,
  MISSING,
  NO_VALUE,
  rangeItems,
  stringify,
  truthy,
  type Value,
} from "./values.js";

// The module's published surface: importers outside template/ reach these here.
export { TEMPLATE_FUNCTIONS } from "./builtins.js";
export { checkFunctions } from "./check-functions.js";
export type { RenderContext } from "./context.js";

/**
 * Renders a parsed template. Secrets are inserted as data, never re-evaluated.
 * A key missing from a secret is an error naming file, line and column (unless
 * `allowMissing`), except where it is a condition (`with`, `if`), which is
 * simply false: `{{ with .Data.data.X }}…{{ else }}""{{ end }}` works as people
 * write it.
 */
export async function renderTemplate(nodes: readonly Node[], ctx: RenderContext): Promise<string> {
  const run: Run = {
    ...ctx,
    definitions: definitionsOf(nodes, ctx),
    depth: 0,
    scratch: new Map(),
    execute: executeDefinition,
  };
  // consul-template executes with no data: `{{ . }}` at the top prints <no value>.
  return renderList(nodes, NO_VALUE, new Scope(), run);
}

/** Go's limit on nested template calls, reached only by a template calling itself without end. */
const MAX_DEPTH = 1000;

/** The body of template `name` for `{{ template }}` or `executeTemplate`, checked for existence and depth. */
function definition(run: Run, name: string, at: At): readonly Node[] {
  const body = run.definitions.get(name);
  if (body === undefined)
    throw new StrongboxError("E_TEMPLATE", `${where(run, at)}: no template "${name}" is defined`, {
      hint: `define it with {{ define "${name}" }}…{{ end }}`,
    });
  if (run.depth >= MAX_DEPTH)
    throw new StrongboxError(
      "E_TEMPLATE",
      `${where(run, at)}: template "${name}" calls itself more than ${MAX_DEPTH} times`,
      { hint: "give the recursion an end" },
    );
  return body;
}

/** `executeTemplate`: definition `name` rendered with `dot`. */
function executeDefinition(run: Run, name: string, dot: Value, at: At): Promise<string> {
  return renderCalled(run, definition(run, name, at), dot);
}

/** A definition's body, one call deeper. A called template sees only its dot: its variables start afresh. */
function renderCalled(run: Run, body: readonly Node[], dot: Value): Promise<string> {
  const deeper: Run = { ...run, depth: run.depth + 1 };
  return renderList(body, dot, new Scope(), deeper);
}

/**
 * Every `define` (and `block`) of the template, wherever it stands. A name
 * defined twice with a body that is more than white space is an error, as Go
 * reports "multiple definition of template".
 */
function definitionsOf(nodes: readonly Node[], ctx: RenderContext): Map<string, readonly Node[]> {
  const definitions = new Map<string, readonly Node[]>();
  collectDefinitions(nodes, definitions, ctx);
  return definitions;
}

function collectDefinitions(
  list: readonly Node[],
  definitions: Map<string, readonly Node[]>,
  ctx: RenderContext,
): void {
  for (const node of list) {
    if (node.kind === "define") {
      const existing = definitions.get(node.name);
      if (existing !== undefined && !blank(existing) && !blank(node.body))
        throw new StrongboxError(
          "E_TEMPLATE",
          `${where(ctx, node)}: template "${node.name}" is defined twice`,
          { hint: "give each {{ define }} its own name" },
        );
      if (existing === undefined || !blank(node.body)) definitions.set(node.name, node.body);
      collectDefinitions(node.body, definitions, ctx);
    } else if (node.kind === "with" || node.kind === "if" || node.kind === "range") {
      collectDefinitions(node.body, definitions, ctx);
      collectDefinitions(node.otherwise, definitions, ctx);
    }
  }
}

/** A body of nothing but white space, which a second definition may replace or be replaced by. */
function blank(body: readonly Node[]): boolean {
  return body.every((node) => node.kind === "text" && node.text.trim() === "");
}

/** `{{ break }}` and `{{ continue }}` unwinding to their range, carrying what was written before them. */
class LoopSignal {
  constructor(
    readonly kind: "break" | "continue",
    public output = "",
  ) {}
}

async function renderList(
  nodes: readonly Node[],
  dot: Value,
  vars: Scope,
  ctx: RenderContext,
): Promise<string> {
  let out = "";
  const run = ctx as Run;
  for (const node of nodes) {
    try {
      out += await renderNode(node, dot, vars, run);
    } catch (signal) {
      if (signal instanceof LoopSignal) signal.output = out + signal.output;
      throw signal;
    }
  }
  return out;
}

async function renderNode(node: Node, dot: Value, vars: Scope, ctx: Run): Promise<string> {
  switch (node.kind) {
    case "text":
      return node.text;
    case "define":
      // Definitions print nothing where they stand.
      return "";
    case "break":
    case "continue":
      throw new LoopSignal(node.kind);
    case "template": {
      const body = definition(ctx, node.name, node);
      const value =
        node.pipeline === undefined
          ? NO_VALUE
          : await evalPipeline(node.pipeline, dot, vars, ctx, false);
      return renderCalled(ctx, body, value);
    }
    case "output": {
      const value = await evalPipeline(node.pipeline, dot, vars, ctx, false);
      return node.pipeline.declare === undefined ? stringify(value) : "";
    }
    case "range":
      return renderRange(node, dot, vars, ctx);
    default: {
      const value = await evalPipeline(node.pipeline, dot, vars, ctx, true);
      if (truthy(value))
        return renderList(node.body, node.kind === "with" ? value : dot, vars.child(), ctx);
      return renderList(node.otherwise, dot, vars.child(), ctx);
    }
  }
}

/** A `with`, `if` or `range` node: a pipeline, a body and an `else`. */
type Block = Extract<Node, { readonly otherwise: unknown }>;

async function renderRange(node: Block, dot: Value, vars: Scope, ctx: Run): Promise<string> {
  let out = "";
  const items = rangeItems(await evalPipeline(node.pipeline, dot, vars, ctx, true));
  if (items.length === 0) out += await renderList(node.otherwise, dot, vars.child(), ctx);
  const names = node.pipeline.declare?.split(", ") ?? [];
  for (const [key, item] of items) {
    // Each iteration is its own scope; `$x = …` inside still reaches an outer $x.
    const scope = vars.child();
    if (names.length === 2) {
      scope.declare(names[0] as string, key);
      scope.declare(names[1] as string, item);
    } else if (names.length === 1) scope.declare(names[0] as string, item);
    try {
      out += await renderList(node.body, item, scope, ctx);
    } catch (signal) {
      if (!(signal instanceof LoopSignal)) throw signal;
      out += signal.output;
      if (signal.kind === "break") break;
    }
  }
  return out;
}

async function evalPipeline(
  pipeline: Pipeline,
  dot: Value,
  vars: Scope,
  ctx: RenderContext,
  condition: boolean,
): Promise<Value> {
  let result: Value = MISSING;
  let first = true;
  for (const [i, command] of pipeline.commands.entries()) {
    // `.Data.data.X | sprig_default "d"`: the value is tolerated missing when a later
    // command gives a default for it, as vault-agent's nil would be.
    const tolerant =
      condition ||
      pipeline.commands.slice(i + 1).some((later) => defaultsMissing(later[0])) ||
      defaultsMissing(command[0]);
    result = await evalCommand(
      command,
      dot,
      vars,
      ctx,
      tolerant,
      first ? undefined : { value: result },
    );
    first = false;
  }
  if (pipeline.declare !== undefined && !pipeline.declare.includes(","))
    if (pipeline.assign !== true) vars.declare(pipeline.declare, result);
    else if (!vars.assign(pipeline.declare, result))
      throw new StrongboxError(
        "E_TEMPLATE",
        `${ctx.file ?? "template"}: undefined variable ${pipeline.declare}`,
        { hint: `declare it first with {{ ${pipeline.declare} := … }}` },
      );
  return result === MISSING && condition ? undefined : result;
}

/**
 * Functions that exist to choose a default: a missing key among their arguments is
 * nil, not an error (`{{ or .Data.data.X "default" }}` works as under vault-agent).
 */
const DEFAULTING = new Set([
  "or",
  "and",
  "not",
  "sprig_default",
  "sprig_coalesce",
  "sprig_empty",
  "sprig_all",
  "sprig_any",
  "sprig_ternary",
]);

function defaultsMissing(head: Arg | undefined): boolean {
  return head?.kind === "ident" && DEFAULTING.has(head.text);
}

async function evalCommand(
  command: readonly Arg[],
  dot: Value,
  vars: Scope,
  ctx: RenderContext,
  condition: boolean,
  piped?: { value: Value },
): Promise<Value> {
  const [head, ...rest] = command;
  if (head === undefined) return undefined;
  const method = rest[0];
  if (
    head.kind === "ident" &&
    head.text === "scratch" &&
    method?.kind === "field" &&
    method.line === head.line &&
    method.column === head.column + head.text.length
  ) {
    // `scratch.Set "k" v`: a method of the render's scratch pad.
    const args = await Promise.all(
      rest.slice(1).map((arg) => evalArg(arg, dot, vars, ctx, condition)),
    );
    if (piped !== undefined) args.push(piped.value);
    return scratchCall((ctx as Run).scratch, method.text.slice(1), args.map(forFormat), head, ctx);
  }
  if (
    head.kind === "ident" &&
    head.text !== "true" &&
    head.text !== "false" &&
    head.text !== "nil"
  ) {
    const args = await Promise.all(rest.map((arg) => evalArg(arg, dot, vars, ctx, condition)));
    // Which arguments the template computed rather than wrote: their values are never quoted.
    const computed = rest.map((arg) => arg.kind !== "string" && arg.kind !== "number");
    if (piped !== undefined) {
      args.push(piped.value);
      computed.push(true);
    }
    return guardedCall(head.text, args, computed, where(ctx, head), () =>
      callFunction(head.text, args, head, ctx as Run),
    );
  }
  return evalArg(head, dot, vars, ctx, condition);
}

async function evalArg(
  arg: Arg,
  dot: Value,
  vars: Scope,
  ctx: RenderContext,
  condition: boolean,
): Promise<Value> {
  switch (arg.kind) {
    case "string":
      return arg.value;
    case "number":
      return Number(arg.text);
    case "pipeline": {
      const value = await evalPipeline(arg.pipeline, dot, vars, ctx, condition);
      return arg.fields === undefined ? value : walk(value, arg.fields, arg, ctx, condition);
    }
    case "variable": {
      const [name, ...path] = arg.text.split(".");
      const base = name === "$" ? dot : vars.get(name as string);
      return walk(base, path, arg, ctx, condition);
    }
    case "field":
      return walk(dot, arg.text.split(".").slice(1).filter(Boolean), arg, ctx, condition);
    case "ident":
      return arg.text === "true" ? true : arg.text === "false" ? false : undefined;
  }
}

function walk(
  base: Value,
  path: readonly string[],
  at: At,
  ctx: RenderContext,
  condition: boolean,
): Value {
  let value = base;
  for (const key of path) {
    if (isObject(value) && Object.hasOwn(value, key)) value = value[key];
    else if (condition || ctx.allowMissing) return condition ? undefined : "";
    else throw missing(ctx, at, key);
  }
  return value;
}

function missing(ctx: RenderContext, at: At, key: string): StrongboxError {
  return new StrongboxError("E_TEMPLATE", `${where(ctx, at)}: the key ${key} does not exist`, {
    hint: "fix the template, or render with --allow-missing to write it empty",
  });
}

/**
 * Go's variable scopes: each block (an `if`, `with` or `range` body, an
 * iteration, an `else`) starts a new one; `:=` declares in the current scope,
 * `=` changes the variable where it was declared.
 */
class Scope {
  readonly #vars = new Map<string, Value>();
  readonly #parent: Scope | undefined;

  constructor(parent?: Scope) {
    this.#parent = parent;
  }

  get(name: string): Value {
    for (let scope: Scope | undefined = this; scope !== undefined; scope = scope.#parent)
      if (scope.#vars.has(name)) return scope.#vars.get(name);
    return undefined;
  }

  declare(name: string, value: Value): void {
    this.#vars.set(name, value);
  }

  assign(name: string, value: Value): boolean {
    for (let scope: Scope | undefined = this; scope !== undefined; scope = scope.#parent)
      if (scope.#vars.has(name)) {
        scope.#vars.set(name, value);
        return true;
      }
    return false;
  }

  child(): Scope {
    return new Scope(this);
  }
}
