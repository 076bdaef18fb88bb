import { resolve } from "node:path";
import { fileProvider } from "../providers/file/index.js";
import { parseRef, refScheme } from "../refs/ref.js";
import { fillRefTemplate, schemaRefFor } from "../refs/template.js";
import type { ConfigSpec } from "../schema/types.js";
import type { ReadScope } from "../security/read-guard.js";
import { envValue } from "../util/env-value.js";

/**
 * The files a config names for `environment`: each variable's schema ref
 * there, and the value the operator's environment gives a declared variable,
 * when it is a `file://` reference. These may be read wherever they are
 * (a Kubernetes or Docker secret under /run/secrets); a `.env` file or a
 * template may only read them or files inside the project.
 */
export function configNamedFiles(
  config: ConfigSpec,
  environment: string,
  processEnv: Readonly<Record<string, string | undefined>>,
  baseDir: string,
): string[] {
  const named: string[] = [];
  const add = (text: string | undefined, variable: string) => {
    if (text === undefined || refScheme(text) !== fileProvider.scheme) return;
    try {
      named.push(resolve(baseDir, parseRef(text, variable).path));
    } catch {
      // A broken ref is reported by the resolver; it names nothing.
    }
  };
  for (const [name, spec] of Object.entries(config.variables ?? {})) {
    const text = schemaRefFor(spec, environment);
    if (text !== undefined)
      try {
        add(fillRefTemplate(text, name, spec, environment, config), name);
      } catch {
        // As above: the resolver says what is wrong with it.
      }
    for (const envName of [spec.env ?? name, ...(spec.aliases ?? [])])
      add(envValue(processEnv, envName), name);
  }
  return named;
}

/** Where the references of a resolution may read: the project (the config's directory) and what the config names. */
export function projectReadScope(
  config: ConfigSpec,
  environment: string,
  processEnv: Readonly<Record<string, string | undefined>>,
  baseDir: string,
): ReadScope {
  return {
    roots: [baseDir],
    named: configNamedFiles(config, environment, processEnv, baseDir),
    cwd: baseDir,
    env: processEnv,
  };
}
