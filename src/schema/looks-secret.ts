/** Names that usually hold secrets: `*_KEY`, `*_SECRET`, `*_TOKEN`, `*_PASSWORD`, `*_DSN`, `DATABASE_URL`. */
const SECRET_NAME =
  /(^|_)(KEY|SECRET|TOKEN|PASSWORD|PASSWD|PASS|PWD|CREDENTIALS?|DSN)$|^DATABASE_URL$/i;
/** A URL that carries a password: `scheme://user:password@host`. */
const URL_WITH_PASSWORD = /^[a-z][a-z0-9+.-]*:\/\/[^/@\s:]*:[^/@\s]+@/i;

/**
 * The heuristic `import` and `migrate` use for variables the schema does not
 * classify: a secret-like name, or a URL with a password in it.
 */
export function looksSecret(name: string, value: string): boolean {
  return SECRET_NAME.test(name) || URL_WITH_PASSWORD.test(value);
}
