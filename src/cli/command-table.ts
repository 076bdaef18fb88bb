import { FORMATS } from "../format/formats.js";
import type { Command } from "./command.js";

/** "a, b or c": the format list in prose, from the format records. */
const FORMAT_LIST = `${FORMATS.slice(0, -1).join(", ")} or ${FORMATS.at(-1)}`;

/** Command modules, imported only when run, so `strongbox run` loads no code of `explain`. */
export const COMMANDS: Readonly<
  Record<string, { readonly summary: string; readonly load: () => Promise<Command> }>
> = {
  run: {
    summary: "run a command with the resolved configuration in its environment",
    load: async () => (await import("./commands/run.js")).runCommand,
  },
  export: {
    summary: `print the resolved configuration as ${FORMAT_LIST}`,
    load: async () => (await import("./commands/export.js")).exportCommand,
  },
  check: {
    summary: "resolve and validate only; exit status for CI",
    load: async () => (await import("./commands/check.js")).checkCommand,
  },
  diff: {
    summary: "what differs between two environments (declarations; --live: values, never shown)",
    load: async () => (await import("./commands/diff.js")).diffCommand,
  },
  ui: {
    summary: "a local, read-only dashboard (loopback, one-time token; never a value)",
    load: async () => (await import("./commands/ui.js")).uiCommand,
  },
  explain: {
    summary: "show where each variable came from and what it shadowed (never values)",
    load: async () => (await import("./commands/explain.js")).explainCommand,
  },
  init: {
    summary: "create the encrypted store and its master key",
    load: async () => (await import("./commands/init.js")).initCommand,
  },
  set: {
    summary: "store a secret (value from stdin, a hidden prompt, or a file)",
    load: async () => (await import("./commands/set.js")).setCommand,
  },
  edit: {
    summary: "change a secret in $EDITOR (a 0600 file in a private directory, removed after)",
    load: async () => (await import("./commands/edit.js")).editCommand,
  },
  get: {
    summary: "print a secret's value (latest, or --version N)",
    load: async () => (await import("./commands/get.js")).getCommand,
  },
  list: {
    summary: "list the store's secrets with their metadata (never values)",
    load: async () => (await import("./commands/list.js")).listCommand,
  },
  rm: {
    summary: "delete a secret (a tombstone version; --purge destroys it)",
    load: async () => (await import("./commands/rm.js")).rmCommand,
  },
  history: {
    summary: "list every version of a secret (never values)",
    load: async () => (await import("./commands/history.js")).historyCommand,
  },
  rollback: {
    summary: "make an older version of a secret current again",
    load: async () => (await import("./commands/rollback.js")).rollbackCommand,
  },
  resolve: {
    summary: "end a git merge conflict in a secret's file (--ours or --theirs)",
    load: async () => (await import("./commands/resolve.js")).resolveCommand,
  },
  rotate: {
    summary:
      "rotate a secret with an overlap, retire the old version after the soak, or all that is due",
    load: async () => (await import("./commands/rotate.js")).rotateCommand,
  },
  audit: {
    summary: "query the audit log: who read or changed which secret, when, with what outcome",
    load: async () => (await import("./commands/audit.js")).auditCommand,
  },
  compromise: {
    summary: "rotate a compromised secret and its blast radius now; report who accessed them",
    load: async () => (await import("./commands/compromise.js")).compromiseCommand,
  },
  smoke: {
    summary: "check the resolved configuration against PostgreSQL, Redis, SMTP, HTTP and S3",
    load: async () => (await import("./commands/smoke.js")).smokeCommand,
  },
  inventory: {
    summary: "every secret: owner, users, storage per environment, cadence, due and expiry",
    load: async () => (await import("./commands/inventory.js")).inventoryCommand,
  },
  "generate-secret": {
    summary: "print a new random secret (bytes, password, uuid, key pair, WireGuard key)",
    load: async () => (await import("./commands/generate-secret.js")).generateSecretCommand,
  },
  "rotate-key": {
    summary: "add a new data key; new writes use it",
    load: async () => (await import("./commands/rotate-key.js")).rotateKeyCommand,
  },
  rewrap: {
    summary: "re-encrypt every stored version under the newest data key",
    load: async () => (await import("./commands/rewrap.js")).rewrapCommand,
  },
  "rewrap-data": {
    summary: "after a master key rotation, move a table's encrypted fields to the new version",
    load: async () => (await import("./commands/rewrap-data.js")).rewrapDataCommand,
  },
  keygen: {
    summary: "create an age identity for opening team stores; print its recipient",
    load: async () => (await import("./commands/keygen.js")).keygenCommand,
  },
  recipients: {
    summary: "list, add or remove who can open the store; trust or fingerprint its key",
    load: async () => (await import("./commands/recipients.js")).recipientsCommand,
  },
  rekey: {
    summary: "change the master key (cost independent of the number of secrets)",
    load: async () => (await import("./commands/rekey.js")).rekeyCommand,
  },
  import: {
    summary: "move the secrets of a plaintext .env file into the store",
    load: async () => (await import("./commands/import.js")).importCommand,
  },
  vault: {
    summary: "Vault operator tools: setup (policies and AppRoles), doctor",
    load: async () => (await import("./commands/vault.js")).vaultCommand,
  },
  generate: {
    summary: "write .env.example or secrets.ctmpl from the schema",
    load: async () => (await import("./commands/generate.js")).generateCommand,
  },
  lint: {
    summary: "check the project against the rules of secrets hygiene",
    load: async () => (await import("./commands/lint.js")).lintCommand,
  },
  scan: {
    summary: "find resolved secret values in build output",
    load: async () => (await import("./commands/scan.js")).scanCommand,
  },
  migrate: {
    summary: "move .env secrets into Vault (dry run first, journal, rollback)",
    load: async () => (await import("./commands/migrate.js")).migrateCommand,
  },
  env: {
    summary: "create or destroy ephemeral pr-* environments in Vault",
    load: async () => (await import("./commands/env.js")).envCommand,
  },
  render: {
    summary: "render secrets.ctmpl-style templates from Vault into files (0600, atomic)",
    load: async () => (await import("./commands/render.js")).renderCommand,
  },
  agent: {
    summary: "keep rendered files and a child process up to date with Vault",
    load: async () => (await import("./commands/agent.js")).agentCommand,
  },
  doctor: {
    summary: "check the local side: config, key files, store, .gitignore, cache, audit, Vault",
    load: async () => (await import("./commands/doctor.js")).doctorCommand,
  },
  version: {
    summary: "print the version, Node.js version, platform and kind of install",
    load: async () => (await import("./commands/version.js")).versionCommand,
  },
  hook: {
    summary: "install a git pre-commit hook that refuses commits adding secrets (and run it)",
    load: async () => (await import("./commands/hook.js")).hookCommand,
  },
  completion: {
    summary: "print or install a shell completion script (bash, zsh, fish or PowerShell)",
    load: async () => (await import("./commands/completion.js")).completionCommand,
  },
};

/**
 * `__complete`, which the completion scripts call on Tab: in the table, so
 * `strongbox __complete` runs it, but not enumerable, so help, completion and
 * did-you-mean (which list the table's entries) never show it.
 */
Object.defineProperty(COMMANDS, "__complete", {
  enumerable: false,
  value: {
    summary: "complete a command line (called by the completion scripts)",
    load: async () => (await import("./commands/complete.js")).completeCommand,
  },
});
