import { parseRef, type Ref } from "../refs/ref.js";
import { fillRefTemplate, schemaRefFor } from "../refs/template.js";
import { followedRef } from "../resolve/winner.js";
import type { ConfigSpec, VariableSpec } from "../schema/types.js";

/**
 * The ref `name`'s value lives at in the context's environment (templates
 * filled), if any: the reference resolution follows (a `.env` line such as
 * `NAME=store://NAME`, which `import --rewrite` writes, or the schema's
 * `ref`), else the schema's `ref` when a literal value shadows it.
 */
export function refIn(
  name: string,
  spec: VariableSpec,
  ctx: {
    readonly config: ConfigSpec;
    readonly baseDir: string;
    readonly environment: string;
    readonly processEnv: Readonly<Record<string, string | undefined>>;
  },
): Ref | undefined {
  const followed = followedRef(name, ctx.config, {
    baseDir: ctx.baseDir,
    processEnv: ctx.processEnv,
    environment: ctx.environment,
  });
  if (followed !== undefined) return followed;
  const text = schemaRefFor(spec, ctx.environment);
  if (text === undefined) return undefined;
  return parseRef(fillRefTemplate(text, name, spec, ctx.environment, ctx.config), name);
}
