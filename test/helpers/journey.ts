// Journeys: a person's path across commands, run as a transcript against real
// services. Each step is one CLI call with its expected exit status and output;
// every output is checked for the journey's canary values, and a failure
// shows the transcript so far, which reads like the terminal session it is.
import assert from "node:assert/strict";
import { mkdirSync } from "node:fs";
import { join } from "node:path";
import { type CliResult, runCli, tempProject, writeFiles } from "./cli.js";

/** What one step expects. Patterns must all match; `not` patterns must not. */
export interface StepExpectation {
  /** The exit status (default 0). */
  readonly code?: number;
  readonly stdout?: readonly RegExp[];
  readonly stderr?: readonly RegExp[];
  /** Patterns that must appear in neither stream. */
  readonly not?: readonly RegExp[];
  /** Extra environment for this step only. */
  readonly env?: Record<string, string>;
  /** Text on stdin. */
  readonly input?: string;
  /** Working directory relative to the project (default: the project). */
  readonly cwd?: string;
}

/** A journey in one fresh project with its own HOME. */
export class Journey {
  /** The project directory (also HOME, as `runCli` makes it). */
  readonly dir: string;
  private readonly lines: string[] = [];
  private readonly canaries: string[] = [];
  private readonly baseEnv: Record<string, string>;

  constructor(
    readonly name: string,
    options: { files?: Record<string, string>; env?: Record<string, string> } = {},
  ) {
    this.dir = tempProject(options.files ?? {});
    mkdirSync(join(this.dir, ".cache"), { recursive: true });
    this.baseEnv = options.env ?? {};
  }

  /** Values that must never appear in any output of the journey (secrets it handles). */
  canary(...values: string[]): this {
    this.canaries.push(...values.filter((value) => value.length > 0));
    return this;
  }

  /** Writes files into the project, as the person would with an editor. */
  write(files: Record<string, string>, note = "edit"): this {
    this.lines.push(`# ${note}: ${Object.keys(files).join(", ")}`);
    writeFiles(this.dir, files);
    return this;
  }

  /** A line in the transcript that is not a command (what the person does or sees elsewhere). */
  note(text: string): this {
    this.lines.push(`# ${text}`);
    return this;
  }

  /** Runs `strongbox ARGS`, records it, and checks it against `expect`. */
  async step(args: readonly string[], expect: StepExpectation = {}): Promise<CliResult> {
    const result = await runCli(args, {
      cwd: expect.cwd === undefined ? this.dir : join(this.dir, expect.cwd),
      env: { ...this.baseEnv, ...expect.env },
      ...(expect.input === undefined ? {} : { input: expect.input }),
    });
    this.record(args, result);
    const wanted = expect.code ?? 0;
    this.check(result.code === wanted, `exit ${result.code}, expected ${wanted}`);
    for (const pattern of expect.stdout ?? [])
      this.check(pattern.test(result.stdout), `stdout does not match ${pattern}`);
    for (const pattern of expect.stderr ?? [])
      this.check(pattern.test(result.stderr), `stderr does not match ${pattern}`);
    for (const pattern of expect.not ?? [])
      this.check(
        !pattern.test(result.stdout) && !pattern.test(result.stderr),
        `output matches ${pattern}`,
      );
    this.checkCanaries(result);
    return result;
  }

  /** Checks any output (a rendered file's neighbour, a dashboard page) for the canaries. */
  checkCanaries(result: { stdout: string; stderr: string }): void {
    for (const canary of this.canaries)
      this.check(
        !result.stdout.includes(canary) && !result.stderr.includes(canary),
        "a secret value appears in the output",
      );
  }

  /** The transcript so far, as a terminal would show it (outputs indented). */
  transcript(): string {
    return this.lines.join("\n");
  }

  private record(args: readonly string[], result: CliResult): void {
    this.lines.push(`$ strongbox ${args.join(" ")}`);
    for (const line of result.stdout.trimEnd().split("\n").filter(Boolean))
      this.lines.push(`  ${line}`);
    for (const line of result.stderr.trimEnd().split("\n").filter(Boolean))
      this.lines.push(`  ! ${line}`);
    this.lines.push(`  [exit ${result.code}]`);
  }

  private check(ok: boolean, why: string): void {
    assert.ok(ok, `${this.name}: ${why}\n--- transcript ---\n${this.transcript()}`);
  }
}
