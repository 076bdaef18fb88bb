// Native peers for the start-up comparison (issues 13 and 27): sops (Go) and age's key
// generator from the Go module proxy into .tools/go/bin, fnox (Rust) from crates.io into
// .tools/cargo/bin, each built once. A peer that cannot be installed here is skipped with
// the reason, never a failed bench.
import { execFileSync, spawnSync } from "node:child_process";
import { existsSync, mkdirSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";

const GO_TOOLS = {
  sops: "github.com/getsops/sops/v3/cmd/sops@v3.9.4",
  "age-keygen": "filippo.io/age/cmd/age-keygen@v1.2.1",
} as const;

/** The crates.io release of fnox that resolves with this toolchain (issue 27). */
const FNOX_VERSION = "1.39.0";

/** A peer's program, or why it is not on this machine. */
export type Tool = { readonly path: string } | { readonly skipped: string };

const has = (command: string, args: string[]) => spawnSync(command, args).status === 0;

/** BENCH_NO_INSTALL=1: time only the peers already built, install nothing. */
const noInstall = () =>
  process.env.BENCH_NO_INSTALL === "1"
    ? { skipped: "not built yet, and BENCH_NO_INSTALL=1" }
    : undefined;

/** The path of a Go tool, installed on first use. */
export function goTool(root: string, name: keyof typeof GO_TOOLS): Tool {
  const bin = join(root, ".tools/go/bin");
  const path = join(bin, name);
  if (existsSync(path)) return { path };
  const off = noInstall();
  if (off !== undefined) return off;
  if (!has("go", ["version"]))
    return { skipped: "Go is not installed (sops is built with go install)" };
  mkdirSync(bin, { recursive: true });
  const installed = spawnSync("go", ["install", GO_TOOLS[name]], {
    env: { ...process.env, GOBIN: bin },
    stdio: "inherit",
  });
  return installed.status === 0 && existsSync(path)
    ? { path }
    : { skipped: `go install ${GO_TOOLS[name]} failed` };
}

/**
 * jdx/fnox, built by `cargo install` into .tools/cargo on first use (minutes). Its
 * keyring support links libudev: Debian's libudev-dev is installed with apt when this
 * machine can (root, apt-get), as scripts/ensure-age.mjs installs age.
 */
export function fnoxTool(root: string): Tool {
  const cargoRoot = join(root, ".tools/cargo");
  const path = join(cargoRoot, "bin/fnox");
  if (existsSync(path)) return { path };
  const off = noInstall();
  if (off !== undefined) return off;
  if (!has("cargo", ["--version"]))
    return { skipped: "cargo is not installed (fnox is built with cargo install)" };
  if (!has("pkg-config", ["--exists", "libudev"])) {
    if (process.getuid?.() === 0 && has("sh", ["-c", "command -v apt-get"])) {
      console.log("bench: installing Debian's libudev-dev and pkg-config for fnox");
      const env = { ...process.env, DEBIAN_FRONTEND: "noninteractive" };
      spawnSync("apt-get", ["install", "-y", "-q", "libudev-dev", "pkg-config"], { env });
    }
    if (!has("pkg-config", ["--exists", "libudev"]))
      return { skipped: "fnox needs libudev-dev and pkg-config (apt-get install libudev-dev)" };
  }
  console.log(`bench: cargo install fnox ${FNOX_VERSION} into ${cargoRoot} (takes minutes, once)`);
  const built = spawnSync(
    "cargo",
    ["install", "fnox", "--version", FNOX_VERSION, "--root", cargoRoot],
    { stdio: "inherit" },
  );
  return built.status === 0 && existsSync(path)
    ? { path }
    : { skipped: `cargo install fnox ${FNOX_VERSION} failed` };
}

/** A peer's project: the program, the arguments that run `true` with the values, and its environment. */
export interface PeerProject {
  readonly argv: string[];
  readonly cwd: string;
  readonly env: Record<string, string>;
}

/**
 * A directory holding `secrets.enc.env`: `values` encrypted by sops for a fresh
 * age key, and the command `sops exec-env` runs `true` with them.
 */
export function sopsProject(
  root: string,
  dir: string,
  values: Readonly<Record<string, string>>,
): PeerProject | { skipped: string } {
  const sops = goTool(root, "sops");
  const keygen = goTool(root, "age-keygen");
  if (!("path" in sops)) return sops;
  if (!("path" in keygen)) return keygen;
  const keyFile = join(dir, "age.key");
  execFileSync(keygen.path, ["-o", keyFile], { stdio: "ignore" });
  const recipient = /public key: (age1\w+)/.exec(readFileSync(keyFile, "utf8"))?.[1] ?? "";
  const plain = join(dir, "secrets.env");
  writeFileSync(
    plain,
    `${Object.entries(values)
      .map(([k, v]) => `${k}=${v}`)
      .join("\n")}\n`,
  );
  const encrypted = execFileSync(
    sops.path,
    ["--encrypt", "--age", recipient, "--input-type", "dotenv", "--output-type", "dotenv", plain],
    { encoding: "utf8" },
  );
  writeFileSync(join(dir, "secrets.enc.env"), encrypted);
  return {
    argv: [sops.path, "exec-env", "secrets.enc.env", "true"],
    cwd: dir,
    env: { PATH: process.env.PATH ?? "", HOME: dir, SOPS_AGE_KEY_FILE: keyFile },
  };
}

/**
 * A directory holding `fnox.toml` with `values` encrypted inline for an age
 * recipient (`fnox set --provider age`, as a user would), and the command
 * `fnox exec` runs `true` with them; checked once to see the values arrive.
 */
export function fnoxProject(
  root: string,
  dir: string,
  identity: { secret: string; recipient: string },
  values: Readonly<Record<string, string>>,
): PeerProject | { skipped: string } {
  const fnox = fnoxTool(root);
  if (!("path" in fnox)) return fnox;
  writeFileSync(
    join(dir, "fnox.toml"),
    `[providers]\nage = { type = "age", recipients = ["${identity.recipient}"] }\n\n[secrets]\n`,
  );
  const env = { PATH: process.env.PATH ?? "", HOME: dir, FNOX_AGE_KEY: identity.secret };
  for (const [name, value] of Object.entries(values)) {
    const set = spawnSync(fnox.path, ["set", name, value, "--provider", "age"], { cwd: dir, env });
    if (set.status !== 0) return { skipped: `fnox set failed: ${set.stderr.toString().trim()}` };
  }
  const [first, value] = Object.entries(values)[0] ?? ["", ""];
  const seen = spawnSync(fnox.path, ["exec", "--", "printenv", first], { cwd: dir, env });
  if (seen.stdout.toString().trim() !== value)
    return { skipped: `fnox exec did not pass ${first} on: ${seen.stderr.toString().trim()}` };
  return { argv: [fnox.path, "exec", "--", "true"], cwd: dir, env };
}
