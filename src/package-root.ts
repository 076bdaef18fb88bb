import { fileURLToPath } from "node:url";

/**
 * The package's root directory. Both the compiled modules (`dist/src/*.js`) and
 * the bundled ones (`dist/bundle/*.js`) sit two levels below it, so one
 * relative URL serves both.
 */
export function packagePath(relative: string): string {
  return fileURLToPath(new URL(`../../${relative}`, import.meta.url));
}
