import { existsSync } from "node:fs";
import { join } from "node:path";
import { findConfigIfAny } from "../index.js";
import { type CliIo, say } from "./io.js";

/** One suggested command and what it does. */
export type Step = readonly [command: string, does: string];

/**
 * What to run next, as `doppler setup` and `infisical init` end: a short
 * list of commands after a command that starts something (`init`,
 * `init --from`, `import`). Notices: `--quiet` drops them (through
 * {@link say}), and callers print none with `--json`.
 */
export function sayNextSteps(io: CliIo, steps: readonly Step[]): void {
  if (steps.length === 0) return;
  const width = Math.max(...steps.map(([command]) => command.length));
  say(
    io,
    `strongbox: next:\n${steps.map(([command, does]) => `  ${command.padEnd(width)}  ${does}`).join("\n")}`,
  );
}

/** The project's state that decides the next steps: a config, a plaintext `.env`. */
function projectState(io: CliIo, configPath: string | undefined) {
  let config: string | undefined;
  try {
    config = findConfigIfAny(io.cwd, configPath);
  } catch {
    config = undefined;
  }
  return { config: config !== undefined, dotenv: existsSync(join(io.cwd, ".env")) };
}

/** After `init` made a store: declare, fill, check, run. */
export function stepsAfterInit(
  io: CliIo,
  options: { configPath?: string | undefined; scaffoldedFrom?: string; env?: string | undefined },
): Step[] {
  const state = projectState(io, options.configPath);
  const env = options.env === undefined ? "" : ` --env ${options.env}`;
  const steps: Step[] = [];
  if (!state.config)
    steps.push([
      `strongbox init --from ${state.dotenv ? ".env" : ".env.example"}`,
      "write strongbox.config.yaml from the variables you have (or write it by hand)",
    ]);
  const source = options.scaffoldedFrom ?? (state.dotenv ? ".env" : undefined);
  if (source !== undefined)
    steps.push([
      `strongbox import ${source} --rewrite${env}`,
      `move ${source}'s secrets into the store`,
    ]);
  steps.push([
    `strongbox set NAME${env}`,
    "store a secret (the value from a hidden prompt or stdin)",
  ]);
  if (state.config || options.scaffoldedFrom !== undefined) {
    steps.push([`strongbox check${env}`, "resolve and validate every variable"]);
    steps.push([`strongbox run${env} -- COMMAND`, "run your program with them in its environment"]);
  }
  return steps;
}

/** After `import`: what leaves the plaintext behind, then check and run. */
export function stepsAfterImport(
  io: CliIo,
  options: { file: string; action: string | undefined; configPath?: string | undefined },
): Step[] {
  const state = projectState(io, options.configPath);
  const steps: Step[] = [];
  if (options.action === undefined)
    steps.push([
      `strongbox import ${options.file} --rewrite`,
      "replace the plaintext values with store:// references",
    ]);
  if (!state.config)
    steps.push([
      `strongbox init --from ${options.file}`,
      "declare the variables in strongbox.config.yaml, so check and run know them",
    ]);
  else {
    steps.push(["strongbox check", "resolve and validate every variable"]);
    steps.push(["strongbox run -- COMMAND", "run your program with them in its environment"]);
  }
  steps.push(["strongbox list", "see what the store holds (names and metadata, never values)"]);
  return steps;
}
