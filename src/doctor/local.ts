import { accessSync, constants, existsSync, readdirSync } from "node:fs";
import { homedir } from "node:os";
import { join } from "node:path";
import { AUDIT_KEY_FILE } from "../audit/key.js";
import { auditTarget } from "../audit/open-sink.js";
import { verifyChain } from "../audit/query.js";
import { checkSchema } from "../config/check-schema.js";
import { cacheDir } from "../config/compile-cache.js";
import { findConfigIfAny } from "../config/find-config.js";
import { loadConfigFile } from "../config/load-file.js";
import { StrongboxError } from "../errors.js";
import { unignoredFiles } from "../hygiene/unignored.js";
import { knownSchemes, providerFor } from "../providers/registry.js";
import { storeDirectory } from "../providers/store/directory.js";
import { refScheme } from "../refs/ref.js";
import { refTexts } from "../refs/template.js";
import type { ConfigSpec } from "../schema/types.js";
import { readKeyFile } from "../store/master-key.js";
import { openStore } from "../store/open.js";

/** One finding of `strongbox doctor`: what was looked at, how it stands, and what to do. */
export interface DoctorCheck {
  readonly check: string;
  readonly status: "ok" | "warn" | "fail" | "skip";
  readonly detail: string;
  readonly hint?: string;
}

type Env = Readonly<Record<string, string | undefined>>;

/**
 * The local side of a project's health, for `strongbox doctor`: the config
 * (found, valid), the key files (owner and mode), the store (opens with its
 * key, files and manifest agree), `.env` files git would commit, the config
 * compile cache, the audit log (writable, chain intact) and how each provider
 * the project uses stands (its `health()`, e.g. whether Vault answers). Every
 * check runs; none reads a secret value.
 */
export async function localDoctor(options: {
  readonly cwd: string;
  readonly env: Env;
  readonly configPath?: string | undefined;
}): Promise<DoctorCheck[]> {
  const path = findConfigIfAny(options.cwd, options.configPath);
  if (path === undefined)
    return [
      {
        check: "config",
        status: "fail",
        detail: "no strongbox.config.ts or .yaml here or above",
        hint: "run `strongbox init` or write a strongbox.config.yaml",
      },
      ...keyFileChecks(options.env),
    ];
  let config: LoadedConfig;
  try {
    config = await loadConfigFile(path, options.env);
  } catch (error) {
    return [failure("config", error, path), ...keyFileChecks(options.env)];
  }
  const baseDir = join(path, "..");
  return [
    schemaCheck(config, path),
    ...keyFileChecks(options.env),
    await storeCheck(config, baseDir, options.env),
    gitignoreCheck(baseDir),
    cacheCheck(options.env),
    auditCheck(config, baseDir, options.env),
    ...(await providerHealth(config, options.env)),
  ];
}

type LoadedConfig = Awaited<ReturnType<typeof loadConfigFile>>;

/** The config's schema: valid, or how many problems and the first. */
function schemaCheck(config: LoadedConfig, path: string): DoctorCheck {
  const issues = checkSchema(config);
  return issues.length === 0
    ? {
        check: "config",
        status: "ok",
        detail: `${path}: ${Object.keys(config.variables).length} variable(s)`,
      }
    : {
        check: "config",
        status: "fail",
        detail: `${path}: ${issues.length} schema problem(s), first: ${issues[0]?.message}`,
        hint: "run `strongbox check` for the whole list",
      };
}

/** Files holding secrets (`.env`, rendered files, migrate journals) git would commit. */
function gitignoreCheck(baseDir: string): DoctorCheck {
  const unignored = unignoredFiles(baseDir);
  return unignored.length === 0
    ? {
        check: "gitignore",
        status: "ok",
        detail: "no .env file, rendered file or migrate journal git would commit",
      }
    : {
        check: "gitignore",
        status: "fail",
        detail: unignored.map((f) => f.message).join("; "),
        hint: "add them to .gitignore",
      };
}

/**
 * Asks each provider that can say how it stands (`health()`) and that the
 * config uses or the environment points at; one that is neither is a skipped
 * line. A provider's client is loaded only when it is asked.
 */
async function providerHealth(config: ConfigSpec, env: Env): Promise<DoctorCheck[]> {
  const checks: DoctorCheck[] = [];
  for (const scheme of knownSchemes()) {
    const definition = providerFor(scheme);
    if (definition?.health === undefined) continue;
    const used = Object.values(config.variables).some((spec) =>
      refTexts(spec).some((text) => refScheme(text) === scheme),
    );
    // One provider's trouble (a client that cannot even be built) is its own line: every
    // other check still runs and reports.
    const found = await definition
      .health({ config, env, used })
      .catch((error: unknown) => failure(definition.kind, error, definition.words));
    checks.push(
      found ?? {
        check: definition.kind,
        status: "skip",
        detail: `the project reads nothing from ${definition.words}`,
      },
    );
  }
  return checks;
}

function keyFileChecks(env: Env): DoctorCheck[] {
  const dir = join(
    env.XDG_CONFIG_HOME || join(env.HOME || homedir(), ".config"),
    "strongbox",
    "keys",
  );
  if (!existsSync(dir))
    return [{ check: "key files", status: "skip", detail: `no key directory at ${dir}` }];
  const problems: string[] = [];
  let count = 0;
  let audit = false;
  for (const name of readdirSync(dir).filter((file) => file.endsWith(".key"))) {
    // Checked like the others (mode, owner), but counted apart: it opens no store.
    if (name === AUDIT_KEY_FILE) audit = true;
    else count++;
    try {
      readKeyFile(join(dir, name));
    } catch (error) {
      problems.push(error instanceof StrongboxError ? error.message : `${name}: unreadable`);
    }
  }
  return problems.length === 0
    ? [
        {
          check: "key files",
          status: "ok",
          detail: `${count} store key file(s)${audit ? " and the audit key" : ""} in ${dir}, private to you`,
        },
      ]
    : [
        {
          check: "key files",
          status: "fail",
          detail: problems.join("; "),
          hint: "chmod 600 the files and 700 the directory",
        },
      ];
}

async function storeCheck(
  config: { readonly store?: { readonly path?: string } },
  baseDir: string,
  env: Env,
): Promise<DoctorCheck> {
  const dir = storeDirectory(config, baseDir, env);
  if (!existsSync(dir)) return { check: "store", status: "skip", detail: `no store at ${dir}` };
  try {
    const store = await openStore({
      dir,
      env,
      passphrase: async () => {
        throw new StrongboxError("E_STORE_KEY", "the store needs its passphrase", {
          hint: "set STRONGBOX_PASSPHRASE to check it",
        });
      },
    });
    const secrets = store.list();
    return {
      check: "store",
      status: "ok",
      // A team store's fingerprint, to compare across machines (and pin in CI).
      detail: `${dir}: opens, ${secrets.length} secret(s), files and manifest agree${store.origin === "recipient" ? `, key fingerprint ${store.fingerprint()}` : ""}`,
    };
  } catch (error) {
    return failure("store", error, dir);
  }
}

function cacheCheck(env: Env): DoctorCheck {
  const dir = cacheDir(env);
  if (!existsSync(dir))
    return {
      check: "compile cache",
      status: "ok",
      detail: `${dir} (made on first TypeScript config)`,
    };
  try {
    accessSync(dir, constants.W_OK);
    return {
      check: "compile cache",
      status: "ok",
      detail: `${dir}, ${readdirSync(dir).length} entries`,
    };
  } catch {
    return {
      check: "compile cache",
      status: "warn",
      detail: `${dir} is not writable: TypeScript configs compile on every run`,
      hint: `fix its permissions, or set STRONGBOX_CACHE_DIR`,
    };
  }
}

function auditCheck(
  config: Parameters<typeof auditTarget>[0],
  baseDir: string,
  env: Env,
): DoctorCheck {
  let target: ReturnType<typeof auditTarget>;
  try {
    target = auditTarget(config, baseDir, env);
  } catch (error) {
    return failure("audit", error, "audit");
  }
  if (target.kind !== "file")
    return {
      check: "audit",
      status: target.kind === "off" ? "warn" : "ok",
      detail: `records go to ${target.kind}`,
    };
  if (!existsSync(target.path))
    return { check: "audit", status: "ok", detail: `${target.path} (made at the first access)` };
  try {
    const report = verifyChain(target.path, env);
    return report.ok
      ? {
          check: "audit",
          status: "ok",
          detail: `${target.path}: ${report.records} records, chain intact`,
        }
      : {
          check: "audit",
          status: "fail",
          detail: `${target.path} line ${report.problem?.line}: ${report.problem?.why}`,
          hint: "run `strongbox audit verify` and investigate",
        };
  } catch (error) {
    return failure("audit", error, target.path);
  }
}

function failure(check: string, error: unknown, where: string): DoctorCheck {
  if (error instanceof StrongboxError)
    return {
      check,
      status: "fail",
      detail: error.message,
      ...(error.hint === undefined ? {} : { hint: error.hint }),
    };
  const code = (error as NodeJS.ErrnoException | undefined)?.code;
  return { check, status: "fail", detail: `${where}: ${code ?? "cannot be checked"}` };
}
