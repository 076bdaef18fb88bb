import { type Issue, issue } from "../errors.js";
import { coerceBuiltin } from "../schema/coerce.js";
import type { StandardSchemaV1 } from "../schema/standard-schema.js";
import type { VariableSpec } from "../schema/types.js";

export type Validated = { ok: true; value: unknown } | { ok: false; issue: Issue };

/**
 * Turns a raw string into the variable's typed value. Messages quote a value
 * only for plain (non-secret) variables; for secrets, anything a third-party
 * validator says is scrubbed of the value before it is kept.
 */
export function validateValue(
  name: string,
  spec: VariableSpec,
  raw: string,
  place: string,
): Validated | Promise<Validated> {
  if ("schema" in spec && spec.schema !== undefined)
    return validateStandard(name, spec, spec.schema, raw, place);
  const result = coerceBuiltin(spec, raw);
  if (result.ok) return { ok: true, value: result.value };
  const got = spec.secret === true ? "" : `, got ${quoteShort(raw)}`;
  return {
    ok: false,
    issue: issue("E_INVALID", `${name}: expected ${result.expected}${got} (from ${place})`, {
      variable: name,
      hint: `fix the value in ${place}`,
    }),
  };
}

function validateStandard(
  name: string,
  spec: VariableSpec,
  schema: StandardSchemaV1,
  raw: string,
  place: string,
): Validated | Promise<Validated> {
  let result: ReturnType<(typeof schema)["~standard"]["validate"]>;
  try {
    result = schema["~standard"].validate(raw);
  } catch {
    return threw(name, place);
  }
  if (result instanceof Promise)
    return result.then(
      (settled) => fromResult(name, spec, settled, raw, place),
      () => threw(name, place),
    );
  return fromResult(name, spec, result, raw, place);
}

/**
 * A validator that throws (a zod `transform` calling `JSON.parse`, say) has
 * the value in its message more often than not, so the message is dropped
 * whole: the variable and the place are named, nothing it said.
 */
function threw(name: string, place: string): Validated {
  return {
    ok: false,
    issue: issue(
      "E_INVALID",
      `${name}: the validator threw while checking the value (from ${place})`,
      {
        variable: name,
        hint: `fix the value in ${place}; the validator's own message is not shown, since it may quote the value`,
      },
    ),
  };
}

function fromResult(
  name: string,
  spec: VariableSpec,
  result: StandardSchemaV1.Result<unknown>,
  raw: string,
  place: string,
): Validated {
  if (result.issues === undefined) return { ok: true, value: result.value };
  const said = result.issues.map((item) => item.message).join("; ");
  const message = spec.secret === true ? scrub(said, raw) : said;
  return {
    ok: false,
    issue: issue("E_INVALID", `${name}: ${message} (from ${place})`, {
      variable: name,
      hint: `fix the value in ${place}`,
    }),
  };
}

/** Removes a secret, each of its lines and its JSON-escaped form from a message. */
function scrub(message: string, secret: string): string {
  const forms = [secret, JSON.stringify(secret).slice(1, -1), ...secret.split(/\r?\n/)].filter(
    (form) => form.length >= 3,
  );
  let out = message;
  for (const form of forms.sort((a, b) => b.length - a.length))
    out = out.replaceAll(form, "[redacted]");
  return out;
}

function quoteShort(raw: string): string {
  const text = raw.length > 40 ? `${raw.slice(0, 37)}...` : raw;
  return JSON.stringify(text);
}
