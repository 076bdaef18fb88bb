/**
 * The words that make a name a secret's when they END it, as a whole part:
 * `STRIPE_API_KEY`, `SESSION_SECRET`, `DB_PASSWORD`, `SENTRY_DSN`. A word
 * followed by other parts names a property of the credential, not the
 * credential (`ACCESS_TOKEN_EXPIRE_MINUTES`, `PASSWORD_MIN_LENGTH`,
 * `TOKEN_URL`), and a word inside a part is another word (`TOKENIZER`,
 * `MONKEY`, `PASSENGER`).
 */
export const SECRET_NAME_WORDS: readonly string[] = Object.freeze([
  "KEY",
  "APIKEY",
  "SECRET",
  "TOKEN",
  "PASSWORD",
  "PASSWD",
  "PASS",
  "PWD",
  "PASSPHRASE",
  "CREDENTIAL",
  "CREDENTIALS",
  "DSN",
  "SALT",
  "PEPPER",
  "AUTH",
  "WEBHOOK",
]);

/**
 * Parts that may follow a credential word and still name the credential
 * itself: its encoding (`SECRET_KEY_BASE64`), a plural (`API_KEYS`) is
 * handled as the word, and `ID` after a word (`VAULT_DEV_ROOT_TOKEN_ID`,
 * `AWS_ACCESS_KEY_ID`, AppRole's `SECRET_ID`) names login material too.
 */
export const SECRET_NAME_TAILS: readonly string[] = Object.freeze([
  "ID",
  "B64",
  "BASE64",
  "HEX",
  "PEM",
  "RAW",
  "VALUE",
  "BASE",
]);

/** Whole names that hold a credential without saying so in a word. */
const SECRET_WHOLE_NAMES = new Set(["DATABASE_URL"]);

/** A URL that carries a password: `scheme://user:password@host`. */
const URL_WITH_PASSWORD = /^[a-z][a-z0-9+.-]*:\/\/[^/@\s:]*:[^/@\s]+@/i;

const isWord = (part: string | undefined): boolean =>
  part !== undefined &&
  (SECRET_NAME_WORDS.includes(part) ||
    (part.endsWith("S") && SECRET_NAME_WORDS.includes(part.slice(0, -1))));

/**
 * The one rule for "this name holds a secret" when nothing declares it:
 * split at `_`, `-` and `.`, the last part is a credential word (or its
 * plural), or the last part is a tail of {@link SECRET_NAME_TAILS} right
 * after one. `init --from`, `import` and `migrate` all ask this.
 */
export function isSecretName(name: string): boolean {
  const upper = name.toUpperCase();
  if (SECRET_WHOLE_NAMES.has(upper)) return true;
  const parts = upper.split(/[_.-]+/).filter((part) => part !== "");
  const last = parts.at(-1);
  if (isWord(last)) return true;
  return last !== undefined && SECRET_NAME_TAILS.includes(last) && isWord(parts.at(-2));
}

/**
 * The heuristic `import` and `migrate` use for variables the schema does not
 * classify: a secret's name ({@link isSecretName}), or a URL with a password in it.
 */
export function looksSecret(name: string, value: string): boolean {
  return isSecretName(name) || URL_WITH_PASSWORD.test(value);
}
