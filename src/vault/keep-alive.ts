import type { Session } from "./auth.js";
import type { VaultHttp } from "./http.js";

/** What keeping a token alive needs of a client. */
export interface KeptClient {
  readonly http: VaultHttp;
  session(): Promise<Session>;
  lookupSelf(): Promise<{ ttl: number }>;
}

/** One keep-alive: its client, how it drops the session, and its timer. */
interface Keeper {
  readonly client: KeptClient;
  /** Drops the client's session, so the next use logs in again. */
  readonly forget: () => void;
  readonly onError: ((error: Error) => void) | undefined;
  timer: NodeJS.Timeout | undefined;
  stopped: boolean;
}

/**
 * Keeps the session's token alive for a long-running process, like the Go
 * client's lifetime watcher: renews at two thirds of its TTL; when the token
 * can no longer be renewed (max TTL reached, or revoked), logs in again.
 * Given tokens are renewed while renewable and never replaced. Returns a stop
 * function; the timer does not keep the process alive.
 */
export function keepSessionAlive(
  client: KeptClient,
  forget: () => void,
  onError?: (error: Error) => void,
): () => void {
  const keeper: Keeper = { client, forget, onError, timer: undefined, stopped: false };
  client.lookupSelf().then(
    (self) => schedule(keeper, self.ttl),
    (error: Error) => onError?.(error),
  );
  return () => {
    keeper.stopped = true;
    if (keeper.timer !== undefined) clearTimeout(keeper.timer);
  };
}

/** The next renewal, at two thirds of `seconds` (none once stopped or for a token without a TTL). */
function schedule(keeper: Keeper, seconds: number): void {
  if (keeper.stopped || seconds <= 0) return;
  keeper.timer = setTimeout(() => tick(keeper), Math.max(250, (seconds * 1000 * 2) / 3));
  keeper.timer.unref();
}

/** Renews the token; a token we logged in for that cannot be renewed is replaced by a new login. */
async function tick(keeper: Keeper): Promise<void> {
  const { client } = keeper;
  try {
    const session = await client.session();
    const response = await client.http.send({
      method: "POST",
      path: "auth/token/renew-self",
      token: session.token,
      body: {},
    });
    const auth = response.body?.auth as
      | { lease_duration?: number; renewable?: boolean }
      | undefined;
    const renewed = response.status < 400 && auth !== undefined;
    if (renewed && auth.renewable !== false && (auth.lease_duration ?? 0) > 1)
      return schedule(keeper, auth.lease_duration ?? 0);
    if (!session.created) return renewed ? schedule(keeper, auth?.lease_duration ?? 0) : undefined;
    keeper.forget();
    await client.session();
    schedule(keeper, Number((await client.lookupSelf()).ttl));
  } catch (error) {
    keeper.onError?.(error as Error);
    schedule(keeper, 5);
  }
}
