/**
 * Running a program with a resolved configuration, as `strongbox run` does:
 * the child's environment (the parent's without secret-manager credentials,
 * plus every resolved value and an attestation marker), the child itself
 * with its output masked, and supervision that re-resolves and restarts it
 * when the config, its `.env` files or the store change.
 *
 * ```ts
 * import { childEnvironment, spawnChild } from "strongbox/exec";
 * const env = childEnvironment(process.env, resolution);
 * const { done } = spawnChild({ command: "node", args: ["app.js"], env, stdout: process.stdout, stderr: process.stderr });
 * ```
 * @packageDocumentation
 */
// Hands every provider's credentials to security's rule, which scrubs them from the child's environment.
import "../providers/registry.js";

export { childEnvironment } from "../exec/child-env.js";
export { registerCredentialValues } from "../exec/credential-values.js";
export type { EditorExit, RunningEditor } from "../exec/editor.js";
/** The person's editor ($VISUAL, $EDITOR, vi) started on a file as git starts it, credentials scrubbed. */
export { editorOf, startEditor } from "../exec/editor.js";
export type { ChildTree } from "../exec/process-group.js";
export {
  GROUPS_SUPPORTED,
  hasControllingTerminal,
  signalTree,
  stopTree,
} from "../exec/process-group.js";
export type { Exit, SpawnOptions, Started } from "../exec/spawn-child.js";
export { spawnChild } from "../exec/spawn-child.js";
export type { WatchOptions } from "../exec/watch.js";
export { superviseWatched } from "../exec/watch.js";
/** The provider credentials (AWS keys, say) set in an environment that a child is not handed unless declared. */
export { providerCredentialsIn } from "../security/credentials.js";
