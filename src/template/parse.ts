import { lexTemplate, type Piece, type Token, templateError } from "./lex.js";

/** An argument of a template command. */
export type Arg =
  | {
      readonly kind: "ident" | "field" | "variable" | "string" | "number";
      readonly text: string;
      readonly value?: string;
      readonly line: number;
      readonly column: number;
    }
  | {
      readonly kind: "pipeline";
      readonly pipeline: Pipeline;
      /** Fields read from the result: `(parseJSON .x).a.b` (Go's chain node). */
      readonly fields?: readonly string[];
      readonly line: number;
      readonly column: number;
    };

/** Commands joined by `|`; each command is a function or value and its arguments. */
export interface Pipeline {
  readonly declare?: string;
  /** `$x = …` (Go's assignment, which changes the variable where it was declared), not `:=`. */
  readonly assign?: true;
  readonly commands: ReadonlyArray<readonly Arg[]>;
}

export type Node =
  | { readonly kind: "text"; readonly text: string; readonly line: number; readonly column: number }
  | {
      readonly kind: "output";
      readonly pipeline: Pipeline;
      readonly line: number;
      readonly column: number;
    }
  | {
      readonly kind: "with" | "if" | "range";
      readonly pipeline: Pipeline;
      readonly body: readonly Node[];
      readonly otherwise: readonly Node[];
      readonly line: number;
      readonly column: number;
    }
  | {
      /** `{{ define "name" }}…{{ end }}` (and the definition half of a `block`). */
      readonly kind: "define";
      readonly name: string;
      readonly body: readonly Node[];
      readonly line: number;
      readonly column: number;
    }
  | {
      /** `{{ template "name" pipeline }}`: runs a definition with the pipeline's value as dot. */
      readonly kind: "template";
      readonly name: string;
      readonly pipeline?: Pipeline;
      readonly line: number;
      readonly column: number;
    }
  | { readonly kind: "break"; readonly line: number; readonly column: number }
  | { readonly kind: "continue"; readonly line: number; readonly column: number };

/**
 * Parses the consul-template / vault-agent subset used in `secrets.ctmpl`
 * files: text, `{{ pipeline }}`, `with`/`if`/`range` with `else` (and `else
 * if`/`else with`), `end`, comments and `{{-`/`-}}` trim markers. Anything else
 * (`define`, `template`, an `end` too many, an unclosed block) is an
 * `E_TEMPLATE` error naming file, line and column, never silently ignored.
 */
export function parseTemplate(source: string, file = "template"): Node[] {
  const parser: Parser = {
    pieces: applyTrim(lexTemplate(source, file)),
    file,
    source,
    index: 0,
    rangeDepth: 0,
  };
  return parseList(parser, []).nodes;
}

/** An action piece: `{{ … }}` with its tokens. */
type Action = Piece & { kind: "action" };

/** Where the parse stands: the next piece, and how many `range`s enclose it. */
interface Parser {
  readonly pieces: Piece[];
  readonly file: string;
  readonly source: string;
  index: number;
  rangeDepth: number;
}

/** Nodes up to one of `closers` (`end`, `else`), and the action that closed them. */
function parseList(parser: Parser, closers: readonly string[]): { nodes: Node[]; closer?: Action } {
  const { pieces, file } = parser;
  const nodes: Node[] = [];
  while (parser.index < pieces.length) {
    const piece = pieces[parser.index++] as Piece;
    if (piece.kind === "text") {
      if (piece.text !== "") nodes.push(piece);
      continue;
    }
    if (piece.comment) continue;
    const first = piece.tokens[0];
    if (first === undefined) throw templateError(file, piece, "empty action");
    if (first.kind === "ident" && (first.text === "end" || first.text === "else")) {
      if (!closers.includes(first.text))
        throw templateError(file, piece, `unexpected {{ ${first.text} }}`);
      return { nodes, closer: piece };
    }
    nodes.push(...parseAction(parser, piece, first));
  }
  if (closers.length > 0)
    throw templateError(
      file,
      { line: parser.source.split("\n").length, column: 1 },
      "a with/if/range block is never closed with {{ end }}",
    );
  return { nodes };
}

/** The nodes of one action that is not a closer: a keyword's, or an output. */
function parseAction(parser: Parser, piece: Action, first: Token): Node[] {
  if (first.kind === "ident") {
    if (first.text === "break" || first.text === "continue")
      return [parseLoopControl(parser, piece, first.text)];
    if (first.text === "define" || first.text === "template" || first.text === "block")
      return parseDefinition(parser, piece, first.text);
    if (first.text === "with" || first.text === "if" || first.text === "range")
      return [parseBlock(parser, first.text, piece.tokens.slice(1), piece)];
  }
  return [
    {
      kind: "output",
      pipeline: parsePipeline(piece.tokens, parser.file),
      line: piece.line,
      column: piece.column,
    },
  ];
}

function parseLoopControl(parser: Parser, piece: Action, keyword: "break" | "continue"): Node {
  if (parser.rangeDepth === 0)
    throw templateError(parser.file, piece, `{{ ${keyword} }} outside {{ range }}`);
  if (piece.tokens.length > 1)
    throw templateError(parser.file, piece, `{{ ${keyword} }} takes nothing after it`);
  return keyword === "break"
    ? { kind: "break", line: piece.line, column: piece.column }
    : { kind: "continue", line: piece.line, column: piece.column };
}

/** `define` (a definition), `template` (a call) and `block` (both at once). */
function parseDefinition(
  parser: Parser,
  piece: Action,
  keyword: "define" | "template" | "block",
): Node[] {
  const { file } = parser;
  const name = piece.tokens[1];
  if (name?.kind !== "string")
    throw templateError(file, piece, `{{ ${keyword} }} needs a quoted template name`);
  const argument = piece.tokens.slice(2);
  if (keyword === "define" && argument.length > 0)
    throw templateError(file, piece, "{{ define }} takes only a name");
  const pipeline = argument.length === 0 ? undefined : parsePipeline(argument, file);
  const nodes: Node[] = [];
  if (keyword !== "template")
    nodes.push({
      kind: "define",
      name: name.value ?? "",
      body: parseDefinitionBody(parser, piece, keyword),
      line: piece.line,
      column: piece.column,
    });
  if (keyword !== "define")
    nodes.push({
      kind: "template",
      name: name.value ?? "",
      ...(pipeline === undefined ? {} : { pipeline }),
      line: piece.line,
      column: piece.column,
    });
  return nodes;
}

function parseDefinitionBody(parser: Parser, piece: Action, keyword: string): Node[] {
  // A definition's body is its own: a break inside it belongs to no range around it.
  const outer = parser.rangeDepth;
  parser.rangeDepth = 0;
  const body = parseList(parser, ["end"]);
  parser.rangeDepth = outer;
  if (body.closer?.tokens[0]?.text !== "end" || body.closer.tokens.length > 1)
    throw templateError(
      parser.file,
      body.closer ?? piece,
      `{{ ${keyword} }} ends with a plain {{ end }}`,
    );
  return body.nodes;
}

function parseBlock(
  parser: Parser,
  kind: "with" | "if" | "range",
  tokens: readonly Token[],
  at: Piece,
): Node {
  const pipeline = parsePipeline(tokens, parser.file);
  if (kind === "range") parser.rangeDepth++;
  const body = parseList(parser, ["else", "end"]);
  if (kind === "range") parser.rangeDepth--;
  let otherwise: Node[] = [];
  if (body.closer?.tokens[0]?.text === "else") {
    const rest = body.closer.tokens.slice(1);
    const nested = rest[0];
    if (
      nested !== undefined &&
      nested.kind === "ident" &&
      (nested.text === "if" || nested.text === "with")
    ) {
      // `else if` / `else with` share the outer block's {{ end }}.
      parser.index--;
      const inner = { ...body.closer, tokens: rest } as Action;
      parser.pieces[parser.index] = inner;
      otherwise = [parseChained(parser, nested.text, inner)];
    } else {
      otherwise = parseList(parser, ["end"]).nodes;
    }
  }
  return { kind, pipeline, body: body.nodes, otherwise, line: at.line, column: at.column };
}

function parseChained(parser: Parser, kind: "if" | "with", piece: Action): Node {
  parser.index++;
  return parseBlock(parser, kind, piece.tokens.slice(1), piece);
}

/** Applies `{{-` and `-}}`: trims the whitespace of the neighbouring text. */
function applyTrim(pieces: Piece[]): Piece[] {
  return pieces.map((piece, i) => {
    if (piece.kind !== "text") return piece;
    const before = pieces[i - 1];
    const after = pieces[i + 1];
    let text = piece.text;
    // Go trims ASCII white space only (space, tab, CR, LF), never U+00A0 and its kin.
    if (before?.kind === "action" && before.trimRight) text = text.replace(/^[ \t\r\n]+/, "");
    if (after?.kind === "action" && after.trimLeft) text = text.replace(/[ \t\r\n]+$/, "");
    return { ...piece, text };
  });
}

function parsePipeline(tokens: readonly Token[], file: string): Pipeline {
  let rest = [...tokens];
  let declare: string | undefined;
  let assign = false;
  if (rest[0]?.kind === "variable" && (rest[1]?.kind === "declare" || rest[1]?.kind === "assign")) {
    declare = rest[0].text;
    assign = rest[1].kind === "assign";
    rest = rest.slice(2);
  } else if (
    rest[0]?.kind === "variable" &&
    rest[1]?.kind === "comma" &&
    rest[2]?.kind === "variable" &&
    rest[3]?.kind === "declare"
  ) {
    // range $key, $value := …
    declare = `${rest[0].text}, ${rest[2].text}`;
    rest = rest.slice(4);
  }
  const commands: Arg[][] = [[]];
  for (let i = 0; i < rest.length; i++) {
    const token = rest[i] as Token;
    if (token.kind === "pipe") {
      commands.push([]);
      continue;
    }
    if (token.kind === "rparen") throw templateError(file, token, "unmatched )");
    if (token.kind === "lparen") {
      let depth = 1;
      let j = i + 1;
      for (; j < rest.length && depth > 0; j++)
        depth += rest[j]?.kind === "lparen" ? 1 : rest[j]?.kind === "rparen" ? -1 : 0;
      if (depth !== 0) throw templateError(file, token, "unclosed (");
      const pipeline = parsePipeline(rest.slice(i + 1, j - 1), file);
      // A field right after the ")" reads from the result: `(parseJSON .x).a`.
      const close = rest[j - 1] as Token;
      const after = rest[j];
      const chained =
        after?.kind === "field" && after.line === close.line && after.column === close.column + 1;
      (commands.at(-1) as Arg[]).push({
        kind: "pipeline",
        pipeline,
        ...(chained ? { fields: after.text.split(".").filter(Boolean) } : {}),
        line: token.line,
        column: token.column,
      });
      i = chained ? j : j - 1;
      continue;
    }
    if (token.kind === "declare" || token.kind === "assign" || token.kind === "comma")
      throw templateError(file, token, `unexpected ${token.text}`);
    (commands.at(-1) as Arg[]).push(token as Arg);
  }
  if (commands.some((command) => command.length === 0))
    throw templateError(file, tokens[0] ?? { line: 0, column: 0 }, "empty command in a pipeline");
  if (declare === undefined) return { commands };
  return assign ? { declare, assign: true, commands } : { declare, commands };
}
