// Builds the AWS auth method as an OpenBao plugin for the integration tests:
// OpenBao's own builds leave `aws` out of the plugin catalog ("plugin not
// found"). The plugin is Vault's AWS auth backend served through its plugin
// SDK (scripts/bao-aws-plugin: a pinned go.mod/go.sum, modules from the Go
// module proxy), built once into .tools/bao-plugins/ and registered with a
// dev server by `-dev-plugin-dir`. Go must be installed: without it this
// fails and says so, rather than letting the AWS IAM tests be skipped.
import { spawnSync } from "node:child_process";
import { createHash } from "node:crypto";
import { existsSync, mkdirSync, readFileSync, writeFileSync } from "node:fs";
import { fileURLToPath } from "node:url";

const root = fileURLToPath(new URL("..", import.meta.url));
const source = `${root}scripts/bao-aws-plugin`;
const dir = `${root}.tools/bao-plugins`;
/** The plugin's file name is its catalog name: `bao auth enable aws` finds it. */
const binary = `${dir}/aws`;
// Beside the plugin directory, not in it: a dev server registers every file it holds as a plugin.
const stamp = `${root}.tools/bao-aws-plugin.source-sha256`;

/** What the build is made from; a change rebuilds it. */
function sourceDigest() {
  const hash = createHash("sha256");
  for (const file of ["go.mod", "go.sum", "main.go"])
    hash.update(readFileSync(`${source}/${file}`));
  return hash.digest("hex");
}

/** Returns the directory holding the built `aws` plugin, building it when needed. */
export function ensureBaoAwsPlugin() {
  if (process.env.STRONGBOX_BAO_PLUGIN_DIR) return process.env.STRONGBOX_BAO_PLUGIN_DIR;
  const digest = sourceDigest();
  if (existsSync(binary) && existsSync(stamp) && readFileSync(stamp, "utf8") === digest) return dir;
  if (spawnSync("go", ["version"], { stdio: "ignore" }).status !== 0) {
    console.error(
      "ensure-bao-aws-plugin: Go is not installed. The AWS IAM login tests need OpenBao's aws auth plugin, built from scripts/bao-aws-plugin with Go (1.24 or newer): install Go, or set STRONGBOX_BAO_PLUGIN_DIR to a directory holding a built `aws` plugin.",
    );
    process.exit(1);
  }
  console.error(
    "ensure-bao-aws-plugin: building the aws auth plugin into .tools/bao-plugins (once)",
  );
  mkdirSync(dir, { recursive: true });
  const built = spawnSync("go", ["build", "-mod=readonly", "-trimpath", "-o", binary, "."], {
    cwd: source,
    env: { ...process.env, CGO_ENABLED: "0", GOFLAGS: "-buildvcs=false" },
    stdio: "inherit",
  });
  if (built.status !== 0 || !existsSync(binary)) {
    console.error("ensure-bao-aws-plugin: `go build` in scripts/bao-aws-plugin failed (above)");
    process.exit(1);
  }
  writeFileSync(stamp, digest);
  return dir;
}

if (process.argv[1] === fileURLToPath(import.meta.url)) console.log(ensureBaoAwsPlugin());
