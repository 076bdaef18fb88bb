import { type SchemaStoreSecret, storeSecretsInSchema } from "../../api/store.js";
import { openSessionIfAny } from "../../index.js";
import { type Command, type Invocation, stringOption } from "../command.js";
import { EXIT_OK } from "../exit-codes.js";
import { type CliIo, say, writeJson, writeReport } from "../io.js";
import { openStoreForCli, STORE_HELP, STORE_OPTION } from "../store-context.js";
import { table } from "../table.js";

/** `strongbox list`: names and metadata of the store's secrets. Never values. */
export const listCommand: Command = {
  name: "list",
  options: {
    ...STORE_OPTION,
    keys: { type: "boolean" },
    deleted: { type: "boolean" },
    json: { type: "boolean" },
    help: { type: "boolean", short: "h" },
  },
  usage: `Usage: strongbox list [--json] [--keys] [--deleted]

Lists every secret: name, version, last change and by whom, data key,
expiry, rotation (the secret's own --rotate-every, or, for a secret the
schema rotates, when it is due), tags. Values are never shown.

Options:
${STORE_HELP}
      --keys          also list the data keys and how many records each protects
      --deleted       include secrets whose latest version is a tombstone
      --json          print the list as JSON
`,
  async run(invocation, io) {
    const store = await openStoreForCli(invocation, io);
    const secrets = store
      .list()
      .filter((secret) => invocation.values.deleted === true || !secret.deleted);
    const keys =
      invocation.values.keys === true
        ? [...store.keyUsage()].map(([kid, records]) => ({
            kid,
            records,
            active: kid === store.activeKey,
          }))
        : undefined;
    if (invocation.values.json === true) {
      writeJson(io, { store: store.id, secrets, ...(keys === undefined ? {} : { keys }) });
      return EXIT_OK;
    }
    const now = Date.now();
    const lifecycle = await schemaLifecycle(invocation, io);
    const rotation = (name: string, updatedAt: string, ownEvery: string | undefined) => {
      if (ownEvery !== undefined) return `rotate every ${ownEvery}`;
      const declared = lifecycle.get(name);
      if (declared?.everyMs === undefined) return "";
      const due = Date.parse(updatedAt) + declared.everyMs;
      return `${due <= now ? "OVERDUE" : "due"} ${new Date(due).toISOString().slice(0, 10)} (${declared.variable})`;
    };
    const rows = secrets.map((secret) =>
      secret.problem !== undefined
        ? [
            secret.name,
            "?",
            "",
            "",
            "",
            "",
            `${secret.problem.code}: run strongbox get ${secret.name}`,
            "",
          ]
        : [
            secret.name,
            `v${secret.version}${secret.deleted ? " (deleted)" : ""}`,
            secret.updatedAt.slice(0, 19).replace("T", " "),
            secret.updatedBy,
            secret.kid === undefined ? "-" : `key ${secret.kid}`,
            expiry(secret.meta.expires ?? lifecycle.get(secret.name)?.expires, now),
            rotation(secret.name, secret.updatedAt, secret.meta.rotateEvery),
            (secret.meta.tags ?? []).join(","),
          ],
    );
    const broken = secrets.filter((secret) => secret.problem !== undefined);
    for (const secret of broken)
      say(
        io,
        `strongbox: warning: ${secret.name}: ${secret.problem?.message} (${secret.problem?.code})`,
      );
    writeReport(
      io,
      table(["NAME", "VERSION", "UPDATED (UTC)", "BY", "KEY", "EXPIRY", "ROTATION", "TAGS"], rows),
    );
    if (keys !== undefined) {
      writeReport(
        io,
        `\n${table(
          ["KEY", "RECORDS", ""],
          keys.map((key) => [`key ${key.kid}`, String(key.records), key.active ? "active" : ""]),
        )}`,
      );
    }
    return EXIT_OK;
  },
};

function expiry(expires: string | undefined, now: number): string {
  if (expires === undefined) return "";
  return `${Date.parse(expires) <= now ? "EXPIRED " : "expires "}${expires.slice(0, 10)}`;
}

/**
 * What the project's schema says of the store's secrets: for each store name a
 * variable reads (`store://NAME`, in any environment), its rotation cadence
 * and expiry. Empty without a config.
 */
async function schemaLifecycle(
  invocation: Invocation,
  io: CliIo,
): Promise<Map<string, SchemaStoreSecret>> {
  const { config } = await openSessionIfAny({
    cwd: io.cwd,
    configPath: stringOption(invocation, "config"),
    processEnv: io.env,
  });
  return config === undefined ? new Map() : storeSecretsInSchema(config);
}
