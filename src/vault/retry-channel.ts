/**
 * The diagnostics channel the Vault client publishes to before each retry
 * (`{ address, attempt, reason }`), so a front end can show that it is
 * waiting (the CLI's spinner) without the client knowing about terminals.
 * Its own module so that listening loads no HTTP code.
 */
export const VAULT_RETRY_CHANNEL = "strongbox:vault:retry";

/**
 * What the channel carries: a retry about to wait (`attempt`, `reason`: an
 * address and words, never a value), or `settled` when a request that was
 * retried has ended (answered or failed), so a spinner can clear its line
 * before whatever is printed next.
 */
export type VaultRetryMessage =
  | { readonly address: string; readonly attempt: number; readonly reason: string }
  | { readonly address: string; readonly settled: true };
