import { parseDotenv } from "../dotenv/parse.js";
import { StrongboxError } from "../errors.js";
import { isCredentialVariable } from "../security/credentials.js";
import { envValue } from "../util/env-value.js";

/**
 * Parses a plaintext `.env` file that is about to be moved somewhere safer
 * (`import`, `migrate -f`): `${VAR}` expands from `env`, credentials are
 * refused (never expanded, never moved), and any problem stops the operation
 * before anything is written: `E_DOTENV_PARSE` with every problem, saying
 * `nothing` was done.
 */
export function readPlaintextDotenv(
  text: string,
  where: {
    readonly shown: string;
    readonly env: Readonly<Record<string, string | undefined>>;
    readonly nothing: string;
  },
) {
  const parsed = parseDotenv(text, {
    source: where.shown,
    lookup: (name) => envValue(where.env, name),
    refuse: isCredentialVariable,
  });
  if (parsed.issues.length > 0)
    throw Object.defineProperty(
      new StrongboxError(
        "E_DOTENV_PARSE",
        `${where.shown} has ${parsed.issues.length} problem(s); ${where.nothing}`,
      ),
      "issues",
      { value: parsed.issues },
    );
  return parsed.entries;
}
