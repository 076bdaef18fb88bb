import { existsSync, readdirSync } from "node:fs";
import { join, relative, resolve } from "node:path";
import { canonicalEnvironment } from "../environments/aliases.js";
import { type Issue, StrongboxError } from "../errors.js";
import { readUserFile } from "../fs/read-user-file.js";
import type { Project } from "../project/open.js";
import { checkLayers, type LayerFile, type LayerReport } from "./check-layers.js";
import { type CodeLayer, readCodeLayer } from "./code-layer.js";

/** What {@link checkProjectLayers} reads beyond the project. */
export interface ProjectLayerOptions {
  /** Paths in messages are shown relative to this directory. */
  readonly cwd: string;
  /** Templates to check; default: every `secrets*.ctmpl` beside the config. */
  readonly templates?: readonly string[] | undefined;
  /** The code layer, a Python file with a Pydantic `BaseSettings` class; default: `config.py` beside the config, if any. */
  readonly code?: string | undefined;
  /** Also compare with what Vault holds for this environment (`--live`). */
  readonly live?: {
    readonly environment: string;
    readonly env: Readonly<Record<string, string | undefined>>;
  };
}

/**
 * The code layer: the file `--code` names, which must hold a settings class,
 * or a `config.py` beside the config when it holds one (a `config.py` that
 * is not Pydantic settings, a Django or Flask one, is no layer of ours).
 */
function codeLayer(
  given: string | undefined,
  path: string,
  read: (path: string) => LayerFile,
): CodeLayer | undefined {
  if (given === undefined && !existsSync(path)) return undefined;
  const layer = readCodeLayer(read(path));
  if (layer.fields.length > 0) return layer;
  if (given === undefined) return undefined;
  throw new StrongboxError(
    "E_USAGE",
    `check --layers: ${layer.path} has no class deriving from BaseSettings with annotated fields`,
    { hint: "give the Python file that defines the Pydantic settings class with --code" },
  );
}

/** A {@link LayerReport} plus which files were read, for the summary line. */
export interface ProjectLayerReport extends LayerReport {
  readonly example: string | undefined;
  readonly templates: readonly string[];
  /** The code layer read (`config.py`), if any. */
  readonly code: string | undefined;
}

/**
 * The three-layer gate on a project (`strongbox check --layers`): reads
 * `.env.example` beside the config and the templates, checks that they
 * agree with the schema, and with `live` that Vault holds what the schema
 * says (Vault reached with the config's `vault:` settings).
 */
export async function checkProjectLayers(
  project: Project,
  options: ProjectLayerOptions,
): Promise<ProjectLayerReport> {
  const read = (path: string): LayerFile => {
    const shown = relative(options.cwd, path) || path;
    return {
      path: shown,
      text: readUserFile(path, {
        shown,
        context: "check --layers",
        hint: "check the paths given with --template and --code",
      }),
    };
  };

  const examplePath = join(project.baseDir, ".env.example");
  const templates =
    options.templates?.map((path) => resolve(options.cwd, path)) ??
    readdirSync(project.baseDir)
      .filter((name) => /^secrets(\.[\w-]+)?\.ctmpl$/.test(name))
      .map((name) => join(project.baseDir, name));
  const example = existsSync(examplePath) ? read(examplePath) : undefined;
  const codePath =
    options.code === undefined
      ? join(project.baseDir, "config.py")
      : resolve(options.cwd, options.code);
  const code = codeLayer(options.code, codePath, read);
  const layered = checkLayers(project.config, {
    ...(example === undefined ? {} : { example }),
    ...(code === undefined ? {} : { code }),
    templates: templates.map(read),
  });
  let live: Issue[] = [];
  if (options.live !== undefined) {
    // Loaded only for --live, so the offline gate does not pay for the Vault client.
    const { vaultClientFor } = await import("../project/vault-client.js");
    const { liveLayerIssues, liveOrphanIssues, liveTemplateIssues } = await import("./live.js");
    // `--env prod --live` compares production's paths, as `--env production` does.
    const environment = canonicalEnvironment(project.config, options.live.environment);
    const client = vaultClientFor(project.config, environment, options.live.env);
    try {
      live = await liveLayerIssues(project.config, environment, client);
      if (!live.some((item) => item.message.includes("unreachable")))
        for (const more of [liveTemplateIssues, liveOrphanIssues])
          live.push(...(await more(project.config, environment, client, layered.reads)));
    } finally {
      await client.close();
    }
  }
  return {
    ...layered,
    ok: layered.ok && live.length === 0,
    issues: [...layered.issues, ...live],
    example: example?.path,
    code: code?.path,
    templates: templates.map((path) => relative(options.cwd, path) || path),
  };
}
