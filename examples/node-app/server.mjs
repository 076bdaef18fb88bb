// A small HTTP API that takes its configuration from the environment that
// `strongbox run` prepared. With --once it answers one request to itself and exits.
import { createServer } from "node:http";

const config = {
  port: Number(process.env.PORT),
  host: process.env.HOST,
  logLevel: process.env.LOG_LEVEL,
  features: (process.env.FEATURE_FLAGS ?? "").split(",").filter(Boolean),
  hasDatabase: Boolean(process.env.DATABASE_URL),
  hasStripe: Boolean(process.env.STRIPE_API_KEY),
};

const server = createServer((request, response) => {
  response.setHeader("content-type", "application/json");
  response.end(JSON.stringify({ ok: true, path: request.url, config }));
});

server.listen(process.argv.includes("--once") ? 0 : config.port, config.host, async () => {
  const { port } = server.address();
  console.log(`shop api listening on http://${config.host}:${port} (log level ${config.logLevel})`);
  // A careless debug line: strongbox run masks the secret when output is piped.
  console.log(`debug: database at ${process.env.DATABASE_URL}`);
  if (process.argv.includes("--once")) {
    const body = await (await fetch(`http://${config.host}:${port}/health`)).text();
    console.log(`GET /health -> ${body}`);
    server.close();
  }
});
