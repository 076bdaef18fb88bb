import { appendFileSync, existsSync, readFileSync, statSync, unlinkSync } from "node:fs";
import { basename, dirname, join } from "node:path";
import { StrongboxError } from "../errors.js";
import { writeFileAtomic } from "../fs/atomic-write.js";
import { readUserFile } from "../fs/read-user-file.js";
import { knownSchemes } from "../providers/registry.js";
import { storeProvider } from "../providers/store/index.js";
import { formatRef, refScheme } from "../refs/ref.js";
import { looksSecret } from "../schema/looks-secret.js";
import type { ConfigSpec } from "../schema/types.js";
import { partitionCredentials } from "../security/credentials.js";
import type { Store } from "../store/store.js";
import { readPlaintextDotenv } from "./read-dotenv.js";

/** What to do with the plaintext file once its secrets are in the store. */
export type ImportAction = "rewrite" | "gitignore" | "delete";

/** What {@link importDotenv} needs. */
export interface ImportOptions {
  /** The file as the user named it, for messages. */
  readonly shown: string;
  /** For `${VAR}` expansion in the file (credentials are refused). */
  readonly env: Readonly<Record<string, string | undefined>>;
  /** Opens the store the secrets go into; called only once the file has parsed and nothing is refused. */
  readonly store: () => Store | Promise<Store>;
  /** The schema, when there is one: its `secret` marks decide what is a secret. */
  readonly config?: ConfigSpec | undefined;
  /** Import every variable, not only secrets. */
  readonly all?: boolean;
  readonly action?: ImportAction | undefined;
}

/** What was done: names and versions, never values. */
export interface ImportResult {
  readonly imported: ReadonlyArray<{ readonly name: string; readonly version: number }>;
  /** Left in the file: not secrets, empty, or already references. */
  readonly skipped: readonly string[];
  /** Left in the file because they are credentials (`VAULT_TOKEN`, `AWS_SECRET_ACCESS_KEY`…), even with `all`. */
  readonly credentials: readonly string[];
  readonly action: ImportAction | undefined;
}

/**
 * Moves the secrets of a plaintext `.env` file into the store (`strongbox
 * import`): secrets are what the schema marks secret, else names and values
 * that look secret; references and empty values stay. Then, by `action`,
 * rewrites the file to reference the store (atomically, keeping every other
 * line), adds it to the `.gitignore` beside it, or deletes it. Everything
 * that can be refused is refused before anything is stored: a parse
 * problem, or `delete` of a file that holds more than was imported.
 */
export async function importDotenv(path: string, options: ImportOptions): Promise<ImportResult> {
  const text = readUserFile(path, {
    shown: options.shown,
    context: "import",
    hint: "give the path of the .env file to import",
  });
  const entries = readPlaintextDotenv(text, {
    shown: `import: ${options.shown}`,
    env: options.env,
    nothing: "nothing was imported",
  });
  const marked = new Map(
    Object.entries(options.config?.variables ?? {}).map(([name, spec]) => [
      spec.env ?? name,
      spec.secret === true,
    ]),
  );
  const isSecret = (key: string, value: string) =>
    options.all === true || (marked.get(key) ?? looksSecret(key, value));
  // Credentials never go into a store that is committed and shared, whatever --all says.
  const { credentials, others } = partitionCredentials(entries, (entry) => entry.key);
  const chosen = others.filter((entry) => {
    const scheme = refScheme(entry.value);
    const reference = scheme !== undefined && knownSchemes().includes(scheme);
    return entry.value !== "" && !reference && isSecret(entry.key, entry.value);
  });
  const skipped = others.filter((entry) => !chosen.includes(entry)).map((e) => e.key);
  const credentialNames = credentials.map((entry) => entry.key);
  const left = [...credentialNames, ...skipped];
  if (options.action === "delete" && left.length > 0)
    throw new StrongboxError(
      "E_USAGE",
      `import: ${options.shown} also holds ${left.join(", ")}, which would not be imported; nothing was imported and the file was kept`,
      { hint: "use --rewrite to keep them and reference the store, or --all" },
    );
  const store = await options.store();
  const imported = chosen.map((entry) => ({
    name: entry.key,
    version: store.set(entry.key, Buffer.from(entry.value, "utf8")),
  }));
  if (options.action === "rewrite") rewrite(path, text, chosen);
  if (options.action === "gitignore") ignore(path);
  if (options.action === "delete") unlinkSync(path);
  return { imported, skipped, credentials: credentialNames, action: options.action };
}

/**
 * Replaces the lines of each imported entry with a reference, keeping every
 * other line as it was; written atomically with the file's own mode, so a
 * crash leaves the old file or the new one, never half of each.
 */
function rewrite(
  path: string,
  text: string,
  entries: ReadonlyArray<{ key: string; line: number; endLine: number }>,
): void {
  const lines = text.split("\n");
  for (const entry of [...entries].sort((a, b) => b.line - a.line)) {
    const ref = formatRef({ scheme: storeProvider.scheme, path: entry.key, params: {} });
    lines.splice(entry.line - 1, entry.endLine - entry.line + 1, `${entry.key}=${ref}`);
  }
  writeFileAtomic(path, Buffer.from(lines.join("\n")), statSync(path).mode & 0o777);
}

function ignore(path: string): void {
  const gitignore = join(dirname(path), ".gitignore");
  const name = basename(path);
  const current = existsSync(gitignore) ? readFileSync(gitignore, "utf8") : "";
  if (current.split("\n").some((line) => line.trim() === name || line.trim() === `/${name}`))
    return;
  appendFileSync(gitignore, `${current === "" || current.endsWith("\n") ? "" : "\n"}${name}\n`);
}
