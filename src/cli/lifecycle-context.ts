import type { LifecycleContext } from "../api/lifecycle.js";
import { openProject, type Project, sessionOf } from "../index.js";
import { type Invocation, stringOption } from "./command.js";
import type { CliIo } from "./io.js";
import { promptHidden } from "./prompt.js";

/** The project, environment and credentials a lifecycle command works with. */
export async function lifecycleContext(
  invocation: Invocation,
  io: CliIo,
  opened?: Project,
): Promise<LifecycleContext & { readonly auditLog?: string; readonly project: Project }> {
  const project =
    opened ??
    (await openProject({
      cwd: io.cwd,
      configPath: stringOption(invocation, "config"),
      processEnv: io.env,
    }));
  const session = sessionOf(project, {
    processEnv: io.env,
    environment: stringOption(invocation, "env"),
    auditCwd: io.cwd,
  });
  const auditLog = session.auditFile();
  const audit = session.audit();
  return {
    ...(audit === undefined ? {} : { audit }),
    ...(auditLog === undefined ? {} : { auditLog }),
    project,
    config: project.config,
    baseDir: project.baseDir,
    environment: session.environmentName(),
    processEnv: io.env,
    passphrase: async () => (await promptHidden(io, "store passphrase: ")) ?? "",
  };
}

/** The options every lifecycle command takes. */
export const LIFECYCLE_OPTIONS = {
  env: { type: "string" as const, short: "e" },
  config: { type: "string" as const, short: "c" },
  json: { type: "boolean" as const },
  help: { type: "boolean" as const, short: "h" },
};
export const LIFECYCLE_HELP = `  -e, --env NAME      environment (default: $STRONGBOX_ENV, the config's default, or local)
  -c, --config PATH   the config file (default: strongbox.config.ts or .yaml here or above)
      --json          print the result as JSON
  -h, --help          show this help`;
