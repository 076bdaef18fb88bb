import type { Command } from "../command.js";
import { EXIT_OK } from "../exit-codes.js";
import { writeJson, writeReport } from "../io.js";
import { distribution, version } from "../version.js";

/** `strongbox version`: what a bug report needs to say which Strongbox ran. */
export const versionCommand: Command = {
  name: "version",
  options: { json: { type: "boolean" }, help: { type: "boolean", short: "h" } },
  usage: `Usage: strongbox version [--json]

Prints Strongbox's version, the runtime it runs on (Node.js for the npm
package, Bun for the single executable), the platform, and whether it is the
npm package or the single executable. \`strongbox --version\`
prints the version alone.

Options:
      --json          print { version, runtime, runtimeVersion, platform, arch, binary }
`,
  async run(invocation, io) {
    // Bun reports a Node.js version it is compatible with; the runtime's own is what a bug report needs.
    const bun = (process.versions as Record<string, string | undefined>).bun;
    const facts = {
      version: version(),
      runtime: bun === undefined ? "node" : "bun",
      runtimeVersion: bun ?? process.versions.node,
      platform: process.platform,
      arch: process.arch,
      binary: distribution(),
    };
    if (invocation.values.json === true) writeJson(io, facts);
    else
      writeReport(
        io,
        `strongbox ${facts.version} (${facts.binary === "binary" ? "single executable" : "npm package"}; ${facts.runtime} ${facts.runtimeVersion}; ${facts.platform}-${facts.arch})\n`,
      );
    return EXIT_OK;
  },
};
