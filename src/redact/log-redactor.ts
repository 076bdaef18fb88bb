import type { ConfigSpec, VariableMap } from "../schema/types.js";
import { createRedactor, maskedValues, maskFor, type SecretToMask } from "./redactor.js";
import { type PiiKind, type ScrubOptions, scrubPii } from "./scrubbers.js";

/** How a {@link LogRedactor} is built. */
export interface LogRedactorOptions {
  /** Values to mask wherever they appear, in any encoding (secrets, `pii: true` variables). */
  readonly secrets?: readonly SecretToMask[];
  /** Field names whose values are masked whole in objects (`piiFields`); case, `_` and `-` ignored. */
  readonly fields?: readonly string[];
  /** Which pattern scrubbers run on free text (emails, phones, IBANs, cards by default); `false`: none. */
  readonly scrub?: ScrubOptions | false;
  /** What stands in for a masked value, given the secret's name, the field or the PII kind. */
  readonly replacement?: (what: string) => string;
}

/** Masks secrets and personal data in log lines, objects and errors. */
export interface LogRedactor {
  /** Free text: secret values (and their encodings), then PII patterns. */
  text(text: string): string;
  /** A deep copy of `value` with PII fields masked and every string passed through {@link text}. */
  value<T>(value: T): T;
  /** Whether a field name is one whose value is masked whole. */
  isPiiField(name: string): boolean;
}

/** Field names treated as personal data when a project names none. */
export const DEFAULT_PII_FIELDS: readonly string[] = [
  "email",
  "name",
  "firstName",
  "lastName",
  "fullName",
  "phone",
  "phoneNumber",
  "address",
  "street",
  "postcode",
  "zip",
  "dateOfBirth",
  "dob",
  "iban",
  "cardNumber",
  "ssn",
  "password",
];

const MAX_DEPTH = 12;

/**
 * Builds the one redactor that log integrations, client errors and `run`
 * share: secret values by value (every encoded form, as `run` masks them),
 * PII fields by name, and PII patterns in free text.
 */
export function createLogRedactor(options: LogRedactorOptions = {}): LogRedactor {
  const values = createRedactor(options.secrets ?? []);
  const replacement = options.replacement ?? maskFor;
  const fields = new Set((options.fields ?? DEFAULT_PII_FIELDS).map(normalize));
  const scrub = options.scrub;
  const text = (input: string): string => {
    const masked = values.redact(input);
    return scrub === false
      ? masked
      : scrubPii(masked, (kind: PiiKind) => replacement(kind), scrub ?? {});
  };
  const isPiiField = (name: string) => fields.has(normalize(name));
  const walk = (input: unknown, depth: number, seen: WeakMap<object, unknown>): unknown => {
    if (typeof input === "string") return text(input);
    if (input === null || typeof input !== "object") return input;
    if (seen.has(input)) return seen.get(input);
    if (depth > MAX_DEPTH) return "[too deep]";
    if (input instanceof Error) {
      const copy: Record<string, unknown> = { type: input.name, message: text(input.message) };
      if (input.stack !== undefined) copy.stack = text(input.stack);
      seen.set(input, copy);
      for (const [key, field] of Object.entries(input))
        copy[key] = isPiiField(key) ? replacement(key) : walk(field, depth + 1, seen);
      return copy;
    }
    if (Array.isArray(input)) {
      const copy: unknown[] = [];
      seen.set(input, copy);
      for (const item of input) copy.push(walk(item, depth + 1, seen));
      return copy;
    }
    if (input instanceof Date) return input;
    const copy: Record<string, unknown> = {};
    seen.set(input, copy);
    for (const [key, field] of Object.entries(input)) {
      // defineProperty: a key named __proto__ stays a plain key, as in the input.
      Object.defineProperty(copy, key, {
        value:
          isPiiField(key) && field !== undefined && field !== null
            ? replacement(key)
            : walk(field, depth + 1, seen),
        enumerable: true,
        writable: true,
        configurable: true,
      });
    }
    return copy;
  };
  return {
    text,
    isPiiField,
    value: <T>(input: T) => walk(input, 0, new WeakMap()) as T,
  };
}

/**
 * The redactor of a project: the values of its secret and `pii: true`
 * variables from a loaded config object, its `piiFields` (the defaults when
 * it names none), and the pattern scrubbers.
 */
export function logRedactorFor<V extends VariableMap>(
  spec: ConfigSpec<V>,
  loaded: Readonly<Record<string, unknown>>,
  options: Omit<LogRedactorOptions, "secrets" | "fields"> = {},
): LogRedactor {
  const secrets = maskedValues(
    Object.entries(spec.variables).map(([name, variable]) => {
      const value = loaded[name];
      return {
        name,
        secret: variable.secret === true,
        pii: variable.pii === true,
        ...(value === undefined || value === null
          ? {}
          : { raw: typeof value === "string" ? value : JSON.stringify(value) }),
      };
    }),
  );
  return createLogRedactor({
    ...options,
    secrets,
    fields: spec.piiFields ?? DEFAULT_PII_FIELDS,
  });
}

function normalize(name: string): string {
  return name.toLowerCase().replace(/[_-]/g, "");
}
