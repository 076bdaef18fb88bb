import type { Command } from "../command.js";
import { EXIT_OK } from "../exit-codes.js";
import { writeJson, writeReport } from "../io.js";
import { distribution, version } from "../version.js";

/** `strongbox version`: what a bug report needs to say which Strongbox ran. */
export const versionCommand: Command = {
  name: "version",
  options: { json: { type: "boolean" }, help: { type: "boolean", short: "h" } },
  usage: `Usage: strongbox version [--json]

Prints Strongbox's version, the Node.js version it runs on, the platform, and
whether it is the npm package or the single executable. \`strongbox --version\`
prints the version alone.

Options:
      --json          print { version, node, platform, arch, binary }
`,
  async run(invocation, io) {
    const facts = {
      version: version(),
      node: process.versions.node,
      platform: process.platform,
      arch: process.arch,
      binary: distribution(),
    };
    if (invocation.values.json === true) writeJson(io, facts);
    else
      writeReport(
        io,
        `strongbox ${facts.version} (${facts.binary === "binary" ? "single executable" : "npm package"}; node ${facts.node}; ${facts.platform}-${facts.arch})\n`,
      );
    return EXIT_OK;
  },
};
