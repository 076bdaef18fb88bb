import { readFileSync } from "node:fs";
import { packagePath } from "../package-root.js";

/** Set by the single-executable build, which has no package.json beside it. */
declare const __STRONGBOX_VERSION__: string | undefined;

/** Strongbox's version: the single executable's own, else the package's. */
export function version(): string {
  if (typeof __STRONGBOX_VERSION__ === "string") return __STRONGBOX_VERSION__;
  const pkg = JSON.parse(readFileSync(packagePath("package.json"), "utf8")) as { version: string };
  return pkg.version;
}

/** How this Strongbox was installed: the single executable, or the npm package run by Node. */
export function distribution(): "binary" | "npm" {
  return typeof __STRONGBOX_VERSION__ === "string" ? "binary" : "npm";
}
