import { readFileSync } from "node:fs";
import { setAuditStreamWriter } from "../api/audit.js";
import { StrongboxError } from "../errors.js";
import { registerCredentialValues } from "../exec/credential-values.js";
import { packagePath } from "../package-root.js";
import { didYouMean } from "../util/suggest.js";
import { parseInvocation } from "./command.js";
import { COMMANDS } from "./command-table.js";
import { EXIT_CODES, EXIT_OK, exitStatus } from "./exit-codes.js";
import type { CliIo } from "./io.js";
import { quietOnBrokenPipe, writeAuditRecords, writeReport } from "./io.js";
import { renderError } from "./render-error.js";
import { fromSystemError } from "./system-error.js";
import { vaultRetrySpinner } from "./vault-spinner.js";

/**
 * Runs one CLI invocation and returns its exit status. Never calls
 * `process.exit`, so tests and other programs can drive the CLI in-process.
 */
export async function runMain(argv: readonly string[], io: CliIo): Promise<number> {
  // Audit records on stdout/stderr leave by the CLI's one output path, like everything it prints.
  setAuditStreamWriter(writeAuditRecords);
  // No message quotes a credential's value, even one pasted where a path belongs.
  registerCredentialValues(io.env);
  const [first, ...tail] = argv;
  // `strongbox help CMD` is `strongbox CMD --help`, as git and npm have it.
  const [name, rest] =
    first === "help" && tail[0] !== undefined ? [tail[0], ["--help"]] : [first, tail];
  if (name === undefined || name === "--help" || name === "-h" || name === "help") {
    writeReport(io, mainHelp());
    return name === undefined ? EXIT_CODES.E_USAGE : 0;
  }
  if (name === "--version" || name === "-v" || name === "-V") {
    writeReport(io, `${version()}\n`);
    return 0;
  }
  const entry = Object.hasOwn(COMMANDS, name) ? COMMANDS[name] : undefined;
  // STRONGBOX_FORMAT=json asks every command that has --json for it.
  const json = rest.includes("--json") || io.env.STRONGBOX_FORMAT === "json";
  try {
    if (entry === undefined) {
      throw new StrongboxError("E_USAGE", `unknown command "${name}"`, {
        hint: `${didYouMean(name, Object.keys(COMMANDS))}run \`strongbox --help\` for the list`,
      });
    }
    const command = await entry.load();
    const parsed = parseInvocation(command, rest);
    const invocation =
      io.env.STRONGBOX_FORMAT === "json" &&
      "json" in command.options &&
      parsed.values.json === undefined
        ? { ...parsed, values: { ...parsed.values, json: true } }
        : parsed;
    if (invocation.values.help === true) {
      writeReport(io, command.usage);
      return 0;
    }
    const logFormat = rest.indexOf("--log-format");
    const stopSpinner = vaultRetrySpinner(io, {
      jsonLog:
        rest.includes("--log-format=json") || (logFormat >= 0 && rest[logFormat + 1] === "json"),
    });
    try {
      return await command.run(invocation, io);
    } finally {
      stopSpinner();
    }
  } catch (thrown) {
    const error = thrown instanceof StrongboxError ? thrown : (fromSystemError(thrown) ?? thrown);
    // Again: the providers a command loaded have declared their credential names by now.
    registerCredentialValues(io.env);
    renderError(io, error, json);
    return exitStatus(error);
  }
}

function mainHelp(): string {
  const width = Math.max(...Object.keys(COMMANDS).map((name) => name.length));
  const lines = Object.entries(COMMANDS).map(
    ([name, entry]) => `  ${name.padEnd(width)} ${entry.summary}`,
  );
  return `strongbox ${version()}: typed configuration and secrets for every environment

Usage: strongbox <command> [options]

Commands:
${lines.join("\n")}

Run \`strongbox <command> --help\` for a command's options.

Exit statuses and the error codes that give them (docs/errors.md explains each;
4 is also a check, lint or scan that found problems):
${exitStatusHelp()}
`;
}

/** The exit-code table grouped by status, wrapped: generated, so it cannot drift from the table. */
function exitStatusHelp(): string {
  const byStatus = new Map<number, string[]>([[EXIT_OK, ["ok"]]]);
  for (const [code, status] of Object.entries(EXIT_CODES))
    byStatus.set(status, [...(byStatus.get(status) ?? []), code]);
  return [...byStatus]
    .sort(([a], [b]) => a - b)
    .map(([status, codes]) => {
      const lines: string[] = [];
      let line = "";
      for (const code of codes) {
        if (line !== "" && line.length + code.length > 64) {
          lines.push(line);
          line = "";
        }
        line = line === "" ? code : `${line} ${code}`;
      }
      lines.push(line);
      return lines
        .map((text, i) => `  ${i === 0 ? String(status).padEnd(5) : "     "}${text}`)
        .join("\n");
    })
    .join("\n");
}

/** Set by the single-executable build, which has no package.json beside it. */
declare const __STRONGBOX_VERSION__: string | undefined;

function version(): string {
  if (typeof __STRONGBOX_VERSION__ === "string") return __STRONGBOX_VERSION__;
  const pkg = JSON.parse(readFileSync(packagePath("package.json"), "utf8")) as { version: string };
  return pkg.version;
}

/** Runs the CLI for this process: its arguments, streams, environment and directory; sets the exit code. */
export function runProcess(): void {
  // Getters: Node builds process.stdout on first use, and `run`, whose child inherits the
  // descriptors, never needs it (a few milliseconds of every start).
  runMain(process.argv.slice(2), {
    get stdout() {
      return quietOnBrokenPipe(process.stdout);
    },
    get stderr() {
      return quietOnBrokenPipe(process.stderr);
    },
    env: process.env,
    cwd: process.cwd(),
  }).then((code) => {
    process.exitCode = code;
  });
}
