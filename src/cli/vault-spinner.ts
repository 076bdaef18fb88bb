import { subscribe, unsubscribe } from "node:diagnostics_channel";
import { VAULT_RETRY_CHANNEL, type VaultRetryMessage } from "../vault/retry-channel.js";
import type { CliIo } from "./io.js";
import { say, writeLogLine, writeTerminal } from "./io.js";

const FRAMES = ["⠋", "⠙", "⠹", "⠸", "⠼", "⠴", "⠦", "⠧", "⠇", "⠏"];

/**
 * While the Vault client retries, the user sees that it waits. On a terminal
 * a spinner line (`⠙ waiting for Vault at …: attempt 3 (unreachable)`),
 * erased as soon as the retried request ends, so the next line starts clean;
 * on a pipe or in a log, one line at the first wait (the retries can last
 * seconds), as JSON when the command logs JSON. Addresses and reasons only,
 * never a value. Returns the function that stops it.
 */
export function vaultRetrySpinner(io: CliIo, options: { jsonLog?: boolean } = {}): () => void {
  // --quiet: no spinner; the one line on a pipe is a notice, which say() drops.
  const terminal = io.stderr.isTTY === true && io.quiet !== true;
  let frame = 0;
  let shown = false;
  // On a pipe, one line per command: a wait for each ref would repeat the same news.
  let told = false;
  const erase = () => {
    if (shown) writeTerminal(io, "", { before: "\r\u001b[K", after: "" });
    shown = false;
  };
  const listener = (raw: unknown) => {
    const message = raw as VaultRetryMessage;
    if ("settled" in message) {
      erase();
      return;
    }
    const { address, attempt, reason } = message;
    if (terminal) {
      shown = true;
      writeTerminal(
        io,
        `${FRAMES[frame++ % FRAMES.length]} waiting for Vault at ${address}: attempt ${attempt} (${reason})`,
        { before: "\r", after: "\u001b[K" },
      );
    } else if (!told) {
      told = true;
      const text = `Vault at ${address} does not answer (${reason}): retrying`;
      if (options.jsonLog === true)
        writeLogLine(io, {
          time: new Date().toISOString(),
          level: "warn",
          event: "vault-retrying",
          message: text,
        });
      else say(io, `strongbox: ${text}`);
    }
  };
  subscribe(VAULT_RETRY_CHANNEL, listener);
  return () => {
    unsubscribe(VAULT_RETRY_CHANNEL, listener);
    erase();
  };
}
