import type { Command } from "../command.js";
import { EXIT_OK } from "../exit-codes.js";
import { say } from "../io.js";
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
expiry, rotation policy, tags. Values are never shown.

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
      io.stdout.write(
        `${JSON.stringify({ store: store.id, secrets, ...(keys === undefined ? {} : { keys }) }, null, 2)}\n`,
      );
      return EXIT_OK;
    }
    const now = Date.now();
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
            secret.meta.expires === undefined
              ? ""
              : `${Date.parse(secret.meta.expires) <= now ? "EXPIRED " : "expires "}${secret.meta.expires.slice(0, 10)}`,
            secret.meta.rotateEvery === undefined ? "" : `rotate every ${secret.meta.rotateEvery}`,
            (secret.meta.tags ?? []).join(","),
          ],
    );
    for (const secret of secrets)
      if (secret.problem !== undefined)
        say(
          io,
          `strongbox: warning: ${secret.name}: ${secret.problem.message} (${secret.problem.code})`,
        );
    const broken = secrets.filter((secret) => secret.problem !== undefined);
    for (const secret of broken)
      say(
        io,
        `strongbox: warning: ${secret.name}: ${secret.problem?.message} (${secret.problem?.code})`,
      );
    io.stdout.write(
      table(["NAME", "VERSION", "UPDATED (UTC)", "BY", "KEY", "EXPIRY", "ROTATION", "TAGS"], rows),
    );
    if (keys !== undefined) {
      io.stdout.write(
        `\n${table(
          ["KEY", "RECORDS", ""],
          keys.map((key) => [`key ${key.kid}`, String(key.records), key.active ? "active" : ""]),
        )}`,
      );
    }
    return EXIT_OK;
  },
};
