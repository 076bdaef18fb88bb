import { StrongboxError } from "../errors.js";
import { openProject, type Project, resolveProject } from "../project/open.js";
import { maskedValues } from "../redact/redactor.js";
import { registeredRedactor, registerSecret } from "../redact/registry.js";
import type { Resolution } from "../resolve/types.js";
import { type Invocation, listOption, stringOption } from "./command.js";
import { type CliIo, sayAlways } from "./io.js";
import { promptHidden } from "./prompt.js";

/**
 * Opens the project and resolves it as the command line says, then arms the
 * redactor with every secret resolved, so nothing the CLI prints afterwards
 * can carry one.
 */
export async function resolveForCli(invocation: Invocation, io: CliIo): Promise<Resolution> {
  const project = await openProject({
    cwd: io.cwd,
    configPath: stringOption(invocation, "config"),
    processEnv: io.env,
  });
  return resolveOpenProject(project, invocation, io);
}

/**
 * Masks `value` in everything this process prints from now on, as a resolved
 * secret is: a value a command handles (`set`) never reaches a message, a
 * validator's included.
 */
export function maskInOutput(name: string, value: string): void {
  registerSecret(name, value);
}

/**
 * The `--break-glass` request, when the command offers the option and it was
 * given. Only the flag asks for it: no variable does, so a child of `run`
 * never inherits a broken glass.
 */
function breakGlassOption(invocation: Invocation): { reason: string } | undefined {
  const reason = invocation.values["break-glass"];
  if (reason === undefined) return undefined;
  if (typeof reason !== "string" || reason.trim() === "")
    throw new StrongboxError("E_USAGE", "--break-glass needs a reason", {
      hint: 'name the incident, as in --break-glass "INC-1234 vault down"',
    });
  return { reason };
}

/** {@link resolveForCli} for a project the command has already opened. */
export async function resolveOpenProject(
  project: Project,
  invocation: Invocation,
  io: CliIo,
): Promise<Resolution> {
  const resolution = await resolveProject(project, {
    environment: stringOption(invocation, "env"),
    files: listOption(invocation, "file"),
    processEnv: io.env,
    cwd: io.cwd,
    passphrase: async () => (await promptHidden(io, "store passphrase: ")) ?? "",
    breakGlass: breakGlassOption(invocation),
  });
  for (const { name, value } of maskedValues(resolution.entries)) registerSecret(name, value);
  // `run` masks its child's output with every value the process read: the resolved ones,
  // and the credentials Strongbox used to read them.
  io.redactor = registeredRedactor();
  // Warnings (break-glass included) are kept under --quiet.
  for (const warning of resolution.warnings ?? [])
    sayAlways(io, `strongbox: ${warning.startsWith("BREAK-GLASS") ? "" : "warning: "}${warning}`);
  return resolution;
}
