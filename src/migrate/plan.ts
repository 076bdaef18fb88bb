import { canonicalEnvironment } from "../environments/aliases.js";
import { StrongboxError } from "../errors.js";
import { knownSchemes } from "../providers/registry.js";
import { isVaultRefText } from "../providers/vault/index.js";
import { parseRef, refScheme } from "../refs/ref.js";
import { fillRefTemplate, schemaRefFor } from "../refs/template.js";
import { looksSecret } from "../schema/looks-secret.js";
import type { ConfigSpec } from "../schema/types.js";
import type { VaultClient } from "../vault/client.js";

/** A variable found in a source (`.env` file or the environment), value kept in memory only. */
export interface SourceValue {
  readonly name: string;
  readonly value: string;
  readonly place: string;
}

export type RowStatus = "new" | "same" | "different" | "skipped";

/** One line of the plan. `reason` explains skips; no row ever holds a value. */
export interface PlanRow {
  readonly variable: string;
  readonly category: string;
  readonly path: string;
  readonly key: string;
  readonly status: RowStatus;
  readonly reason?: string;
}

/** A plan: its rows, and for each target path the version it had when planned (0 = absent). */
export interface MigrationPlan {
  readonly rows: readonly PlanRow[];
  readonly versions: Readonly<Record<string, number>>;
  /** Values to write, by variable; never serialised. */
  readonly values: ReadonlyMap<string, string>;
}

const CATEGORIES: ReadonlyArray<[RegExp, string]> = [
  [/^(DATABASE|DB|POSTGRES|PG|MYSQL)_?/, "database"],
  [/^REDIS_?/, "redis"],
  [/^STRIPE_?/, "stripe"],
  [/^(S3|AWS|MINIO)_/, "s3"],
  [/^(SMTP|MAIL|SENDGRID)_?/, "mail"],
];

/** The category of a variable: its schema component, else a name prefix, else `app`. */
export function categoryOf(name: string, config: ConfigSpec): string {
  const component = Object.entries(config.variables).find(
    ([key, spec]) => (spec.env ?? key) === name,
  )?.[1].component;
  if (component !== undefined) return component;
  return CATEGORIES.find(([pattern]) => pattern.test(name))?.[1] ?? "app";
}

/**
 * Every category `--secrets` may select: the name-prefix ones, `app`, the
 * schema's components, and whatever the sources' variables fall in.
 */
export function knownCategories(config: ConfigSpec, sources: readonly SourceValue[]): string[] {
  return [
    ...new Set([
      ...CATEGORIES.map(([, category]) => category),
      "app",
      ...Object.values(config.variables).flatMap((spec) =>
        spec.component === undefined ? [] : [spec.component],
      ),
      ...sources.map((source) => categoryOf(source.name, config)),
    ]),
  ].sort();
}

/** Refuses a selected category no variable can fall in: a typo would otherwise migrate nothing, silently. */
function checkCategories(
  selected: readonly string[],
  config: ConfigSpec,
  sources: readonly SourceValue[],
): void {
  const known = knownCategories(config, sources);
  const unknown = selected.filter((category) => !known.includes(category));
  if (unknown.length === 0) return;
  throw new StrongboxError(
    "E_USAGE",
    `migrate: unknown categor${unknown.length === 1 ? "y" : "ies"} ${unknown.map((c) => `"${c}"`).join(", ")} in --secrets; known: ${known.join(", ")}`,
    {
      hint: "a category is the schema's component of a variable, else its name prefix (DATABASE_/DB_ → database, REDIS_ → redis, …), else app",
    },
  );
}

/**
 * Plans moving secrets from `sources` into Vault for `environment`: which are
 * secrets (the schema first, then names like `*_TOKEN` or URLs with a
 * password), where each goes (the schema's reference for the environment, else
 * `<mount>/{project}/{env}/{category}#NAME`), and whether the target is new,
 * the same, or different. Reads Vault, writes nothing.
 */
export async function planMigration(
  client: VaultClient,
  config: ConfigSpec,
  sources: readonly SourceValue[],
  options: { environment: string; categories?: readonly string[]; mount?: string },
): Promise<MigrationPlan> {
  const bySchema = new Map(
    Object.entries(config.variables).map(([key, spec]) => [spec.env ?? key, [key, spec] as const]),
  );
  if (options.categories !== undefined) checkCategories(options.categories, config, sources);
  const values = new Map<string, string>();
  const rows: Array<Omit<PlanRow, "status"> & { status?: RowStatus }> = [];
  for (const source of new Map(sources.map((s) => [s.name, s])).values()) {
    const declared = bySchema.get(source.name);
    const category = categoryOf(source.name, config);
    const target = targetFor(
      source.name,
      declared,
      config,
      canonicalEnvironment(config, options.environment),
      category,
      options.mount ?? "secret",
    );
    const scheme = refScheme(source.value);
    const skip = (reason: string) =>
      rows.push({ variable: source.name, category, ...target, status: "skipped", reason });
    if (scheme !== undefined && knownSchemes().includes(scheme)) skip("already a reference");
    else if (declared !== undefined && declared[1].secret !== true)
      skip("not a secret in the schema");
    else if (declared === undefined && !looksSecret(source.name, source.value))
      skip("not a secret by name");
    else if (options.categories !== undefined && !options.categories.includes(category))
      skip(`category ${category} not selected`);
    else if (source.value === "") skip("empty");
    else {
      values.set(source.name, source.value);
      rows.push({ variable: source.name, category, ...target });
    }
  }
  const versions: Record<string, number> = {};
  const current = new Map<string, Readonly<Record<string, unknown>> | undefined>();
  await Promise.all(
    [...new Set(rows.filter((row) => row.status === undefined).map((row) => row.path))].map(
      async (path) => {
        const secret = await client.kvRead(path);
        current.set(path, secret?.data);
        const metadata = await client.kvMetadata(path).catch(() => undefined);
        versions[path] = Number(metadata?.current_version ?? secret?.version ?? 0);
      },
    ),
  );
  const settled = rows.map((row): PlanRow => {
    if (row.status !== undefined) return row as PlanRow;
    const existing = current.get(row.path)?.[row.key];
    const status: RowStatus =
      existing === undefined ? "new" : existing === values.get(row.variable) ? "same" : "different";
    return { ...row, status };
  });
  return { rows: settled, versions, values };
}

function targetFor(
  name: string,
  declared: readonly [string, ConfigSpec["variables"][string]] | undefined,
  config: ConfigSpec,
  environment: string,
  category: string,
  mount: string,
): { path: string; key: string } {
  if (declared !== undefined) {
    const text = schemaRefFor(declared[1], environment);
    if (isVaultRefText(text)) {
      const ref = parseRef(
        fillRefTemplate(text, declared[0], declared[1], environment, config),
        declared[0],
      );
      return { path: ref.path, key: ref.key ?? name };
    }
  }
  return { path: `${mount}/${config.project ?? "app"}/${environment}/${category}`, key: name };
}
