import { type FSWatcher, watch } from "node:fs";
import { basename, dirname } from "node:path";
import type { Exit, Started } from "./spawn-child.js";

/** What {@link superviseWatched} needs: how to resolve, how to start the child, what to watch. */
export interface WatchOptions<R> {
  /** Files whose change means "resolve again": the config, `.env` files, the store's files. */
  readonly files: readonly string[];
  /** Directories whose every file counts (the store). */
  readonly directories?: readonly string[];
  /** Resolves the configuration; a thrown error keeps the running child and is reported. */
  resolve(): Promise<R>;
  /** The child's environment for a resolution; a restart happens only when it changed. */
  environmentOf(resolution: R): Readonly<Record<string, string | undefined>>;
  /** Starts the child, best as its own process group (`spawnChild({ group: true })`). */
  start(resolution: R): Started;
  /** Told what happens: a change seen, a restart, a resolution that failed. */
  log(message: string, error?: unknown): void;
  /** Stops watching and the child's tree (SIGTERM, then SIGKILL after `stopTimeoutMs`). */
  readonly signal: AbortSignal;
  readonly debounceMs?: number;
  readonly stopTimeoutMs?: number;
}

/**
 * `run --watch`: runs the child, and when a watched file changes (debounced,
 * as editors write several times), resolves again and restarts the child if
 * its environment changed. A resolution that fails (a typo being edited)
 * keeps the running child and says why; the next good one restarts it. A
 * child that exits by itself is started again at the next change. Resolves
 * with the last child's exit when `signal` aborts.
 *
 * Directories are watched rather than files: editors and Strongbox's own
 * atomic writes replace a file by renaming a new one over it, which ends a
 * watch on the file itself.
 */
export async function superviseWatched<R>(first: R, options: WatchOptions<R>): Promise<Exit> {
  const debounce = options.debounceMs ?? 300;
  const interesting = new Map<string, Set<string>>();
  for (const file of options.files) {
    const names = interesting.get(dirname(file)) ?? new Set<string>();
    names.add(basename(file));
    interesting.set(dirname(file), names);
  }
  let current = options.start(first);
  let environment = JSON.stringify(options.environmentOf(first));
  let lastExit: Exit = { code: null, signal: null };
  let running = true;
  const watchChild = (started: typeof current) =>
    started.done.then(
      (exit) => {
        if (current === started) {
          running = false;
          lastExit = exit;
          options.log(
            `the command exited (${exit.signal ?? exit.code}); waiting for a change to start it again`,
          );
        }
      },
      (error: unknown) => {
        if (current === started) {
          running = false;
          options.log("the command could not start", error);
        }
      },
    );
  watchChild(current);

  let timer: NodeJS.Timeout | undefined;
  let busy = Promise.resolve();
  const changed = (what: string) => {
    if (timer !== undefined) clearTimeout(timer);
    timer = setTimeout(() => {
      busy = busy.then(() => reload(what));
    }, debounce);
  };
  const reload = async (what: string) => {
    if (options.signal.aborted) return;
    let next: R;
    try {
      next = await options.resolve();
    } catch (error) {
      options.log(
        `${what} changed, but the configuration has problems; the command keeps running`,
        error,
      );
      return;
    }
    const nextEnvironment = JSON.stringify(options.environmentOf(next));
    if (nextEnvironment === environment && running) {
      options.log(`${what} changed; no value changed, no restart`);
      return;
    }
    options.log(`${what} changed; restarting the command`);
    await stop(current);
    if (options.signal.aborted) return;
    environment = nextEnvironment;
    current = options.start(next);
    running = true;
    watchChild(current);
  };
  // The whole tree, even when the child itself already exited: what it started may hold
  // the port (or the output pipe) with the old values.
  const stop = async (started: typeof current) => {
    await started.stop(options.stopTimeoutMs ?? 10_000);
    started.release();
    if (running) lastExit = await started.done.catch(() => lastExit);
  };

  const watchers: FSWatcher[] = [];
  for (const [dir, names] of interesting)
    watchers.push(
      watch(dir, (_event, name) => {
        if (name !== null && names.has(String(name))) changed(String(name));
      }),
    );
  for (const dir of options.directories ?? [])
    watchers.push(watch(dir, () => changed(basename(dir))));

  await new Promise<void>((resolve) => {
    if (options.signal.aborted) resolve();
    else options.signal.addEventListener("abort", () => resolve(), { once: true });
  });
  if (timer !== undefined) clearTimeout(timer);
  for (const watcher of watchers) watcher.close();
  await busy;
  await stop(current);
  return lastExit;
}
