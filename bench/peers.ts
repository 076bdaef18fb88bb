// Native peers for the start-up comparison (issue 13): sops (Go) and age's key
// generator, built from the Go module proxy into .tools/go/bin, once.
import { execFileSync, spawnSync } from "node:child_process";
import { existsSync, mkdirSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";

const GO_TOOLS = {
  sops: "github.com/getsops/sops/v3/cmd/sops@v3.9.4",
  "age-keygen": "filippo.io/age/cmd/age-keygen@v1.2.1",
} as const;

/** The path of a Go tool, installed on first use; undefined when Go is not on this machine. */
export function goTool(root: string, name: keyof typeof GO_TOOLS): string | undefined {
  const bin = join(root, ".tools/go/bin");
  const path = join(bin, name);
  if (existsSync(path)) return path;
  if (spawnSync("go", ["version"]).status !== 0) return undefined;
  mkdirSync(bin, { recursive: true });
  const installed = spawnSync("go", ["install", GO_TOOLS[name]], {
    env: { ...process.env, GOBIN: bin },
    stdio: "inherit",
  });
  return installed.status === 0 && existsSync(path) ? path : undefined;
}

/**
 * A directory holding `secrets.enc.env`: `values` encrypted by sops for a fresh
 * age key, and the environment `sops exec-env` needs to decrypt it.
 */
export function sopsProject(
  root: string,
  dir: string,
  values: Readonly<Record<string, string>>,
): { sops: string; env: Record<string, string> } | undefined {
  const sops = goTool(root, "sops");
  const keygen = goTool(root, "age-keygen");
  if (sops === undefined || keygen === undefined) return undefined;
  const keyFile = join(dir, "age.key");
  execFileSync(keygen, ["-o", keyFile], { stdio: "ignore" });
  const recipient = /public key: (age1\w+)/.exec(readFileSync(keyFile, "utf8"))?.[1] ?? "";
  const plain = join(dir, "secrets.env");
  writeFileSync(
    plain,
    `${Object.entries(values)
      .map(([k, v]) => `${k}=${v}`)
      .join("\n")}\n`,
  );
  const encrypted = execFileSync(
    sops,
    ["--encrypt", "--age", recipient, "--input-type", "dotenv", "--output-type", "dotenv", plain],
    {
      encoding: "utf8",
    },
  );
  writeFileSync(join(dir, "secrets.enc.env"), encrypted);
  return { sops, env: { PATH: process.env.PATH ?? "", HOME: dir, SOPS_AGE_KEY_FILE: keyFile } };
}
