import { StrongboxError } from "../errors.js";
import { isCredentialVariable } from "../security/credentials.js";
import { type ReadScope, readGuarded } from "../security/read-guard.js";
import { guardedCall } from "./call-guard.js";
import { PURE_FUNCTION_NAMES, PURE_FUNCTIONS, strictBase64 } from "./functions.js";
import { byteLength, bytesToText, textToBytes } from "./go-bytes.js";
import { byteSorted, goJson, goSprint, goSprintf } from "./go-format.js";
import { goQueryEscape } from "./go-strings.js";
import { goToml } from "./go-toml.js";
import type { Arg, Node, Pipeline } from "./parse.js";
import { pkiCert } from "./pki-cert.js";
import { SPRIG_FUNCTIONS, SPRIG_UNSUPPORTED } from "./sprig.js";

/** What a template may reach: Vault secrets and environment variables. */
export interface RenderContext {
  /**
   * `{{ secret "path" }}`: the response as consul-template shapes it (`.Data`, `.LeaseID`…),
   * or undefined; with `params` (`"k=v"`), a write.
   */
  secret(path: string, params?: readonly string[]): Promise<unknown>;
  env(name: string): string | undefined;
  /** `{{ secrets "path/" }}`: the key names under a path (KV list). */
  list?(path: string): Promise<string[]>;
  /** `{{ strongbox "VAR" }}`: a schema variable, resolved through the schema and the environment's policy. */
  variable?(name: string): Promise<string>;
  /** `{{ ref "vault://…#KEY" }}`: any reference, resolved under the environment's policy. */
  ref?(text: string): Promise<string>;
  /** Render a missing key as an empty string instead of failing (consul-template prints `<no value>`). */
  readonly allowMissing?: boolean;
  readonly file?: string;
  /** The file being rendered to: `pkiCert` keeps using the certificate it holds while it is good. */
  readonly destination?: string;
  /**
   * Where `{{ file }}` may read (the project and the paths the config names;
   * never credentials or /proc): see security/read-guard.ts. By default the
   * current directory, with this process's environment.
   */
  readonly reads?: ReadScope;
  /** Told of each file `{{ file }}` read, so a dry render can mask it as it masks secrets. */
  onFile?(path: string, content: string): void;
  /** Told when a call's result goes stale (`pkiCert`'s kept certificate), so an agent can render again then. */
  refreshAt?(key: string, at: number): void;
}

const MISSING = Symbol("missing");
/** What `index` gives for a key the map lacks: Go's nil interface, printed `<no value>`. */
const NO_VALUE = Symbol("no value");
type Value = unknown;

/**
 * Renders a parsed template. Secrets are inserted as data, never re-evaluated.
 * A key missing from a secret is an error naming file, line and column (unless
 * `allowMissing`), except where it is a condition (`with`, `if`), which is
 * simply false: `{{ with .Data.data.X }}…{{ else }}""{{ end }}` works as people
 * write it.
 */
export async function renderTemplate(nodes: readonly Node[], ctx: RenderContext): Promise<string> {
  const run: Run = { ...ctx, definitions: definitionsOf(nodes, ctx), depth: 0, scratch: new Map() };
  // consul-template executes with no data: `{{ . }}` at the top prints <no value>.
  return renderList(nodes, NO_VALUE, new Scope(), run);
}

/** Where `{{ template }}` finds its definitions, and how deep the calls are. */
interface Run extends RenderContext {
  readonly definitions: ReadonlyMap<string, readonly Node[]>;
  readonly depth: number;
  /** consul-template's `scratch`: one pad per render, shared by the templates it calls. */
  readonly scratch: Map<string, Value>;
}

/** `scratch.Key/Get/Set/SetX/MapSet/MapSetX/MapValues`, as consul-template's Scratch has them. */
function scratchCall(
  pad: Map<string, Value>,
  name: string,
  args: Value[],
  at: { line: number; column: number },
  ctx: RenderContext,
): Value {
  const [key, second, third] = args;
  const k = String(key);
  const map = () => {
    const existing = pad.get(k);
    if (isObject(existing)) return existing;
    const fresh: Record<string, Value> = {};
    pad.set(k, fresh);
    return fresh;
  };
  switch (name) {
    case "Key":
      return pad.has(k);
    case "Get":
      return pad.has(k) ? pad.get(k) : NO_VALUE;
    case "Set":
      pad.set(k, second);
      return "";
    case "SetX":
      if (!pad.has(k)) pad.set(k, second);
      return "";
    case "MapSet":
      map()[String(second)] = third;
      return "";
    case "MapSetX": {
      const target = map();
      if (!Object.hasOwn(target, String(second))) target[String(second)] = third;
      return "";
    }
    case "MapValues": {
      const target = pad.get(k);
      if (!isObject(target)) return [];
      return byteSorted(Object.keys(target)).map((entry) => target[entry]);
    }
    default:
      throw new StrongboxError(
        "E_TEMPLATE",
        `${ctx.file ?? "template"}:${at.line}:${at.column}: scratch has no method ${name}`,
        { hint: "scratch has Key, Get, Set, SetX, MapSet, MapSetX and MapValues" },
      );
  }
}

/** Go's limit on nested template calls, reached only by a template calling itself without end. */
const MAX_DEPTH = 1000;

/** The body of template `name` for `{{ template }}` or `executeTemplate`, checked for existence and depth. */
function definition(run: Run, name: string, at: { line: number; column: number }): readonly Node[] {
  const where = `${run.file ?? "template"}:${at.line}:${at.column}`;
  const body = run.definitions.get(name);
  if (body === undefined)
    throw new StrongboxError("E_TEMPLATE", `${where}: no template "${name}" is defined`, {
      hint: `define it with {{ define "${name}" }}…{{ end }}`,
    });
  if (run.depth >= MAX_DEPTH)
    throw new StrongboxError(
      "E_TEMPLATE",
      `${where}: template "${name}" calls itself more than ${MAX_DEPTH} times`,
      { hint: "give the recursion an end" },
    );
  return body;
}

/**
 * Every `define` (and `block`) of the template, wherever it stands. A name
 * defined twice with a body that is more than white space is an error, as Go
 * reports "multiple definition of template".
 */
function definitionsOf(nodes: readonly Node[], ctx: RenderContext): Map<string, readonly Node[]> {
  const definitions = new Map<string, readonly Node[]>();
  const empty = (body: readonly Node[]) =>
    body.every((node) => node.kind === "text" && node.text.trim() === "");
  const visit = (list: readonly Node[]) => {
    for (const node of list) {
      if (node.kind === "define") {
        const existing = definitions.get(node.name);
        if (existing !== undefined && !empty(existing) && !empty(node.body))
          throw new StrongboxError(
            "E_TEMPLATE",
            `${ctx.file ?? "template"}:${node.line}:${node.column}: template "${node.name}" is defined twice`,
            { hint: "give each {{ define }} its own name" },
          );
        if (existing === undefined || !empty(node.body)) definitions.set(node.name, node.body);
        visit(node.body);
      } else if (node.kind === "with" || node.kind === "if" || node.kind === "range") {
        visit(node.body);
        visit(node.otherwise);
      }
    }
  };
  visit(nodes);
  return definitions;
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
  let out = "";
  if (node.kind === "text") {
    out += node.text;
  } else if (node.kind === "define") {
    // Definitions print nothing where they stand.
  } else if (node.kind === "break" || node.kind === "continue") {
    throw new LoopSignal(node.kind);
  } else if (node.kind === "template") {
    const body = definition(ctx, node.name, node);
    const value =
      node.pipeline === undefined
        ? NO_VALUE
        : await evalPipeline(node.pipeline, dot, vars, ctx, false);
    // A called template sees only its dot: its variables start afresh.
    const deeper: Run = { ...ctx, depth: ctx.depth + 1 };
    out += await renderList(body, value, new Scope(), deeper);
  } else if (node.kind === "output") {
    const value = await evalPipeline(node.pipeline, dot, vars, ctx, false);
    if (node.pipeline.declare === undefined) out += stringify(value);
  } else {
    const value = await evalPipeline(node.pipeline, dot, vars, ctx, true);
    if (node.kind === "range") {
      const items = Array.isArray(value)
        ? value.map((v, i) => [i, v] as const)
        : isObject(value)
          ? byteSorted(Object.keys(value)).map((key) => [key, value[key]] as const)
          : [];
      if (items.length === 0) out += await renderList(node.otherwise, dot, vars.child(), ctx);
      for (const [key, item] of items) {
        // Each iteration is its own scope; `$x = …` inside still reaches an outer $x.
        const scope = vars.child();
        const names = node.pipeline.declare?.split(", ") ?? [];
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
    } else if (truthy(value)) {
      out += await renderList(node.body, node.kind === "with" ? value : dot, vars.child(), ctx);
    } else {
      out += await renderList(node.otherwise, dot, vars.child(), ctx);
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
    return guardedCall(
      head.text,
      args,
      computed,
      `${ctx.file ?? "template"}:${head.line}:${head.column}`,
      () => call(head.text, args, head, ctx),
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
  at: { line: number; column: number },
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

async function call(
  name: string,
  args: Value[],
  at: { line: number; column: number },
  ctx: RenderContext,
): Promise<Value> {
  switch (name) {
    case "secret": {
      const path = String(args[0] ?? "");
      // `printf "secret/data/%s/app" (env "ENV")` with ENV unset: refuse, do not read another path.
      if (path === "" || /(^|\/)\//.test(path) || path.startsWith("/"))
        throw new StrongboxError(
          "E_TEMPLATE",
          `${ctx.file ?? "template"}:${at.line}:${at.column}: the secret path "${path}" has an empty segment`,
          {
            hint: 'a variable in the path is probably unset (env "ENV"?); set it, or fix the template',
          },
        );
      const params = args.slice(1).map((arg) => String(arg ?? ""));
      const secret = await ctx.secret(path, params);
      if (secret === undefined && !ctx.allowMissing)
        throw new StrongboxError(
          "E_TEMPLATE",
          `${ctx.file ?? "template"}:${at.line}:${at.column}: no secret at ${path}`,
          { hint: "check the path, or render with --allow-missing" },
        );
      return secret;
    }
    case "pkiCert":
      return pkiCert(
        String(args[0] ?? ""),
        args.slice(1).map((arg) => String(arg ?? "")),
        ctx,
        at,
      );
    case "env": {
      const variable = String(args[0] ?? "");
      refuseCredential(variable, "env", at, ctx);
      return ctx.env(variable) ?? "";
    }
    case "secrets":
      return (await ctx.list?.(String(args[0] ?? ""))) ?? [];
    case "strongbox":
    case "ref": {
      const resolver = name === "strongbox" ? ctx.variable : ctx.ref;
      if (resolver === undefined)
        throw new StrongboxError(
          "E_TEMPLATE",
          `${ctx.file ?? "template"}:${at.line}:${at.column}: {{ ${name} }} needs a strongbox config`,
          { hint: "run render where strongbox.config.ts or .yaml is found, or pass --config" },
        );
      return resolver(String(args[0] ?? ""));
    }
    case "printf":
      return goSprintf(String(args[0] ?? ""), args.slice(1).map(forFormat));
    case "toJSON":
      return goJson(args[0]);
    case "toJSONPretty":
      return goJson(args[0], "  ");
    case "toUnescapedJSON":
      return goJson(args[0], undefined, false);
    case "toUnescapedJSONPretty":
      return goJson(args[0], "  ", false);
    case "base64Encode":
      return textToBytes(String(args[0] ?? "")).toString("base64");
    case "base64Decode":
      try {
        return strictBase64(String(args[0] ?? ""), "base64Decode");
      } catch (error) {
        throw new StrongboxError(
          "E_TEMPLATE",
          `${ctx.file ?? "template"}:${at.line}:${at.column}: error calling base64Decode: ${(error as Error).message}`,
          {
            hint: "base64Decode takes standard base64 with padding (base64URLDecode takes - and _)",
          },
        );
      }
    case "index":
      // A key a map lacks gives Go's zero value, which prints as <no value>.
      return args
        .slice(1)
        .reduce(
          (value: Value, key) =>
            (isObject(value) || Array.isArray(value)) && Object.hasOwn(value, String(key))
              ? (value as Record<string, Value>)[String(key)]
              : NO_VALUE,
          args[0],
        );
    case "eq":
      return args.slice(1).some((other) => other === args[0]);
    case "ne":
      return args[0] !== args[1];
    case "not":
      return !truthy(args[0]);
    case "and":
      return args.find((arg) => !truthy(arg)) ?? args.at(-1);
    case "or":
      return args.find((arg) => truthy(arg)) ?? args.at(-1);
    case "lt":
    case "le":
    case "gt":
    case "ge":
      return compare(name, args[0], args[1], `${ctx.file ?? "template"}:${at.line}:${at.column}`);
    case "print":
      return goPrint(args.map(forFormat), false);
    case "println":
      return goPrint(args.map(forFormat), true);
    case "html":
      return args
        .map((arg) => goSprint(forFormat(arg) as never))
        .join("")
        .replace(/[&'<>"\0]/g, (c) => HTML_ESCAPES[c] as string);
    case "urlquery":
      return goQueryEscape(args.map((arg) => goSprint(forFormat(arg) as never)).join(""));
    case "len":
      // Go's len of a string counts bytes, not characters.
      return typeof args[0] === "string"
        ? byteLength(args[0])
        : Array.isArray(args[0])
          ? args[0].length
          : isObject(args[0])
            ? Object.keys(args[0]).length
            : 0;
    case "file": {
      const path = String(args[0] ?? "");
      // One guard for every read a template, ref or config asks for (security/read-guard.ts).
      let bytes: Buffer;
      try {
        bytes = readGuarded(path, ctx.reads ?? processScope());
      } catch (error) {
        if (!(error instanceof StrongboxError)) throw error;
        const where = `${ctx.file ?? "template"}:${at.line}:${at.column}`;
        throw error.code === "E_IO"
          ? new StrongboxError(
              "E_TEMPLATE",
              `${where}: file "${path}" cannot be read (missing, or not permitted)`,
              { hint: "check the path; it is relative to the directory render runs in" },
            )
          : new StrongboxError("E_TEMPLATE", `${where}: ${error.message}`, {
              hint: error.hint ?? "check the path",
            });
      }
      const content = bytesToText(bytes);
      ctx.onFile?.(path, content);
      return content;
    }
    case "executeTemplate": {
      const run = ctx as Run;
      const name = String(args[0] ?? "");
      const body = definition(run, name, at);
      const deeper: Run = { ...run, depth: run.depth + 1 };
      return renderList(body, args.length > 1 ? args[1] : NO_VALUE, new Scope(), deeper);
    }
    case "mustEnv": {
      const variable = String(args[0] ?? "");
      refuseCredential(variable, "mustEnv", at, ctx);
      const value = ctx.env(variable) ?? "";
      if (value === "")
        throw new StrongboxError(
          "E_TEMPLATE",
          `${ctx.file ?? "template"}:${at.line}:${at.column}: error calling mustEnv: required environment variable ${variable} is empty`,
          { hint: `set ${variable} for the process that renders` },
        );
      return value;
    }
    case "envOrDefault": {
      const variable = String(args[0] ?? "");
      refuseCredential(variable, "envOrDefault", at, ctx);
      return ctx.env(variable) ?? String(args[1] ?? "");
    }
    case "toTOML":
      try {
        return goToml(forFormat(args[0]));
      } catch (error) {
        throw new StrongboxError(
          "E_TEMPLATE",
          `${ctx.file ?? "template"}:${at.line}:${at.column}: error calling toTOML: ${(error as Error).message}`,
          { hint: "toTOML takes a map (a secret's .Data.data, parseJSON of an object…)" },
        );
      }
    case "sprig_env": {
      const variable = String(args[0] ?? "");
      refuseCredential(variable, name, at, ctx);
      return ctx.env(variable) ?? "";
    }
    case "sprig_expandenv":
      // os.ExpandEnv: $NAME and ${NAME}; each name passes the credential rule.
      return String(args[0] ?? "").replace(
        /\$(\{([^}]*)\}|([A-Za-z0-9_]+))/g,
        (_whole, _inner, braced: string | undefined, bare: string | undefined) => {
          const variable = braced ?? bare ?? "";
          refuseCredential(variable, name, at, ctx);
          return ctx.env(variable) ?? "";
        },
      );
    default: {
      const pure = Object.hasOwn(PURE_FUNCTIONS, name)
        ? PURE_FUNCTIONS[name]
        : Object.hasOwn(SPRIG_FUNCTIONS, name)
          ? SPRIG_FUNCTIONS[name]
          : undefined;
      if (pure !== undefined) {
        try {
          // A Sprig function returning nil (`sprig_fromJson` of junk, `sprig_first` of []) prints <no value>.
          return (pure(args.map(forFormat)) as Value) ?? NO_VALUE;
        } catch (error) {
          throw new StrongboxError(
            "E_TEMPLATE",
            `${ctx.file ?? "template"}:${at.line}:${at.column}: error calling ${name}: ${(error as Error).message}`,
            {
              hint: "check the function's arguments (consul-template's order: the piped value comes last)",
            },
          );
        }
      }
      throw new StrongboxError(
        "E_TEMPLATE",
        `${ctx.file ?? "template"}:${at.line}:${at.column}: unknown function ${name}`,
        {
          hint: "supported: secret, secrets, env, strongbox, ref, printf, index, eq, ne, not, and, or, len, toJSON, base64Encode, base64Decode",
        },
      );
    }
  }
}

const HTML_ESCAPES: Readonly<Record<string, string>> = {
  "&": "&amp;",
  "'": "&#39;",
  "<": "&lt;",
  ">": "&gt;",
  '"': "&#34;",
  "\0": "\uFFFD",
};

/** Go's `lt`, `le`, `gt`, `ge`: numbers with numbers, strings with strings, else an error. */
function compare(name: string, a: Value, b: Value, where: string): boolean {
  const comparable =
    (typeof a === "number" && typeof b === "number") ||
    (typeof a === "string" && typeof b === "string");
  if (!comparable)
    throw new StrongboxError(
      "E_TEMPLATE",
      `${where}: error calling ${name}: incompatible types for comparison`,
      {
        hint: "compare numbers with numbers and strings with strings (parseInt turns text into a number)",
      },
    );
  const x = a as number | string;
  const y = b as number | string;
  return name === "lt" ? x < y : name === "le" ? x <= y : name === "gt" ? x > y : x >= y;
}

/** `fmt.Sprint` (spaces between operands when neither is a string) or `fmt.Sprintln` (always, and a newline). */
function goPrint(args: readonly Value[], line: boolean): string {
  let out = "";
  for (const [i, arg] of args.entries()) {
    if (i > 0 && (line || (typeof arg !== "string" && typeof args[i - 1] !== "string"))) out += " ";
    out += arg === undefined ? "<nil>" : goSprint(arg as never);
  }
  return line ? `${out}\n` : out;
}

/** A missing key formats as Go's nil. */
function forFormat(value: Value): Value {
  return value === MISSING || value === NO_VALUE ? undefined : value;
}

/** How an action prints its value: Go's `fmt.Sprint` (maps as `map[k:v]`, lists as `[a b]`). */
function stringify(value: Value): string {
  // A JSON null is Go's nil interface, which a template prints as <no value>.
  if (value === NO_VALUE || value === null) return "<no value>";
  if (value === undefined || value === MISSING) return "";
  return goSprint(value);
}

function truthy(value: Value): boolean {
  if (
    value === undefined ||
    value === null ||
    value === false ||
    value === 0 ||
    value === "" ||
    value === MISSING ||
    value === NO_VALUE
  )
    return false;
  if (Array.isArray(value)) return value.length > 0;
  if (isObject(value)) return Object.keys(value).length > 0;
  return true;
}

function isObject(value: Value): value is Record<string, Value> {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}

function missing(
  ctx: RenderContext,
  at: { line: number; column: number },
  key: string,
): StrongboxError {
  return new StrongboxError(
    "E_TEMPLATE",
    `${ctx.file ?? "template"}:${at.line}:${at.column}: the key ${key} does not exist`,
    { hint: "fix the template, or render with --allow-missing to write it empty" },
  );
}

/** The functions templates may call. */
export const TEMPLATE_FUNCTIONS: ReadonlySet<string> = new Set([
  "secret",
  "secrets",
  "env",
  "strongbox",
  "ref",
  "printf",
  "toJSON",
  "toJSONPretty",
  "base64Encode",
  "base64Decode",
  "index",
  "eq",
  "ne",
  "not",
  "and",
  "or",
  "len",
  "envOrDefault",
  "mustEnv",
  "toUnescapedJSON",
  "toUnescapedJSONPretty",
  "executeTemplate",
  "file",
  "scratch",
  "pkiCert",
  "toTOML",
  "lt",
  "le",
  "gt",
  "ge",
  "print",
  "println",
  "html",
  "urlquery",
  "sprig_env",
  "sprig_expandenv",
  ...PURE_FUNCTION_NAMES,
  ...Object.keys(SPRIG_FUNCTIONS),
]);

/**
 * Rejects, before anything is read from Vault, a template that calls a
 * function Strongbox does not implement, naming its line and column.
 */
/** consul-template functions that read Consul or Nomad: nothing to render them from here. */
const CONSUL_ONLY = new Set([
  "key",
  "keyExists",
  "keyOrDefault",
  "ls",
  "safeLs",
  "tree",
  "safeTree",
  "node",
  "nodes",
  "service",
  "services",
  "connect",
  "caLeaf",
  "caRoots",
  "datacenters",
  "checks",
  "byKey",
  "byTag",
  "byMeta",
  "nomadService",
  "nomadServices",
  "nomadVar",
  "nomadVarList",
  "nomadVarExists",
  "partitions",
  "peerings",
  "exportedServices",
  "sameAsTagged",
]);

function unsupportedReason(name: string): string {
  if (CONSUL_ONLY.has(name))
    return `${name} reads Consul or Nomad, which Strongbox does not talk to; render it with consul-template, or move the value into Vault`;
  if (SPRIG_UNSUPPORTED.has(name))
    return `${name} is a Sprig function Strongbox does not implement (dates, key and certificate generators, AES, semver and URL helpers are left out)`;
  return `the function ${name} is not supported`;
}

export function checkFunctions(nodes: readonly Node[], file = "template"): void {
  const visit = (pipeline: Pipeline) => {
    for (const command of pipeline.commands) {
      const head = command[0];
      if (
        head?.kind === "ident" &&
        !["true", "false", "nil"].includes(head.text) &&
        !TEMPLATE_FUNCTIONS.has(head.text)
      ) {
        throw new StrongboxError(
          "E_TEMPLATE",
          `${file}:${head.line}:${head.column}: ${unsupportedReason(head.text)}`,
          { hint: "docs/render.md lists every function and its status" },
        );
      }
      for (const arg of command) if (arg.kind === "pipeline") visit(arg.pipeline);
    }
  };
  for (const node of nodes) {
    if (node.kind === "text" || node.kind === "break" || node.kind === "continue") continue;
    if (node.kind === "define") checkFunctions(node.body, file);
    else if (node.kind === "template") {
      if (node.pipeline !== undefined) visit(node.pipeline);
    } else {
      visit(node.pipeline);
      if (node.kind !== "output") {
        checkFunctions(node.body, file);
        checkFunctions(node.otherwise, file);
      }
    }
  }
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

/** Where `file` reads when the caller gave no scope: this process's directory and environment. */
function processScope(): ReadScope {
  return { roots: [process.cwd()], cwd: process.cwd(), env: process.env };
}

/** `env`, `envOrDefault` and `mustEnv` never read a credential Strongbox keeps to itself. */
function refuseCredential(
  variable: string,
  name: string,
  at: { line: number; column: number },
  ctx: RenderContext,
): void {
  if (isCredentialVariable(variable))
    throw new StrongboxError(
      "E_TEMPLATE",
      `${ctx.file ?? "template"}:${at.line}:${at.column}: ${name} "${variable}" reads a credential Strongbox keeps to itself`,
      {
        hint: "templates never read Vault or store credentials; render the secret itself with {{ with secret … }}",
      },
    );
}
