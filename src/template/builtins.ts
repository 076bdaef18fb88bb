import { StrongboxError } from "../errors.js";
import { readGuarded } from "../security/read-guard.js";
import { type At, processScope, type Run, readEnv, where } from "./context.js";
import { PURE_FUNCTIONS, strictBase64 } from "./functions.js";
import { bytesToText, textToBytes } from "./go-bytes.js";
import { goJson, goSprintf } from "./go-format.js";
import { goToml } from "./go-toml.js";
import { pkiCert } from "./pki-cert.js";
import { SPRIG_FUNCTIONS } from "./sprig.js";
import {
  compare,
  forFormat,
  goHtml,
  goIndex,
  goLen,
  goPrint,
  goUrlQuery,
  NO_VALUE,
  truthy,
  type Value,
} from "./values.js";

/** A call being made: the name it was called by, where, and the render it belongs to. */
export interface CallSite {
  readonly name: string;
  readonly at: At;
  readonly run: Run;
}

/** One template function: its evaluated arguments (a piped value last) in, its value out. */
export type Builtin = (args: Value[], site: CallSite) => Value | Promise<Value>;

/** The first argument as text, as Go's `%v` of a string argument reads it. */
const first = (args: readonly Value[]): string => String(args[0] ?? "");

/**
 * The functions that reach the render context (Vault, the environment, files,
 * other definitions) or Go's template builtins. Functions that need nothing but
 * their arguments live in functions.ts (consul-template's) and sprig*.ts.
 */
const BUILTINS: Readonly<Record<string, Builtin>> = {
  secret: readSecret,
  secrets: async (args, { run }) => (await run.list?.(first(args))) ?? [],
  pkiCert: (args, { run, at }) =>
    pkiCert(
      first(args),
      args.slice(1).map((arg) => String(arg ?? "")),
      run,
      at,
    ),
  strongbox: (args, site) => resolveWith(site.run.variable, args, site),
  ref: (args, site) => resolveWith(site.run.ref, args, site),
  env: envValue,
  sprig_env: envValue,
  envOrDefault: (args, { name, at, run }) =>
    readEnv(first(args), name, at, run) ?? String(args[1] ?? ""),
  mustEnv,
  sprig_expandenv: expandEnv,
  file: readFile,
  executeTemplate: (args, { run, at }) =>
    run.execute(run, first(args), args.length > 1 ? args[1] : NO_VALUE, at),
  printf: (args) => goSprintf(first(args), args.slice(1).map(forFormat)),
  print: (args) => goPrint(args.map(forFormat), false),
  println: (args) => goPrint(args.map(forFormat), true),
  html: (args) => goHtml(args),
  urlquery: (args) => goUrlQuery(args),
  toJSON: ([value]) => goJson(value),
  toJSONPretty: ([value]) => goJson(value, "  "),
  toUnescapedJSON: ([value]) => goJson(value, undefined, false),
  toUnescapedJSONPretty: ([value]) => goJson(value, "  ", false),
  toTOML: toToml,
  base64Encode: (args) => textToBytes(first(args)).toString("base64"),
  base64Decode,
  index: ([base, ...keys]) => goIndex(base, keys),
  len: ([value]) => goLen(value),
  eq: ([a, ...others]) => others.some((other) => other === a),
  ne: ([a, b]) => a !== b,
  not: ([value]) => !truthy(value),
  and: (args) => args.find((arg) => !truthy(arg)) ?? args.at(-1),
  or: (args) => args.find((arg) => truthy(arg)) ?? args.at(-1),
  lt: goCompare,
  le: goCompare,
  gt: goCompare,
  ge: goCompare,
};

/**
 * Every function a template may call, by name: the builtins above over
 * consul-template's pure functions over Sprig's (a name in two is the former's).
 */
const FUNCTIONS: Readonly<Record<string, Builtin>> = {
  ...pureBuiltins(SPRIG_FUNCTIONS),
  ...pureBuiltins(PURE_FUNCTIONS),
  ...BUILTINS,
};

/** The functions templates may call (`scratch`, a method holder, is the evaluator's). */
export const TEMPLATE_FUNCTIONS: ReadonlySet<string> = new Set([
  ...Object.keys(FUNCTIONS),
  "scratch",
]);

/** Calls template function `name`; one Strongbox does not know is an error naming its position. */
export async function callFunction(name: string, args: Value[], at: At, run: Run): Promise<Value> {
  const fn = Object.hasOwn(FUNCTIONS, name) ? FUNCTIONS[name] : undefined;
  if (fn === undefined)
    throw new StrongboxError("E_TEMPLATE", `${where(run, at)}: unknown function ${name}`, {
      hint: "supported: secret, secrets, env, strongbox, ref, printf, index, eq, ne, not, and, or, len, toJSON, base64Encode, base64Decode",
    });
  return fn(args, { name, at, run });
}

/** A function of its arguments alone, as the table calls it: nil prints <no value>, a throw says where. */
function pureBuiltins(
  functions: Readonly<Record<string, (args: unknown[]) => unknown>>,
): Record<string, Builtin> {
  return Object.fromEntries(
    Object.entries(functions).map(([name, pure]) => [name, pureBuiltin(pure)]),
  );
}

function pureBuiltin(pure: (args: unknown[]) => unknown): Builtin {
  return (args, { name, at, run }) => {
    try {
      // A Sprig function returning nil (`sprig_fromJson` of junk, `sprig_first` of []) prints <no value>.
      return (pure(args.map(forFormat)) as Value) ?? NO_VALUE;
    } catch (error) {
      throw new StrongboxError(
        "E_TEMPLATE",
        `${where(run, at)}: error calling ${name}: ${(error as Error).message}`,
        {
          hint: "check the function's arguments (consul-template's order: the piped value comes last)",
        },
      );
    }
  };
}

async function readSecret(args: Value[], { at, run }: CallSite): Promise<Value> {
  const path = first(args);
  // `printf "secret/data/%s/app" (env "ENV")` with ENV unset: refuse, do not read another path.
  if (path === "" || /(^|\/)\//.test(path) || path.startsWith("/"))
    throw new StrongboxError(
      "E_TEMPLATE",
      `${where(run, at)}: the secret path "${path}" has an empty segment`,
      {
        hint: 'a variable in the path is probably unset (env "ENV"?); set it, or fix the template',
      },
    );
  const params = args.slice(1).map((arg) => String(arg ?? ""));
  const secret = await run.secret(path, params);
  if (secret === undefined && !run.allowMissing)
    throw new StrongboxError("E_TEMPLATE", `${where(run, at)}: no secret at ${path}`, {
      hint: "check the path, or render with --allow-missing",
    });
  return secret;
}

/** `strongbox` and `ref`: resolved by the config, which a bare render does not have. */
function resolveWith(
  resolver: ((text: string) => Promise<string>) | undefined,
  args: Value[],
  { name, at, run }: CallSite,
): Promise<string> {
  if (resolver === undefined)
    throw new StrongboxError(
      "E_TEMPLATE",
      `${where(run, at)}: {{ ${name} }} needs a strongbox config`,
      { hint: "run render where strongbox.config.ts or .yaml is found, or pass --config" },
    );
  return resolver(first(args));
}

function envValue(args: Value[], { name, at, run }: CallSite): string {
  return readEnv(first(args), name, at, run) ?? "";
}

function mustEnv(args: Value[], { name, at, run }: CallSite): string {
  const variable = first(args);
  const value = readEnv(variable, name, at, run) ?? "";
  if (value === "")
    throw new StrongboxError(
      "E_TEMPLATE",
      `${where(run, at)}: error calling mustEnv: required environment variable ${variable} is empty`,
      { hint: `set ${variable} for the process that renders` },
    );
  return value;
}

/** os.ExpandEnv: $NAME and ${NAME}; each name passes the credential rule. */
function expandEnv(args: Value[], { name, at, run }: CallSite): string {
  return first(args).replace(
    /\$(\{([^}]*)\}|([A-Za-z0-9_]+))/g,
    (_whole, _inner, braced: string | undefined, bare: string | undefined) =>
      readEnv(braced ?? bare ?? "", name, at, run) ?? "",
  );
}

function readFile(args: Value[], { at, run }: CallSite): string {
  const path = first(args);
  // One guard for every read a template, ref or config asks for (security/read-guard.ts).
  let bytes: Buffer;
  try {
    bytes = readGuarded(path, run.reads ?? processScope());
  } catch (error) {
    if (!(error instanceof StrongboxError)) throw error;
    throw error.code === "E_IO"
      ? new StrongboxError(
          "E_TEMPLATE",
          `${where(run, at)}: file "${path}" cannot be read (missing, or not permitted)`,
          { hint: "check the path; it is relative to the directory render runs in" },
        )
      : new StrongboxError("E_TEMPLATE", `${where(run, at)}: ${error.message}`, {
          hint: error.hint ?? "check the path",
        });
  }
  const content = bytesToText(bytes);
  run.onFile?.(path, content);
  return content;
}

function base64Decode(args: Value[], { at, run }: CallSite): string {
  try {
    return strictBase64(first(args), "base64Decode");
  } catch (error) {
    throw new StrongboxError(
      "E_TEMPLATE",
      `${where(run, at)}: error calling base64Decode: ${(error as Error).message}`,
      {
        hint: "base64Decode takes standard base64 with padding (base64URLDecode takes - and _)",
      },
    );
  }
}

function toToml([value]: Value[], { at, run }: CallSite): string {
  try {
    return goToml(forFormat(value));
  } catch (error) {
    throw new StrongboxError(
      "E_TEMPLATE",
      `${where(run, at)}: error calling toTOML: ${(error as Error).message}`,
      { hint: "toTOML takes a map (a secret's .Data.data, parseJSON of an object…)" },
    );
  }
}

function goCompare([a, b]: Value[], { name, at, run }: CallSite): boolean {
  return compare(name, a, b, where(run, at));
}
