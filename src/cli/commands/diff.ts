import { resolve } from "node:path";
import { type DiffRow, type DiffSide, diffAgainstFile, diffEnvironments } from "../../api/check.js";
import { readPlaintextDotenvFile } from "../../api/migrate.js";
import { diffStoreRevision } from "../../api/store.js";
import { diffVaultPaths } from "../../api/vault.js";
import { StrongboxError } from "../../errors.js";
import { openProject, openSessionIfAny } from "../../index.js";
import { type Command, type Invocation, stringOption } from "../command.js";
import { EXIT_DIFFERENT, EXIT_OK } from "../exit-codes.js";
import { type CliIo, say, writeJson, writeReport } from "../io.js";
import { promptHidden } from "../prompt.js";
import { STORE_HELP, STORE_OPTION, storeOptions } from "../store-context.js";

/** `strongbox diff ENV_A ENV_B`: what differs between two environments, never a value. */
export const diffCommand: Command = {
  name: "diff",
  options: {
    ...STORE_OPTION,
    live: { type: "boolean" },
    against: { type: "string" },
    "store-rev": { type: "string" },
    vault: { type: "boolean" },
    "only-secrets": { type: "boolean" },
    format: { type: "string" },
    json: { type: "boolean" },
    help: { type: "boolean", short: "h" },
  },
  usage: `Usage: strongbox diff ENV_A ENV_B [--live] [--only-secrets] [--format table|json|markdown]
       strongbox diff --against FILE.env ENV [--only-secrets] [--format …]
       strongbox diff --store-rev REV [--store DIR] [--env E] [--format …]
       strongbox diff --vault PATH_A PATH_B [-e ENV] [--format …]

One row per variable: whether each environment requires it, what is declared
for it there (the .env line that wins as run would pick it, with the reference
it names, else the schema's reference, a default, or the environment), and
with --live what each environment resolves (the source and version that won,
or the problem), each under its own policy, and whether the two values are
equal. An environment with a credentialPrefix (PRODUCTION_) is read with its
prefixed variables alone (PRODUCTION_VAULT_TOKEN, PRODUCTION_VAULT_ADDR,
PRODUCTION_AWS_…), never with another environment's; stderr says whose
credentials each side used. Values are compared in this process by HMAC under a key
made for this run and then forgotten: no value, and no hash of one, is ever
printed. Without --live nothing is resolved and no secret is needed (a CI
check of declarations).

--against compares a local .env file with an environment (resolved for real):
which names the file holds, and whether each value equals the environment's,
by the same HMAC rule; names only the file has are listed too.

--store-rev compares the store with itself at a git revision (HEAD~1, a tag):
which secrets were added, removed or changed since, by the same HMAC rule. It
opens the old copy with your identity or key, so a store re-keyed since then
needs an identity that was a recipient then.

--vault compares two Vault KV secrets (mount/path, v1 or v2, as in vault://
refs without the #key): the keys each holds and whether their values are
equal, by the same HMAC rule. It reads with this process's Vault credentials
(VAULT_ADDR and a token or AppRole, the config's vault: section), or with
-e ENV that environment's own (its vault: settings and credentialPrefix);
each read is an audit record.

Exit status: 0 when nothing differs, 1 when something does (as diff(1)),
other codes for errors (see strongbox --help).

Options:
${STORE_HELP}
      --live          resolve both environments and compare values
      --against FILE  compare a .env file with one environment
      --store-rev REV compare the store with itself at a git revision
      --vault         compare two Vault KV secrets given as PATH_A PATH_B
      --only-secrets  only variables marked secret
      --format F      table (default), json or markdown
`,
  async run(invocation, io) {
    const rev = stringOption(invocation, "store-rev");
    if (rev !== undefined) {
      const format = formatOf(invocation);
      const diff = await diffStoreRevision(await storeOptions(invocation, io), rev);
      if (format === "json") writeJson(io, diff);
      else {
        const header = ["secret", rev, "now", "values"];
        const lines = diff.rows.map((row) => [
          row.name,
          row.past === undefined ? "-" : `v${row.past}`,
          row.now === undefined ? "-" : `v${row.now}`,
          row.values,
        ]);
        writeReport(io, table([header, ...lines], format === "markdown"));
      }
      return diff.different ? EXIT_DIFFERENT : EXIT_OK;
    }
    if (invocation.values.vault === true) return diffVault(invocation, io);
    const against = stringOption(invocation, "against");
    if (against !== undefined) return diffFile(against, invocation, io);
    const [a, b, ...extra] = invocation.positionals;
    if (a === undefined || b === undefined || extra.length > 0)
      throw new StrongboxError("E_USAGE", "diff: give two environments", {
        hint: "strongbox diff staging production [--live]",
      });
    const format = formatOf(invocation);
    const project = await openProject({
      cwd: io.cwd,
      configPath: stringOption(invocation, "config"),
      processEnv: io.env,
    });
    const diff = await diffEnvironments(
      project,
      { a, b },
      {
        live: invocation.values.live === true,
        onlySecrets: invocation.values["only-secrets"] === true,
        processEnv: io.env,
        cwd: io.cwd,
        passphrase: async () => (await promptHidden(io, "store passphrase: ")) ?? "",
      },
    );
    if (diff.credentials !== undefined) sayCredentials(io, a, b, diff.credentials);
    if (format === "json") writeJson(io, diff);
    else writeReport(io, render(diff.rows, a, b, diff.live, format === "markdown"));
    return diff.different ? EXIT_DIFFERENT : EXIT_OK;
  },
};

/** Says on stderr whose credentials each side was read with; warns when both shared this process's. */
function sayCredentials(
  io: CliIo,
  a: string,
  b: string,
  credentials: { readonly a: string | null; readonly b: string | null },
): void {
  const whose = (prefix: string | null) =>
    prefix === null ? "this process's credentials" : `its ${prefix}* credentials`;
  if (credentials.a === null && credentials.b === null)
    say(
      io,
      `strongbox: warning: ${a} and ${b} were both read with this process's credentials, each under its own policy; give each environment a credentialPrefix to read it with its own (see docs/diff.md)`,
    );
  else
    say(io, `strongbox: ${a} read with ${whose(credentials.a)}, ${b} with ${whose(credentials.b)}`);
}

function formatOf(invocation: Invocation): string {
  const format =
    stringOption(invocation, "format") ?? (invocation.values.json === true ? "json" : "table");
  if (!["table", "json", "markdown"].includes(format))
    throw new StrongboxError("E_USAGE", `diff: unknown format ${format}`, {
      hint: "use table, json or markdown",
    });
  return format;
}

/** `--vault PATH_A PATH_B`: two KV secrets' keys and value equality. */
async function diffVault(invocation: Invocation, io: CliIo): Promise<number> {
  const [a, b, ...extra] = invocation.positionals;
  if (a === undefined || b === undefined || extra.length > 0)
    throw new StrongboxError("E_USAGE", "diff --vault: give two Vault paths", {
      hint: "strongbox diff --vault secret/app/staging secret/app/production",
    });
  const format = formatOf(invocation);
  // With --env, that environment's Vault and credentials (its vault: settings, its credentialPrefix).
  const session = await openSessionIfAny({
    cwd: io.cwd,
    configPath: stringOption(invocation, "config"),
    processEnv: io.env,
    environment: stringOption(invocation, "env"),
    checked: true,
  });
  const client = session.vault();
  try {
    const diff = await diffVaultPaths(client, { a, b }, session.audit());
    if (format === "json") writeJson(io, diff);
    else
      writeReport(
        io,
        table(
          [
            ["key", a, b, "values"],
            ...diff.rows.map((row) => [
              row.key,
              row.values === "only-b" ? "-" : "present",
              row.values === "only-a" ? "-" : "present",
              row.values,
            ]),
          ],
          format === "markdown",
        ),
      );
    return diff.different ? EXIT_DIFFERENT : EXIT_OK;
  } finally {
    await session.close();
  }
}

/** `--against FILE ENV`: a local file's names and values against an environment's. */
async function diffFile(path: string, invocation: Invocation, io: CliIo): Promise<number> {
  const [environment, ...extra] = invocation.positionals;
  if (environment === undefined || extra.length > 0)
    throw new StrongboxError("E_USAGE", "diff --against FILE: give one environment", {
      hint: "strongbox diff --against .env staging",
    });
  const format = formatOf(invocation);
  const entries = readPlaintextDotenvFile(resolve(io.cwd, path), {
    shown: path,
    context: "diff",
    hint: "check the path given with --against",
    env: io.env,
    nothing: "nothing was compared",
  });
  const project = await openProject({
    cwd: io.cwd,
    configPath: stringOption(invocation, "config"),
    processEnv: io.env,
  });
  const diff = await diffAgainstFile(project, { label: path, entries }, environment, {
    onlySecrets: invocation.values["only-secrets"] === true,
    processEnv: io.env,
    cwd: io.cwd,
    passphrase: async () => (await promptHidden(io, "store passphrase: ")) ?? "",
  });
  if (format === "json") writeJson(io, diff);
  else writeReport(io, render(diff.rows, path, environment, true, format === "markdown"));
  return diff.different ? EXIT_DIFFERENT : EXIT_OK;
}

function render(
  rows: readonly DiffRow[],
  a: string,
  b: string,
  live: boolean,
  markdown: boolean,
): string {
  const header = ["variable", a, b, ...(live ? ["values"] : []), ""];
  const lines = rows.map((row) => [
    `${row.name}${row.secret ? " (secret)" : ""}`,
    describe(row.a, live),
    describe(row.b, live),
    ...(live ? [row.values ?? ""] : []),
    row.differs ? "≠" : "",
  ]);
  return table([header, ...lines], markdown);
}

/** Rows as aligned text, or as a markdown table. */
function table(rows: readonly (readonly string[])[], markdown: boolean): string {
  const [header = [], ...lines] = rows;
  if (markdown)
    return `${[header, header.map(() => "---"), ...lines].map((cells) => `| ${cells.join(" | ")} |`).join("\n")}\n`;
  const widths = header.map((_, i) => Math.max(...rows.map((cells) => (cells[i] ?? "").length)));
  return `${rows
    .map((cells) =>
      cells
        .map((cell, i) => cell.padEnd(widths[i] ?? 0))
        .join("  ")
        .trimEnd(),
    )
    .join("\n")}\n`;
}

function describe(side: DiffSide, live: boolean): string {
  const need = side.required ? "" : " (optional)";
  if (!live) return `${side.declared}${need}`;
  if (side.status === "problem") return `problem ${side.problem ?? ""}${need}`;
  if (side.status === "unset") return `unset${need}`;
  const rotated =
    side.lastRotated === undefined ? "" : `, rotated ${side.lastRotated.slice(0, 10)}`;
  return `${side.source ?? side.declared}${side.version === undefined ? "" : ` v${side.version}`}${rotated}${need}`;
}
