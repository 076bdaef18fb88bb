import { readFileSync } from "node:fs";
import { basename, relative, resolve } from "node:path";
import { parseDotenv } from "../dotenv/parse.js";
import { type Issue, issue } from "../errors.js";
import { isCredentialVariable } from "../security/credentials.js";
import { envValue } from "../util/env-value.js";

/** One parsed `.env` file. */
export interface LoadedFile {
  readonly path: string;
  /** The path as shown to people (relative to the working directory). */
  readonly label: string;
  readonly values: ReadonlyMap<string, { value: string; line: number }>;
}

/**
 * Reads `.env` files in order. Explicit files (`-f`) must exist; an environment's
 * default files may be absent. `${VAR}` expands from the process environment
 * first, then from files read earlier and the file's own earlier lines.
 */
export function loadDotenvFiles(
  files: readonly string[],
  options: {
    baseDir: string;
    cwd: string;
    explicit: boolean;
    processEnv: Readonly<Record<string, string | undefined>>;
  },
): { files: LoadedFile[]; issues: Issue[] } {
  const loaded: LoadedFile[] = [];
  const issues: Issue[] = [];
  const earlier = new Map<string, string>();
  for (const file of files) {
    const path = resolve(options.explicit ? options.cwd : options.baseDir, file);
    const label = relative(options.cwd, path) || basename(path);
    let text: string;
    try {
      text = readFileSync(path, "utf8");
    } catch (error) {
      const code = (error as NodeJS.ErrnoException).code;
      if (code === "ENOENT" && !options.explicit) continue;
      issues.push(
        issue(
          "E_IO",
          `cannot read ${label}: ${code === "ENOENT" ? "no such file" : (code ?? "error")}`,
          { hint: "check the path given to -f" },
        ),
      );
      continue;
    }
    const parsed = parseDotenv(text, {
      source: label,
      lookup: (name) => envValue(options.processEnv, name) ?? earlier.get(name),
      refuse: isCredentialVariable,
    });
    issues.push(...parsed.issues);
    const values = new Map<string, { value: string; line: number }>();
    for (const entry of parsed.entries) {
      values.set(entry.key, { value: entry.value, line: entry.line });
      earlier.set(entry.key, entry.value);
    }
    loaded.push({ path, label, values });
  }
  return { files: loaded, issues };
}
