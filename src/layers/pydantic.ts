import type { DeclaredSetting } from "../schema/settings-field.js";
import type { BuiltinType } from "../schema/types.js";
import { type LogicalLine, logicalLines, pythonLiteral, splitArguments } from "./python-text.js";

/**
 * One field of a Pydantic `BaseSettings` class, as read from the source
 * without running Python (seed 000's layer 2, `config.py`): the declared
 * setting and where it was written.
 */
export interface SettingsField extends DeclaredSetting {
  /** The attribute name (`database_url`). */
  readonly field: string;
  /** 1-based line of the field in the file. */
  readonly line: number;
  /** The annotation as written (`Optional[SecretStr]`). */
  readonly annotation: string;
}

/** A settings class found in a file. */
export interface SettingsClass {
  readonly name: string;
  readonly line: number;
  readonly envPrefix: string;
  readonly fields: readonly SettingsField[];
}

/** Bases that make a class a settings class (pydantic-settings and pydantic v1). */
const SETTINGS_BASE = /\bBaseSettings\b/;

/**
 * Reads every `BaseSettings` subclass of a Python file statically: its
 * annotated fields at the class's own indentation (nested classes, methods,
 * decorators and `ClassVar`s are skipped), `Field(...)` defaults and aliases,
 * and `env_prefix` from `model_config = SettingsConfigDict(...)` or a v1
 * `class Config:`. Nothing is executed: a default that is not a literal is
 * reported as present but unknown.
 */
export function readSettingsClasses(text: string): SettingsClass[] {
  const lines = logicalLines(text);
  const classes: SettingsClass[] = [];
  for (let i = 0; i < lines.length; i++) {
    const head = /^class\s+(\w+)\s*\(([^)]*)\)\s*:/.exec(lines[i]?.text ?? "");
    if (head === null || !SETTINGS_BASE.test(head[2] ?? "")) continue;
    const body = classBody(lines, i);
    classes.push({
      name: head[1] ?? "",
      line: lines[i]?.line ?? 0,
      ...readBody(body.own, body.nested),
    });
  }
  return classes;
}

/** The statements at a class's own indentation, and the nested `class Config:` bodies. */
function classBody(
  lines: readonly LogicalLine[],
  at: number,
): { own: LogicalLine[]; nested: Map<string, LogicalLine[]> } {
  const indent = lines[at]?.indent ?? 0;
  const own: LogicalLine[] = [];
  const nested = new Map<string, LogicalLine[]>();
  let bodyIndent: number | undefined;
  let inside: LogicalLine[] | undefined;
  for (let i = at + 1; i < lines.length; i++) {
    const line = lines[i] as LogicalLine;
    if (line.indent <= indent) break;
    bodyIndent ??= line.indent;
    if (line.indent > bodyIndent) {
      inside?.push(line);
      continue;
    }
    const nestedClass = /^class\s+(\w+)/.exec(line.text);
    inside = nestedClass === null ? undefined : [];
    if (nestedClass !== null && inside !== undefined) nested.set(nestedClass[1] ?? "", inside);
    else own.push(line);
  }
  return { own, nested };
}

/** The fields and prefix of one class body. */
function readBody(
  own: readonly LogicalLine[],
  nested: ReadonlyMap<string, LogicalLine[]>,
): { envPrefix: string; fields: SettingsField[] } {
  let envPrefix = "";
  for (const line of nested.get("Config") ?? []) {
    const v1 = /^env_prefix\s*=\s*(.+)$/.exec(line.text);
    const value = v1 === null ? undefined : pythonLiteral(v1[1] ?? "");
    if (typeof value === "string") envPrefix = value;
  }
  const config = /^model_config\s*(?::[^=]*)?=\s*(?:SettingsConfigDict|dict)\s*\((.*)\)\s*$/s.exec(
    own.find((line) => line.text.startsWith("model_config"))?.text ?? "",
  );
  const prefix =
    config === null ? undefined : splitArguments(config[1] ?? "").named.get("env_prefix");
  const literal = prefix === undefined ? undefined : pythonLiteral(prefix);
  if (typeof literal === "string") envPrefix = literal;
  const fields = own.flatMap((line) => {
    const field = readField(line, envPrefix);
    return field === undefined ? [] : [field];
  });
  return { envPrefix, fields };
}

/** One `name: Annotation [= value]` statement, or undefined for anything else. */
function readField(line: LogicalLine, envPrefix: string): SettingsField | undefined {
  const match = /^([A-Za-z]\w*)\s*:\s*(.+?)\s*(?:=\s*(.+))?$/s.exec(line.text);
  if (match === null) return undefined;
  const [, field = "", annotation = "", value] = match;
  if (field === "model_config" || /^(typing\.)?ClassVar\b/.test(annotation)) return undefined;
  const shape = annotationShape(annotation);
  const assigned = value === undefined ? undefined : assignedValue(value);
  const alias = assigned?.alias;
  const description = assigned?.description ?? line.comment;
  return {
    field,
    envName: alias ?? `${envPrefix}${field}`.toUpperCase(),
    line: line.line,
    annotation,
    ...shape,
    hasDefault: assigned?.hasDefault ?? false,
    ...(assigned?.hasDefault === true && assigned.literal !== undefined
      ? { default: assigned.literal }
      : {}),
    ...(description === undefined ? {} : { description }),
  };
}

/** What an annotation says: the type, `SecretStr`, optional, `Literal` values. */
function annotationShape(
  annotation: string,
): Pick<SettingsField, "type" | "secret" | "optional" | "values"> {
  let text = annotation.replace(/\s+/g, " ").trim();
  const annotated = /^(?:typing\.)?Annotated\[\s*(.+?)\s*,/.exec(text);
  if (annotated !== null) text = annotated[1] ?? text;
  let optional = false;
  const wrapped = /^(?:typing\.)?Optional\[\s*(.+)\s*\]$/.exec(text);
  if (wrapped !== null) {
    optional = true;
    text = wrapped[1] ?? text;
  }
  const union = /^(?:typing\.)?Union\[\s*(.+)\s*\]$/.exec(text);
  const parts =
    union !== null
      ? splitArguments(union[1] ?? "").positional
      : splitArguments(text, "|").positional;
  const kept = parts.filter((part) => part !== "None");
  if (kept.length < parts.length) optional = true;
  if (union === null && kept.length === parts.length && parts.length > 1)
    return { type: "string", secret: false, optional };
  const core = kept.length === 1 ? (kept[0] ?? "") : union === null ? text : "";
  const literal = /^(?:typing\.)?Literal\[(.+)\]$/.exec(core);
  if (literal !== null) {
    const values = splitArguments(literal[1] ?? "").positional.map(pythonLiteral);
    if (values.every((value) => typeof value === "string"))
      return { type: "enum", secret: false, optional, values: values as string[] };
  }
  return { type: typeOf(core), secret: /^(?:pydantic\.)?Secret(Str|Bytes)$/.test(core), optional };
}

/** The built-in type of a Python type name. */
function typeOf(core: string): BuiltinType {
  const name = core.replace(/^(pydantic|typing)\./, "");
  if (name === "int" || name === "PositiveInt" || name === "NonNegativeInt") return "int";
  if (name === "float" || name === "PositiveFloat" || name === "Decimal") return "number";
  if (name === "bool" || name === "StrictBool") return "boolean";
  if (/(Url|Dsn)$/.test(name)) return "url";
  if (/^(timedelta)$/.test(name)) return "duration";
  if (/^(list|List|set|Set|tuple|Tuple)\b/.test(name)) return "list";
  if (/^(dict|Dict|Json)\b/.test(name)) return "json";
  return "string";
}

/** The right-hand side of a field: `Field(...)` or a plain default. */
function assignedValue(value: string): {
  hasDefault: boolean;
  literal?: string | number | boolean | null | undefined;
  alias?: string;
  description?: string;
} {
  const call = /^(?:pydantic\.)?Field\s*\((.*)\)$/s.exec(value.trim());
  if (call === null) return { hasDefault: true, literal: pythonLiteral(value) };
  const args = splitArguments(call[1] ?? "");
  const given = args.named.get("default") ?? args.positional[0];
  const aliasText = args.named.get("validation_alias") ?? args.named.get("alias");
  const alias = aliasText === undefined ? undefined : pythonLiteral(aliasText);
  const description = args.named.get("description");
  const described = description === undefined ? undefined : pythonLiteral(description);
  const hasDefault = (given !== undefined && given !== "...") || args.named.has("default_factory");
  return {
    hasDefault,
    ...(given === undefined || given === "..." ? {} : { literal: pythonLiteral(given) }),
    ...(typeof alias === "string" ? { alias } : {}),
    ...(typeof described === "string" ? { description: described } : {}),
  };
}
