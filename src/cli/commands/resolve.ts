import { StrongboxError } from "../../errors.js";
import type { Command } from "../command.js";
import { EXIT_OK } from "../exit-codes.js";
import { say } from "../io.js";
import { openStoreForCli, STORE_HELP, STORE_OPTION } from "../store-context.js";

/** `strongbox resolve NAME --ours|--theirs`: end a git merge conflict in one secret's file. */
export const resolveCommand: Command = {
  name: "resolve",
  options: {
    ...STORE_OPTION,
    ours: { type: "boolean" },
    theirs: { type: "boolean" },
    "allow-rollback": { type: "boolean" },
    help: { type: "boolean", short: "h" },
  },
  usage: `Usage: strongbox resolve NAME --ours | --theirs

After a git merge in which two branches changed the same secret, its file
holds conflict markers and reads as a conflict (the store's other secrets
stay readable). Each side of the conflict is an authentic file; this keeps
one side, checks it, and writes it back. Set the value again afterwards if
the other side's change must also survive (\`strongbox set NAME\`), then
\`git add\` the file. A side with fewer versions than the store wrote (the
other side, or the manifest) would roll the secret back to an older value,
and is refused: keep the other side and set the value again, or pass
--allow-rollback.

Options:
${STORE_HELP}
      --ours          keep the version of the branch you merged into
      --theirs        keep the version of the branch you merged in
      --allow-rollback  keep the chosen side even if it has fewer versions
`,
  async run(invocation, io) {
    const [name] = invocation.positionals;
    const ours = invocation.values.ours === true;
    const theirs = invocation.values.theirs === true;
    if (name === undefined || ours === theirs)
      throw new StrongboxError(
        "E_USAGE",
        "resolve: give a secret name and one of --ours, --theirs",
      );
    const store = await openStoreForCli(invocation, io);
    const allowRollback = invocation.values["allow-rollback"] === true;
    const versions = store.resolve(name, ours ? "ours" : "theirs", { allowRollback });
    say(
      io,
      `strongbox: kept ${ours ? "our" : "their"} side of ${name} (${versions} version${versions === 1 ? "" : "s"}); now \`git add\` it`,
    );
    return EXIT_OK;
  },
};
