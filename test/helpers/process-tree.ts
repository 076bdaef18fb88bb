// A real process tree for the tests of `run`'s process handling: npm, a shell, a node server
// holding a port, and how to tell that each of them is gone.
import { existsSync, readFileSync } from "node:fs";
import { createServer } from "node:net";
import { join } from "node:path";

/** A port nobody holds now. */
export async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const probe = createServer();
    probe.once("error", reject);
    probe.listen(0, "127.0.0.1", () => {
      const address = probe.address();
      probe.close(() => resolve(typeof address === "object" && address ? address.port : 0));
    });
  });
}

/** True when no process `pid` runs any more (a zombie waiting for its reaper holds nothing). */
export function gone(pid: number): boolean {
  try {
    process.kill(pid, 0);
  } catch {
    return true;
  }
  try {
    return /^\d+ \(.*\) Z/.test(readFileSync(`/proc/${pid}/stat`, "utf8"));
  } catch {
    return true;
  }
}

/**
 * The application: `npm run dev` runs a shell script that records its pid and starts a
 * node server on $PORT answering with GREETING and the token's length (never the token).
 */
export function devApp(port: number): Record<string, string> {
  return {
    "package.json": JSON.stringify({ name: "app", private: true, scripts: { dev: "sh dev.sh" } }),
    "dev.sh": `echo "sh $$" >> servers.log\n"${process.execPath}" server.mjs\n`,
    "server.mjs": `import { appendFileSync } from "node:fs";
import { createServer } from "node:http";
const server = createServer((_, res) => res.end(\`\${process.env.GREETING} \${process.env.TOKEN.length}\`));
server.on("error", (error) => { appendFileSync("servers.log", \`error \${error.code}\\n\`); process.exit(1); });
server.listen(${port}, "127.0.0.1", () => appendFileSync("servers.log", \`node \${process.pid}\\n\`));
`,
    "strongbox.config.yaml":
      "variables:\n  GREETING: { type: string }\n  TOKEN: { secret: true, ref: 'store://TOKEN' }\n",
    ".env": "GREETING=hello\n",
  };
}

/** The pids the log names, by kind (`sh`, `node`), in start order; and any bind errors. */
export function servers(dir: string): { sh: number[]; node: number[]; errors: string[] } {
  const file = join(dir, "servers.log");
  const lines = existsSync(file) ? readFileSync(file, "utf8").trim().split("\n") : [];
  const of = (kind: string) =>
    lines.filter((line) => line.startsWith(`${kind} `)).map((line) => Number(line.split(" ")[1]));
  return { sh: of("sh"), node: of("node"), errors: of("error").map(String) };
}
