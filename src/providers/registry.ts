import type { ErrorCode } from "../errors.js";
import { registerVocabulary } from "../redact/registry.js";
import { declareCredentials } from "../security/credential-table.js";
import { awsSecretsManagerProvider } from "./aws/secrets-manager.js";
import { awsSsmProvider } from "./aws/ssm.js";
import { azureKeyVaultProvider } from "./azure/key-vault.js";
import { envProvider } from "./env/index.js";
import { fileProvider } from "./file/index.js";
import type { ProviderDefinition } from "./provider.js";
import { storeProvider } from "./store/index.js";
import { vaultProvider } from "./vault/index.js";

/**
 * Every provider Strongbox knows, by scheme. Adding a provider means one folder
 * under `src/providers/` and one line here; nothing else in shared code names a
 * scheme: the policy's words, the environments' defaults, the schema's source
 * names and config keys, and the resolver's fall-back codes all come from here.
 */
const definitions: ReadonlyMap<string, ProviderDefinition> = new Map(
  [
    envProvider,
    fileProvider,
    storeProvider,
    vaultProvider,
    awsSecretsManagerProvider,
    awsSsmProvider,
    azureKeyVaultProvider,
  ].map((d) => [d.scheme, d]),
);

// Each provider's credentials join security's one rule (security/credentials.ts) and its
// file-read guard, handed down: security sits floors below the providers and asks none of them.
for (const definition of definitions.values())
  declareCredentials({
    by: definition.scheme,
    ...(definition.credentials === undefined ? {} : { variables: definition.credentials }),
    ...(definition.credentialFiles === undefined ? {} : { files: definition.credentialFiles }),
  });

// Schemes and source kinds are Strongbox's words, printed in every report: never masked.
registerVocabulary([
  ...definitions.keys(),
  ...[...definitions.values()].map((d) => d.kind),
  "dotenv",
]);

/** A source kind as policies name it, with its words and default environments. */
export interface SourceKindInfo {
  readonly kind: string;
  readonly words: string;
  readonly defaultIn: readonly string[];
}

/**
 * The one source that is not a provider: `.env` files, which the resolver
 * reads itself (they hold literals, not references). Local development only.
 */
const DOTENV: SourceKindInfo = { kind: "dotenv", words: "a .env file", defaultIn: ["local"] };

/** The definition for `scheme`, or undefined when no provider claims it. */
export function providerFor(scheme: string): ProviderDefinition | undefined {
  return definitions.get(scheme);
}

/** The schemes that make a value a reference rather than a literal. */
export function knownSchemes(): readonly string[] {
  return [...definitions.keys()];
}

/** Every source kind a policy may name, in a stable order (providers in registry order). */
export function sourceKinds(): readonly SourceKindInfo[] {
  const kinds = new Map<string, SourceKindInfo>();
  for (const definition of definitions.values()) {
    if (definition.kind === "env") kinds.set(DOTENV.kind, DOTENV);
    kinds.set(definition.kind, definition);
  }
  if (!kinds.has(DOTENV.kind)) kinds.set(DOTENV.kind, DOTENV);
  return [...kinds.values()];
}

/** A source kind in words, for messages; the kind itself when unknown. */
export function sourceWords(kind: string): string {
  return sourceKinds().find((info) => info.kind === kind)?.words ?? kind;
}

/**
 * The kinds secrets may come from by default in a built-in environment
 * (`local`, `ci`, `pr-*`, `staging`, `production`), or, for `*`, in an
 * environment that has no built-in policy.
 */
export function defaultSecretSources(builtin: string): string[] {
  return sourceKinds()
    .filter((info) => info.defaultIn.includes(builtin))
    .map((info) => info.kind);
}

/**
 * The provider whose pure mode an environment runs in: the one provider whose
 * kind is the environment's only secret source, when that provider claims a
 * pure mode (Vault in production).
 */
export function pureProvider(secretSources: readonly string[]): ProviderDefinition | undefined {
  if (secretSources.length !== 1) return undefined;
  for (const definition of definitions.values())
    if (definition.pure === true && definition.kind === secretSources[0]) return definition;
  return undefined;
}

/** Whether some provider calls `code` transient ("not now", so a fall-back is allowed). */
export function isTransientCode(code: ErrorCode): boolean {
  for (const definition of definitions.values())
    if (definition.transient?.includes(code) === true) return true;
  return false;
}

/** The top-level config keys providers own, with their checks. */
export function providerConfigs(): ReadonlyArray<NonNullable<ProviderDefinition["config"]>> {
  return [...definitions.values()].flatMap((definition) =>
    definition.config === undefined ? [] : [definition.config],
  );
}

/** The credential variables providers declare (AWS keys, …), guarded like Strongbox's own. */
export function providerCredentialVariables(): readonly string[] {
  return [...definitions.values()].flatMap((definition) => definition.credentials ?? []);
}

/**
 * The scheme of the first provider that declares `name` among its
 * credentials or connection variables (`IDENTITY_HEADER` → `azure-kv`),
 * or undefined: which provider's set a variable belongs to.
 */
export function providerDeclaring(name: string): string | undefined {
  for (const definition of definitions.values())
    if (definition.credentials?.includes(name) || definition.connection?.includes(name))
      return definition.scheme;
  return undefined;
}

/** The files where providers' SDKs find credentials (`~/` for the home directory), kept from templates and refs. */
export function providerCredentialFiles(): readonly string[] {
  return [...definitions.values()].flatMap((definition) => definition.credentialFiles ?? []);
}

/** The connection variables providers declare (`VAULT_ADDR`, `AWS_REGION`, …): see `ProviderDefinition.connection`. */
export function providerConnectionVariables(): readonly string[] {
  return [...definitions.values()].flatMap((definition) => definition.connection ?? []);
}

/**
 * The config sections an environment may give its own copy of
 * (`environments.production.vault`): those of providers that connect
 * somewhere (a `connection` list). The store's place is per environment
 * already (`<store>/envs/NAME`), and every store command reads the top-level one.
 */
export function environmentConfigs(): ReadonlyArray<NonNullable<ProviderDefinition["config"]>> {
  return [...definitions.values()].flatMap((definition) =>
    definition.config === undefined || definition.connection === undefined
      ? []
      : [definition.config],
  );
}
