import { type ChildProcess, spawn } from "node:child_process";
import {
  existsSync,
  mkdirSync,
  mkdtempSync,
  realpathSync,
  symlinkSync,
  writeFileSync,
} from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";

/** The repository root (tests run from dist/test/...). */
export const ROOT = fileURLToPath(new URL("../../../", import.meta.url));
/** The bundled CLI, as users run it. */
export const CLI = join(ROOT, "dist/bundle/strongbox.cjs");

/**
 * The single executable (`npm run build:binary`), when the suite runs against
 * it (`STRONGBOX_TEST_BINARY`, set by scripts/run-tests.mjs for its second
 * pass over the end-to-end tests); otherwise the npm package's CLI.
 */
const BINARY = process.env.STRONGBOX_TEST_BINARY;

/** The program and first arguments that start the CLI under test. */
export function cliCommand(): { command: string; prefix: string[] } {
  return BINARY === undefined || BINARY === ""
    ? { command: process.execPath, prefix: [CLI] }
    : { command: BINARY, prefix: [] };
}

/** A fresh temporary directory with `files` written into it. */
export function tempProject(files: Record<string, string> = {}): string {
  const dir = realpathSync(mkdtempSync(join(tmpdir(), "strongbox-test-")));
  writeFiles(dir, files);
  return dir;
}

export function writeFiles(dir: string, files: Record<string, string>): void {
  for (const [name, text] of Object.entries(files)) {
    mkdirSync(dirname(join(dir, name)), { recursive: true });
    writeFileSync(join(dir, name), text);
  }
}

/** True when the suite runs against the single executable. */
export const TESTING_BINARY = BINARY !== undefined && BINARY !== "";

/**
 * Gives a project the repository's packages as its node_modules, as a project
 * that installed them would have, when the suite runs against the single
 * executable: it loads esbuild (TypeScript configs), the AWS SDKs and pg from
 * the project's node_modules only (src/security/import-module.ts), never from
 * NODE_PATH. The npm package has them as its own dependencies. Returns `dir`.
 */
export function withModules(dir: string): string {
  if (TESTING_BINARY && !existsSync(join(dir, "node_modules")))
    symlinkSync(join(ROOT, "node_modules"), join(dir, "node_modules"));
  return dir;
}

export interface CliResult {
  readonly code: number | null;
  readonly signal: NodeJS.Signals | null;
  readonly stdout: string;
  readonly stderr: string;
}

/**
 * A scrubbed environment: PATH and HOME only, plus a private config cache,
 * so nothing from the developer's shell leaks into a test.
 */
export function cleanEnv(dir: string, extra: Record<string, string> = {}): Record<string, string> {
  return {
    PATH: process.env.PATH ?? "/usr/bin:/bin",
    HOME: dir,
    STRONGBOX_CACHE_DIR: join(dir, ".cache"),
    ...extra,
  };
}

/** Runs the CLI in `cwd` with a scrubbed environment and collects its output. */
export function runCli(
  args: readonly string[],
  options: {
    cwd: string;
    env?: Record<string, string>;
    input?: string;
    onSpawn?: (pid: number) => void;
  },
): Promise<CliResult> {
  const { command, prefix } = cliCommand();
  const child = spawn(command, [...prefix, ...args], {
    cwd: options.cwd,
    env: cleanEnv(options.cwd, options.env),
    stdio: ["pipe", "pipe", "pipe"],
  });
  const result = collect(child);
  if (child.pid !== undefined) options.onSpawn?.(child.pid);
  // A command that never reads its input may exit before it is written (a fast start does):
  // its result, not the closed pipe, is what the test judges.
  child.stdin.on("error", (error: NodeJS.ErrnoException) => {
    if (error.code !== "EPIPE") child.emit("error", error);
  });
  child.stdin.end(options.input ?? "");
  return result;
}

/** A child process's stdout and stderr (piped), collected until it closes, with how it ended. */
export function collect(child: ChildProcess): Promise<CliResult> {
  return new Promise((resolve, reject) => {
    let stdout = "";
    let stderr = "";
    child.stdout?.on("data", (chunk: Buffer) => {
      stdout += chunk.toString();
    });
    child.stderr?.on("data", (chunk: Buffer) => {
      stderr += chunk.toString();
    });
    child.on("error", reject);
    child.on("close", (code, signal) => resolve({ code, signal, stdout, stderr }));
  });
}

/** A long-running CLI process (the agent, the dashboard), its stderr collected as it comes. */
export function spawnCli(
  args: readonly string[],
  options: { cwd: string; env: Record<string, string> },
) {
  const { command, prefix } = cliCommand();
  const child = spawn(command, [...prefix, ...args], {
    cwd: options.cwd,
    env: options.env,
    stdio: ["ignore", "ignore", "pipe"],
  });
  let stderr = "";
  child.stderr.on("data", (chunk: Buffer) => {
    stderr += chunk.toString();
  });
  // The exit status (null when a signal ended it), for tests that check a clean stop.
  const exited = new Promise<number | null>((resolve) =>
    child.once("exit", (code) => resolve(code)),
  );
  return { kill: (signal: NodeJS.Signals) => child.kill(signal), exited, stderr: () => stderr };
}
