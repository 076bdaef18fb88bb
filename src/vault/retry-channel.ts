/**
 * The diagnostics channel the Vault client publishes to before each retry
 * (`{ address, attempt, reason }`), so a front end can show that it is
 * waiting (the CLI's spinner) without the client knowing about terminals.
 * Its own module so that listening loads no HTTP code.
 */
export const VAULT_RETRY_CHANNEL = "strongbox:vault:retry";
