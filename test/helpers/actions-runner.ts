import { spawn } from "node:child_process";
import { readFileSync, writeFileSync } from "node:fs";
import { join, resolve } from "node:path";
import { parse } from "yaml";
import { collect } from "./cli.js";

/**
 * A GitHub Actions runner as a composite action's `run:` steps meet it, for
 * tests: each step is a bash script (`bash --noprofile --norc -eo pipefail`,
 * the runner's `shell: bash`) with the job's environment, what earlier steps
 * appended to `$GITHUB_ENV` and `$GITHUB_PATH`, and the step's own `env:`
 * (`${{ inputs.NAME }}` evaluated; any other expression is refused, so the
 * action stays within what this runner can check). The env files are read
 * with the runner's rules (`NAME=value` lines and `NAME<<DELIMITER`
 * heredocs), and `::add-mask::` lines on a step's stdout register masks
 * (`%25`, `%0D`, `%0A` unescaped, as the runner does).
 */

export interface Step {
  readonly name: string;
  readonly run: string;
  readonly shell: string;
  readonly env: Readonly<Record<string, string>>;
  readonly workingDirectory?: string;
}

export interface StepRun {
  readonly step: Step;
  readonly status: number | null;
  readonly stdout: string;
  readonly stderr: string;
  /** Masks the step registered, in order. */
  readonly masks: readonly string[];
  /** Stdout lines that are not workflow commands: what the job's log shows (before masking). */
  readonly logLines: readonly string[];
}

/** The `run:` steps of a composite action file. */
export function compositeSteps(actionFile: string): {
  steps: Step[];
  defaults: Record<string, string>;
} {
  const action = parse(readFileSync(actionFile, "utf8")) as {
    inputs?: Record<string, { default?: string }>;
    runs: { using: string; steps: Array<Record<string, unknown>> };
  };
  if (action.runs.using !== "composite") throw new Error("not a composite action");
  const defaults = Object.fromEntries(
    Object.entries(action.inputs ?? {})
      .filter(([, input]) => input.default !== undefined)
      .map(([name, input]) => [name, String(input.default)]),
  );
  const steps = action.runs.steps.map((raw) => ({
    name: String(raw.name ?? ""),
    run: String(raw.run ?? ""),
    shell: String(raw.shell ?? ""),
    env: (raw.env ?? {}) as Record<string, string>,
    ...(raw["working-directory"] === undefined
      ? {}
      : { workingDirectory: String(raw["working-directory"]) }),
  }));
  return { steps, defaults };
}

/** `${{ inputs.NAME }}` replaced; any other expression throws. */
export function evaluate(text: string, inputs: Readonly<Record<string, string>>): string {
  return text.replace(/\$\{\{\s*([^}]*?)\s*\}\}/g, (_, expression: string) => {
    const match = /^inputs\.([A-Za-z0-9_-]+)$/.exec(expression);
    if (match === null)
      throw new Error(`expression the simulated runner does not know: ${expression}`);
    return inputs[match[1] as string] ?? "";
  });
}

/**
 * The runner's reading of a `$GITHUB_ENV`/`$GITHUB_OUTPUT` file (actions/runner's
 * file commands): lines end at LF or CR LF; a heredoc's value is its lines with
 * the line breaks between them as written, the one before the delimiter dropped.
 */
export function parseEnvFile(text: string): Array<[string, string]> {
  const lines = [...text.matchAll(/([^\n]*?)(\r?\n|$)/g)]
    .filter((match) => match[0] !== "")
    .map((match) => ({ text: match[1] as string, end: match[2] as string }));
  const pairs: Array<[string, string]> = [];
  for (let index = 0; index < lines.length; index++) {
    const line = (lines[index] as { text: string }).text;
    if (line === "") continue;
    const equals = line.indexOf("=");
    const heredoc = line.indexOf("<<");
    if (equals >= 0 && (heredoc < 0 || equals < heredoc)) {
      const name = line.slice(0, equals);
      if (name === "") throw new Error(`invalid env file line: ${JSON.stringify(line)}`);
      pairs.push([name, line.slice(equals + 1)]);
      continue;
    }
    if (heredoc < 0) throw new Error(`invalid env file line: ${JSON.stringify(line)}`);
    const name = line.slice(0, heredoc);
    const delimiter = line.slice(heredoc + 2);
    if (name === "" || delimiter === "")
      throw new Error(`invalid heredoc: ${JSON.stringify(line)}`);
    let value = "";
    let previousEnd = "";
    for (let first = true; ; first = false) {
      index += 1;
      const next = lines[index];
      if (next === undefined) throw new Error(`Matching delimiter not found '${delimiter}'`);
      if (next.text === delimiter) break;
      value += (first ? "" : previousEnd) + next.text;
      previousEnd = next.end;
    }
    pairs.push([name, value]);
  }
  return pairs;
}

/** A workflow command's data back to text, as the runner reads `::add-mask::`. */
function unescapeData(data: string): string {
  return data.replace(/%0D/g, "\r").replace(/%0A/g, "\n").replace(/%25/g, "%");
}

/** A simulated job: its env files under `dir`, the environment each step starts from. */
export class SimulatedRunner {
  readonly files: { env: string; path: string; output: string };
  readonly env: Record<string, string>;

  constructor(
    readonly dir: string,
    jobEnv: Record<string, string>,
  ) {
    this.files = {
      env: join(dir, "github_env"),
      path: join(dir, "github_path"),
      output: join(dir, "github_output"),
    };
    for (const file of Object.values(this.files)) writeFileSync(file, "");
    this.env = {
      ...jobEnv,
      GITHUB_ACTIONS: "true",
      CI: "true",
      RUNNER_TEMP: dir,
      GITHUB_ENV: this.files.env,
      GITHUB_PATH: this.files.path,
      GITHUB_OUTPUT: this.files.output,
      GITHUB_WORKSPACE: dir,
    };
  }

  /** The environment a step starts with: the job's, then $GITHUB_ENV's, then $GITHUB_PATH prepended. */
  stepEnv(step: Readonly<Record<string, string>> = {}): Record<string, string> {
    const fromFile = Object.fromEntries(parseEnvFile(readFileSync(this.files.env, "utf8")));
    const paths = readFileSync(this.files.path, "utf8").split(/\r?\n/).filter(Boolean).reverse();
    const env = { ...this.env, ...fromFile, ...step };
    env.PATH = [...paths, env.PATH ?? ""].join(":");
    return env;
  }

  /** Runs one step as the runner does; `inputs` fill its `${{ inputs.* }}`. */
  async run(step: Step, inputs: Readonly<Record<string, string>>): Promise<StepRun> {
    if (step.shell !== "bash") throw new Error(`step ${step.name}: shell ${step.shell}`);
    const script = join(this.dir, `step-${Math.random().toString(36).slice(2)}.sh`);
    writeFileSync(script, step.run);
    const env = this.stepEnv(
      Object.fromEntries(
        Object.entries(step.env).map(([k, v]) => [k, evaluate(String(v), inputs)]),
      ),
    );
    const cwd = resolve(this.dir, evaluate(step.workingDirectory ?? ".", inputs));
    // Asynchronous: the job's services (the token endpoint) may live in this process.
    const result = await collect(
      spawn("bash", ["--noprofile", "--norc", "-eo", "pipefail", script], {
        cwd,
        env,
        stdio: ["ignore", "pipe", "pipe"],
      }),
    );
    const masks: string[] = [];
    const logLines: string[] = [];
    for (const line of result.stdout.split("\n")) {
      const mask = /^::add-mask::(.*)$/.exec(line);
      if (mask !== null) masks.push(unescapeData(mask[1] as string));
      else logLines.push(line);
    }
    return {
      step,
      status: result.code,
      stdout: result.stdout,
      stderr: result.stderr,
      masks,
      logLines,
    };
  }
}
