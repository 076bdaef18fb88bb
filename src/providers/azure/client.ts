import { setMaxListeners } from "node:events";
import { readFileSync } from "node:fs";
import { resolve } from "node:path";
import { StrongboxError } from "../../errors.js";
import { registerSecret } from "../../redact/registry.js";
import { importModule } from "../../security/import-module.js";
import { ownVariables } from "../../security/own-variables.js";
import { processSkipsTlsChecks, unsafeIdentityUrl } from "../../security/transport.js";
import type { CredentialScope, ReadContext } from "../provider.js";
import type { AzureSettings } from "./config.js";
import { azureError, innerCode, statusOf, WORDS } from "./errors.js";

/** The Azure SDK's two packages, loaded only when a config uses `azure-kv://`. */
export interface AzureSdk {
  readonly secrets: typeof import("@azure/keyvault-secrets");
  readonly identity: typeof import("@azure/identity");
}

export type AzureClient = InstanceType<AzureSdk["secrets"]["SecretClient"]>;
type Credential = ConstructorParameters<AzureSdk["secrets"]["SecretClient"]>[1];
type Tls = { tlsOptions?: { ca: string } };

/** A version's properties (never its value). */
export interface VersionProperties {
  version: string;
  createdOn?: Date;
  updatedOn?: Date;
  enabled?: boolean;
  tags?: Record<string, string>;
}

export async function loadAzureSdk(): Promise<AzureSdk> {
  const [secrets, identity] = await Promise.all([
    importModule<typeof import("@azure/keyvault-secrets")>("@azure/keyvault-secrets"),
    importModule<typeof import("@azure/identity")>("@azure/identity"),
  ]);
  return { secrets, identity };
}

/** The caller's deadline as the SDK's `abortSignal` option, or nothing. */
export function abortOf(ctx: ReadContext): { abortSignal?: AbortSignal } {
  return ctx.signal === undefined ? {} : { abortSignal: ctx.signal };
}

/** One client per vault for one operation; they share one credential (one token). */
export function clientsFor(sdk: AzureSdk, ctx: ReadContext): (vault: string) => AzureClient {
  const settings = (ctx.config("azure") ?? {}) as AzureSettings;
  const tls: Tls =
    settings.caFile === undefined
      ? {}
      : { tlsOptions: { ca: readCa(resolve(ctx.baseDir, settings.caFile)) } };
  const credential = credentialFor(sdk, ctx.processEnv, tls, ctx.credentials);
  const clients = new Map<string, AzureClient>();
  return (vault: string): AzureClient => {
    const existing =
      clients.get(vault) ?? newClient(sdk, ctx, { settings, credential, tls }, vault);
    clients.set(vault, existing);
    return existing;
  };
}

/**
 * Credentials come from the environment Strongbox was given, like AWS's and
 * Vault's: a service principal (`AZURE_TENANT_ID`, `AZURE_CLIENT_ID`,
 * `AZURE_CLIENT_SECRET`), else workload identity (`AZURE_FEDERATED_TOKEN_FILE`
 * with the tenant and client), each passed to the SDK explicitly, with the
 * authority host they are sent to (see {@link authorityOf}). Once an
 * environment's own credentials are in force (for any provider), only its
 * prefixed `AZURE_*` count ({@link ownVariables}). Only when they are not in
 * force (ambient), the SDK's DefaultAzureCredential (managed identity, az
 * login): it reads this process's own variables, never the scoped ones, so a
 * prefixed environment never falls back to it.
 */
export function credentialFor(
  sdk: AzureSdk,
  given: Readonly<Record<string, string | undefined>>,
  tls: Tls,
  scope?: Pick<CredentialScope, "ambient" | "prefix" | "origin">,
): Credential {
  const env = scope === undefined ? given : ownVariables(given, scope, "AZURE_");
  // Credentials Strongbox reads are never printed, an echo in a service's error included.
  if (env.AZURE_CLIENT_SECRET) registerSecret("azure-credential", env.AZURE_CLIENT_SECRET);
  const { AZURE_TENANT_ID: tenantId, AZURE_CLIENT_ID: clientId } = env;
  const tokenFilePath = env.AZURE_FEDERATED_TOKEN_FILE;
  // Every path below sends a secret, a token or an identity header (DefaultAzureCredential's too).
  refuseRegionalAuthority();
  refuseUncheckedTls();
  const explicit = () => ({ ...tls, ...authorityOf(env, scope?.origin ?? ((name) => name)) });
  if (tenantId && clientId && env.AZURE_CLIENT_SECRET)
    return new sdk.identity.ClientSecretCredential(
      tenantId,
      clientId,
      env.AZURE_CLIENT_SECRET,
      explicit(),
    );
  if (tenantId && clientId && tokenFilePath)
    return new sdk.identity.WorkloadIdentityCredential({
      tenantId,
      clientId,
      tokenFilePath,
      ...explicit(),
    });
  if (scope?.ambient === false) {
    const p = scope.prefix;
    throw new StrongboxError(
      "E_PROVIDER",
      `${WORDS}: the environment's own credentials (${p}…) are in force, but it gives no Azure credential of its own`,
      {
        hint: `set ${p}AZURE_TENANT_ID and ${p}AZURE_CLIENT_ID with ${p}AZURE_CLIENT_SECRET or ${p}AZURE_FEDERATED_TOKEN_FILE; managed identity and az login are this process's, never an environment's own`,
      },
    );
  }
  return new sdk.identity.DefaultAzureCredential(tls);
}

/**
 * The authority host a secret or token is sent to, always passed explicitly:
 * left out, the SDK reads this process's own `AZURE_AUTHORITY_HOST`, which for
 * a prefixed environment is someone else's. The environment's own, under the
 * one https-or-loopback rule, else Entra ID's public cloud.
 */
function authorityOf(
  env: Readonly<Record<string, string | undefined>>,
  origin: (name: string) => string,
): { authorityHost: string; disableInstanceDiscovery?: boolean } {
  const given = env.AZURE_AUTHORITY_HOST;
  if (!given) return { authorityHost: PUBLIC_AUTHORITY };
  const unsafe = unsafeIdentityUrl(given);
  if (unsafe !== undefined) {
    const name = origin("AZURE_AUTHORITY_HOST");
    throw new StrongboxError("E_PROVIDER", `${WORDS}: ${name} ${unsafe}`, {
      hint: `set ${name} to the cloud's https:// authority (e.g. ${PUBLIC_AUTHORITY}), or unset it`,
    });
  }
  return { authorityHost: given, disableInstanceDiscovery: true };
}

const PUBLIC_AUTHORITY = "https://login.microsoftonline.com";

/**
 * The Azure SDKs read a region from this process themselves (no option
 * overrides them): @azure/identity's `AZURE_REGIONAL_AUTHORITY_NAME`, MSAL's
 * `MSAL_FORCE_REGION` and `REGION_NAME`; MSAL puts it in front of the
 * authority host the secret or token goes to, unchecked, so
 * `127.0.0.1:8080/x#` sends it anywhere. Only a region's name (or one of the
 * SDKs' own words, `AutoDiscoverRegion`, `TryAutoDetect`) keeps the host the
 * authority's own subdomain.
 */
function refuseRegionalAuthority(): void {
  for (const name of REGION_VARIABLES) {
    const region = process.env[name];
    if (region === undefined || /^[a-z][a-z0-9-]{0,62}$/i.test(region)) continue;
    throw new StrongboxError(
      "E_PROVIDER",
      `${WORDS}: ${name} is not an Azure region's name, and the Azure SDK would put it in front of the host your credential is sent to`,
      { hint: `set ${name} to a region such as westeurope, or unset it` },
    );
  }
}

/** The secret or token goes over https: never while this process checks no certificate. */
function refuseUncheckedTls(): void {
  const unchecked = processSkipsTlsChecks();
  if (unchecked === undefined) return;
  throw new StrongboxError(
    "E_PROVIDER",
    `${WORDS}: not sending an Azure credential: ${unchecked}`,
    {
      hint: "unset NODE_TLS_REJECT_UNAUTHORIZED; trust a private CA with azure.caFile or NODE_EXTRA_CA_CERTS instead",
    },
  );
}

const REGION_VARIABLES = ["AZURE_REGIONAL_AUTHORITY_NAME", "MSAL_FORCE_REGION", "REGION_NAME"];

/** A vault's client: its https URL (or the config's override), refusing plain http unless allowed. */
function newClient(
  sdk: AzureSdk,
  ctx: ReadContext,
  shared: { settings: AzureSettings; credential: Credential; tls: Tls },
  vault: string,
): AzureClient {
  const { settings, credential, tls } = shared;
  const override = settings.vaults?.[vault];
  const url = override ?? `https://${vault}.${settings.dnsSuffix ?? "vault.azure.net"}`;
  const insecure = !url.startsWith("https://");
  if (insecure && settings.allowInsecure !== true)
    throw new StrongboxError(
      "E_PROVIDER",
      `${WORDS} ${vault}: ${url} is not https://, so a token would travel in clear`,
      {
        hint: "use the vault's https URL; only for a local stand-in, set azure.allowInsecure: true",
      },
    );
  if (insecure && ctx.strictTransport === true)
    ctx.warn?.(`pure ${WORDS} mode runs with azure.allowInsecure: ${url} is not https://`);
  return new sdk.secrets.SecretClient(url, credential, {
    ...tls,
    ...(insecure ? { allowInsecureConnection: true } : {}),
    // The challenge check ties a token's audience to *.vault.azure.net hosts; a
    // URL the config names on purpose (private endpoint, stand-in) has another host.
    disableChallengeResourceVerification: override !== undefined,
    retryOptions: { maxRetries: 3, retryDelayInMs: 250, maxRetryDelayInMs: 4000 },
  });
}

/** Every version's properties (never values), oldest first; [] when the secret is not there. */
export async function versionsOf(
  sdk: AzureSdk,
  ctx: ReadContext,
  vault: string,
  secret: string,
): Promise<VersionProperties[]> {
  const found: VersionProperties[] = [];
  try {
    for await (const item of clientsFor(
      sdk,
      ctx,
    )(vault).listPropertiesOfSecretVersions(secret, abortOf(ctx)))
      if (item.version !== undefined)
        found.push({
          version: item.version,
          ...(item.createdOn ? { createdOn: item.createdOn } : {}),
          ...(item.updatedOn ? { updatedOn: item.updatedOn } : {}),
          ...(item.enabled === undefined ? {} : { enabled: item.enabled }),
          ...(item.tags ? { tags: item.tags } : {}),
        });
  } catch (error) {
    if (statusOf(error) === 404) return [];
    throw azureError(error, `${secret} in ${WORDS} ${vault}`);
  }
  return found.sort((a, b) => (a.createdOn?.getTime() ?? 0) - (b.createdOn?.getTime() ?? 0));
}

/**
 * The id of the version a plain read returns. Key Vault keeps times to the
 * second and lists versions in no promised order, and it has no way to ask
 * for a version's properties without its value: so the current version is
 * read, its id kept, and its value dropped at once.
 */
export async function currentVersion(
  sdk: AzureSdk,
  ctx: ReadContext,
  vault: string,
  secret: string,
): Promise<string | undefined> {
  try {
    const latest = await clientsFor(sdk, ctx)(vault).getSecret(secret, abortOf(ctx));
    return latest.properties.version;
  } catch (error) {
    if (statusOf(error) === 404 || innerCode(error) === "SecretDisabled") return undefined;
    throw azureError(error, `${secret} in ${WORDS} ${vault}`);
  }
}

/** The names of a vault's secrets that start with `wanted` (already mapped), as refs. */
export async function listSecrets(
  sdk: AzureSdk,
  ctx: ReadContext,
  vault: string,
  wanted: string,
): Promise<Array<{ ref: string }>> {
  const listed: Array<{ ref: string }> = [];
  try {
    for await (const item of clientsFor(sdk, ctx)(vault).listPropertiesOfSecrets(abortOf(ctx)))
      if (item.name.toLowerCase().startsWith(wanted))
        listed.push({ ref: `azure-kv://${vault}/${item.name}` });
  } catch (error) {
    throw azureError(error, `the secrets of ${WORDS} ${vault}`);
  }
  return listed;
}

/** Disables versions: Key Vault cannot destroy one, and no read returns a disabled one. */
export async function disableVersions(
  sdk: AzureSdk,
  ctx: ReadContext,
  where: { vault: string; secret: string },
  versions: readonly unknown[],
): Promise<void> {
  const { vault, secret } = where;
  try {
    for (const version of versions)
      await clientsFor(
        sdk,
        ctx,
      )(vault).updateSecretProperties(secret, String(version), {
        ...abortOf(ctx),
        enabled: false,
      });
  } catch (error) {
    throw azureError(error, `${secret} in ${WORDS} ${vault}`);
  }
}

/** Soft delete (the vault's retention applies); `destroy` also purges, freeing the name. */
export async function deleteSecret(
  sdk: AzureSdk,
  ctx: ReadContext,
  where: { vault: string; secret: string },
  destroy: boolean,
): Promise<void> {
  const { vault, secret } = where;
  const client = clientsFor(sdk, ctx)(vault);
  const abort = abortOf(ctx);
  try {
    const poller = await client.beginDeleteSecret(secret, { ...abort, intervalInMs: 250 });
    await poller.pollUntilDone();
    if (destroy) await client.purgeDeletedSecret(secret, abort);
  } catch (error) {
    throw azureError(error, `${secret} in ${WORDS} ${vault}`);
  }
}

/** Writes a new version. */
export async function setSecret(
  sdk: AzureSdk,
  ctx: ReadContext,
  where: { vault: string; secret: string },
  value: string,
): Promise<void> {
  const { vault, secret } = where;
  try {
    await throttled(
      () => clientsFor(sdk, ctx)(vault).setSecret(secret, value, abortOf(ctx)),
      ctx.signal,
    );
  } catch (error) {
    throw azureError(error, `${secret} in ${WORDS} ${vault}`);
  }
}

export /** When a missing secret is soft-deleted: " on DATE", or undefined (not deleted, or not ours to see). */
async function deletedOn(
  client: { getDeletedSecret(name: string): Promise<{ properties: { deletedOn?: Date } }> },
  secret: string,
): Promise<string | undefined> {
  try {
    const deleted = await client.getDeletedSecret(secret);
    const on = deleted.properties.deletedOn;
    return on === undefined ? "" : ` on ${on.toISOString().slice(0, 10)}`;
  } catch {
    return undefined;
  }
}

export /**
 * The caller's deadline as a signal of our own that many concurrent requests
 * may listen to (Node warns on the caller's past ten listeners, and that
 * warning would reach the user's terminal).
 */
function manyListeners(signal: AbortSignal): AbortSignal {
  const ours = AbortSignal.any([signal]);
  setMaxListeners(0, ours);
  return ours;
}

/**
 * Retries a 429 the SDK gave up on: it retries only when the answer carries
 * Retry-After, and Key Vault does not promise one. Backs off 0.25, 0.5, 1 s
 * (jittered); the caller's deadline still applies.
 */
export async function throttled<T>(
  call: () => Promise<T>,
  signal: AbortSignal | undefined,
): Promise<T> {
  for (let attempt = 0; ; attempt++) {
    try {
      return await call();
    } catch (error) {
      if (statusOf(error) !== 429 || attempt >= 3 || signal?.aborted === true) throw error;
      const delay = 250 * 2 ** attempt * (0.5 + Math.random() / 2);
      await new Promise((done) => setTimeout(done, delay));
    }
  }
}

function readCa(path: string): string {
  try {
    return readFileSync(path, "utf8");
  } catch {
    throw new StrongboxError("E_PROVIDER", `azure.caFile: cannot read ${path}`, {
      hint: "give a PEM file of CA certificates, relative to the config file",
    });
  }
}
