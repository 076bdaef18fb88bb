import { StrongboxError } from "../../errors.js";
import { openProject } from "../../index.js";
import { dashboardPages, STYLESHEET } from "../../ui/pages.js";
import { startDashboardServer } from "../../ui/server.js";
import { type Command, stringOption } from "../command.js";
import { EXIT_OK } from "../exit-codes.js";
import { say } from "../io.js";

/** `strongbox ui`: the local, read-only dashboard. */
export const uiCommand: Command = {
  name: "ui",
  options: {
    config: { type: "string", short: "c" },
    port: { type: "string" },
    live: { type: "boolean" },
    help: { type: "boolean", short: "h" },
  },
  usage: `Usage: strongbox ui [--port N] [--live] [-c CONFIG]

A local, read-only dashboard: the environment × variable matrix (missing,
forbidden and differing sources), the rotation inventory, the audit log with
filters and a chart, any variable's provenance, and the store with its
recipients, and each environment's Vault (server state, the credential's
method and policies). It never shows a value. With --live the matrix
resolves every environment (each under its own policy) and marks which
values are equal with letters (A, A, B…), compared by HMAC under a key made
for that resolution and dropped. One resolution serves page loads for 30
seconds (each resolution reads every secret, and each read is an audit
record); the page's "resolve again" link resolves at once. An environment
with a credentialPrefix is read with its own credentials alone.

It listens on 127.0.0.1 only (a random port unless --port) and prints a link
with a one-time token: open it in your browser. The token is traded for a
session cookie on first use and is worthless afterwards. Requests naming
another host, from another origin, or without the session are refused; the
pages carry no script and a Content-Security-Policy that allows none.
Stop it with Ctrl-C.

Options:
      --port N        listen on port N (default: any free port)
      --live          resolve every environment for the matrix
  -c, --config PATH   the config file
`,
  async run(invocation, io) {
    const portText = stringOption(invocation, "port");
    const port = portText === undefined ? 0 : Number(portText);
    if (!Number.isInteger(port) || port < 0 || port > 65535)
      throw new StrongboxError("E_USAGE", `ui: --port ${portText} is not a port`, {
        hint: "give a number from 1 to 65535, or leave it out for any free port",
      });
    const project = await openProject({
      cwd: io.cwd,
      configPath: stringOption(invocation, "config"),
      processEnv: io.env,
    });
    const server = await startDashboardServer({
      port,
      stylesheet: STYLESHEET,
      pages: dashboardPages(project, {
        processEnv: io.env,
        cwd: io.cwd,
        live: invocation.values.live === true,
      }),
    });
    say(io, `strongbox: dashboard at ${server.url}`);
    say(io, "strongbox: the link works once; Ctrl-C stops the dashboard");
    await new Promise<void>((resolve) => {
      process.once("SIGINT", () => resolve());
      process.once("SIGTERM", () => resolve());
    });
    await server.close();
    return EXIT_OK;
  },
};
