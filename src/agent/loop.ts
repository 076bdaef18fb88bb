import type { VaultClient } from "../vault/client.js";
import { onChange, startChild, stopChild } from "./child.js";
import { resignStale } from "./provenance.js";
import { currentVersion, renderAll } from "./render.js";
import { rotateIfDue } from "./rotation.js";
import { type AgentState, vaultOf } from "./state.js";

/** The longest the agent waits between polls while Vault is unreachable. */
const MAX_BACKOFF_MS = 60_000;

/** Where the loop stands between polls: how long it waits next, and whether Vault failed last time. */
interface PollState {
  delay: number;
  unhealthy: boolean;
}

/**
 * The agent's life: a scheduled rotation due at start, the first render, the
 * child, then polls until stopped (with `once`, only the render).
 */
export async function runAgent(state: AgentState): Promise<void> {
  if (await rotateIfDue(state))
    state.log({
      level: "info",
      event: "rotation-done",
      message: "rotation ran before the first render",
    });
  await renderAll(state);
  if (state.options.once === true) return;
  startChild(state);
  const poll: PollState = { delay: state.config.intervalMs, unhealthy: false };
  while (!state.stopped) {
    await sleep(state, Math.max(0, Math.min(poll.delay, nextRefresh(state) - Date.now())));
    if (state.stopped) break;
    try {
      await pollOnce(state, poll);
    } catch (error) {
      backOff(state, poll, error);
    }
  }
  await stopChild(state);
}

/** Waits `ms`, or until the agent is woken (stopped). */
function sleep(state: AgentState, ms: number): Promise<void> {
  return new Promise<void>((done) => {
    const timer = setTimeout(done, ms);
    state.wake = () => {
      clearTimeout(timer);
      done();
    };
  });
}

/**
 * One poll: asks the version of every path the templates read, renews or drops
 * the leases due, re-renders when something moved and tells the child when a
 * file changed. Throws when Vault cannot be reached.
 */
async function pollOnce(state: AgentState, poll: PollState): Promise<void> {
  // All paths asked at once (the client keeps at most 16 connections).
  const now = await Promise.all(
    [...state.versions].map(
      async ([path, version]) => (await currentVersion(state, path)) !== version,
    ),
  );
  let moved = now.includes(true);
  if (poll.unhealthy)
    state.log({ level: "info", event: "recovered", message: "Vault is reachable again" });
  poll.unhealthy = false;
  poll.delay = state.config.intervalMs;
  if (await refreshDue(state)) moved = true;
  if (moved && (await renderAll(state))) await onChange(state);
  // Vault answered: the records of unchanged files may say so again.
  resignStale(state);
  // A rotation moves versions the templates read: look again at once, not an interval later.
  if (await rotateIfDue(state)) poll.delay = 0;
}

/**
 * While Vault is unreachable or sealed the agent keeps the last good files and
 * child, says so, and waits twice as long each time, up to a minute.
 */
function backOff(state: AgentState, poll: PollState, error: unknown): void {
  poll.unhealthy = true;
  poll.delay = Math.min(poll.delay * 2, MAX_BACKOFF_MS);
  const code = (error as { code?: string }).code ?? "E_VAULT";
  state.log({
    level: "warn",
    event: "vault-unavailable",
    message: `${code}: keeping the last good files and child; retrying in ${poll.delay} ms`,
  });
}

/** When the next lease or certificate needs attention (Infinity when none does). */
function nextRefresh(state: AgentState): number {
  return Math.min(...[...state.refresh.values()].map((entry) => entry.at));
}

/**
 * Leases and certificates whose time has come: a renewable lease is renewed (its
 * values stay; a lease near its maximum TTL is fetched again instead), anything else
 * is dropped so the next render fetches or issues it anew. True when a render is due.
 */
async function refreshDue(state: AgentState): Promise<boolean> {
  let render = false;
  for (const [key, entry] of state.refresh) {
    if (entry.at > Date.now()) continue;
    if (entry.renewable && entry.leaseId !== "" && (await renewKept(state, key))) continue;
    state.refresh.delete(key);
    state.kept.delete(key);
    render = true;
  }
  return render;
}

/** Renews one kept lease; false when Vault would not renew it (its values are fetched anew). */
async function renewKept(state: AgentState, key: string): Promise<boolean> {
  const entry = state.refresh.get(key);
  if (entry === undefined) return false;
  const renewed = await renewLease(vaultOf(state), entry.leaseId, entry.ttl).catch(() => undefined);
  if (renewed === undefined || renewed <= 0) return false;
  // Renewed for less than half of what was asked: the maximum TTL is close, so the
  // next refresh fetches new values rather than renewing a lease about to end.
  state.refresh.set(key, {
    ...entry,
    at: Date.now() + (renewed * 1000 * 2) / 3,
    renewable: renewed * 2 >= entry.ttl,
  });
  state.log({ level: "info", event: "lease-renewed", message: `renewed ${entry.leaseId}` });
  return true;
}

/** Renews a lease for `increment` seconds; the duration Vault granted. */
async function renewLease(
  client: VaultClient,
  leaseId: string,
  increment: number,
): Promise<number | undefined> {
  const response = await client.call({
    method: "PUT",
    path: "sys/leases/renew",
    body: { lease_id: leaseId, increment },
  });
  const duration = response.body?.lease_duration;
  return typeof duration === "number" ? duration : undefined;
}
