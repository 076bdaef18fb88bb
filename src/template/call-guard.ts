import { StrongboxError } from "../errors.js";
import { holdsSecret, messageRedactor, registerSecretData } from "../redact/registry.js";
import { rereadBytes } from "./go-bytes.js";

/** Functions whose first argument is a Vault path: the value is sent to the server. */
const VAULT_PATH_FUNCTIONS = new Set(["secret", "secrets", "pkiCert"]);

/** How many strings of a computed argument are looked at (a large map passed to toTOML). */
const MAX_STRINGS = 2000;

/**
 * One template function call, held to two rules (and its string result read
 * again as Go's bytes, see the end).
 *
 * A template error quotes only what the template's author wrote: every
 * string computed at render time (a secret's field, a file's content, an
 * environment value, a pipeline's result) that the call received is masked,
 * in every form and by any long-enough part, in the error's message and
 * hint, whatever function raised it (`parseJSON`'s "… is not valid JSON",
 * `sprig_fail`, `mustEnv`, `executeTemplate`, `file`, a Vault path that was
 * not found…). String literals written in the template stay quoted.
 *
 * A value read as a secret never becomes a Vault path: a computed path that
 * holds one (whole, encoded, or a part the message redactor would mask) is
 * refused before anything is sent (it would land in the
 * server's request logs). What `secret` and `pkiCert` return is registered
 * as read, so no later message of this process prints it.
 */
export async function guardedCall<T>(
  name: string,
  args: readonly unknown[],
  computed: readonly boolean[],
  where: string,
  invoke: () => Promise<T>,
): Promise<T> {
  if (VAULT_PATH_FUNCTIONS.has(name) && computed[0] === true && holdsSecret(String(args[0] ?? "")))
    throw new StrongboxError(
      "E_TEMPLATE",
      `${where}: the path given to ${name} holds a secret value; it was not sent to Vault`,
      {
        hint: "build Vault paths from names (literals, env, strongbox of a non-secret variable), never from a secret's value",
      },
    );
  let result: T;
  try {
    result = await invoke();
  } catch (error) {
    // A Vault path is a name, printed and audited as such (a path holding a secret value was
    // refused above): it stays in the message, so "no secret at PATH" still says which.
    const quoted = VAULT_PATH_FUNCTIONS.has(name) ? computed.map((c, i) => c && i > 0) : computed;
    throw quiet(error, computedStrings(args, quoted));
  }
  if (name === "secret" || name === "pkiCert")
    registerSecretData(`${name} result`, secretPart(result));
  // Not a guard, but this is where every call's result passes: a string made by joining
  // pieces is read as Go reads its bytes, whichever function joined them (go-bytes.ts).
  return (typeof result === "string" ? rereadBytes(result) : result) as T;
}

/** The secret part of a response: a KV v2 secret's `data` (not its metadata), else all of `Data`. */
function secretPart(result: unknown): unknown {
  const data = (result as { Data?: unknown; Key?: unknown } | undefined)?.Data;
  if (data !== null && typeof data === "object" && "data" in data && "metadata" in data)
    return (data as { data: unknown }).data;
  return data ?? (result as { Key?: unknown } | undefined)?.Key;
}

function computedStrings(args: readonly unknown[], computed: readonly boolean[]): string[] {
  const out: string[] = [];
  const walk = (value: unknown, depth: number) => {
    if (out.length >= MAX_STRINGS) return;
    if (typeof value === "string") out.push(value);
    else if (depth < 8 && value !== null && typeof value === "object")
      for (const item of Object.values(value)) walk(item, depth + 1);
  };
  for (const [i, arg] of args.entries()) if (computed[i] === true) walk(arg, 0);
  return out;
}

/** `error` with every computed string masked in its message and hint; anything else as it was. */
function quiet(error: unknown, strings: readonly string[]): unknown {
  if (!(error instanceof StrongboxError) || strings.length === 0) return error;
  const redactor = messageRedactor(strings.map((value) => ({ name: "value", value })));
  const message = redactor.redact(error.message);
  const hint = error.hint === undefined ? undefined : redactor.redact(error.hint);
  if (message === error.message && hint === error.hint) return error;
  // No cause: the original may carry the value in its own message.
  return new StrongboxError(error.code, message, { hint, variable: error.variable });
}
