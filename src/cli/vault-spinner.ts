import { subscribe, unsubscribe } from "node:diagnostics_channel";
import { VAULT_RETRY_CHANNEL } from "../vault/retry-channel.js";
import type { CliIo } from "./io.js";
import { writeTerminal } from "./io.js";

const FRAMES = ["⠋", "⠙", "⠹", "⠸", "⠼", "⠴", "⠦", "⠧", "⠇", "⠏"];

/**
 * While the Vault client retries, a spinner line on a terminal says so
 * (`⠙ waiting for Vault at …: attempt 3 (unreachable)`), erased when the
 * command goes on; nothing on a pipe. Returns the function that stops it.
 */
export function vaultRetrySpinner(io: CliIo): () => void {
  if (io.stderr.isTTY !== true) return () => {};
  let frame = 0;
  let shown = false;
  const listener = (message: unknown) => {
    const { address, attempt, reason } = message as {
      address: string;
      attempt: number;
      reason: string;
    };
    shown = true;
    writeTerminal(
      io,
      `${FRAMES[frame++ % FRAMES.length]} waiting for Vault at ${address}: attempt ${attempt} (${reason})`,
      { before: "\r", after: "\u001b[K" },
    );
  };
  subscribe(VAULT_RETRY_CHANNEL, listener);
  return () => {
    unsubscribe(VAULT_RETRY_CHANNEL, listener);
    if (shown) writeTerminal(io, "", { before: "\r\u001b[K", after: "" });
  };
}
