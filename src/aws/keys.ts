import { type ErrorCode, StrongboxError } from "../errors.js";
import { registerSecret } from "../redact/registry.js";
import { importModule } from "../security/import-module.js";
import { ownVariables } from "../security/own-variables.js";
import { processSkipsTlsChecks, unsafeIdentityUrl } from "../security/transport.js";
import type { AwsKeys } from "./sigv4.js";

type Env = Readonly<Record<string, string | undefined>>;

/** Keys in hand and, in words for messages, where they came from (never the keys). */
export interface ResolvedKeys {
  readonly keys: AwsKeys;
  readonly source: string;
}

/** Where an STS call made for web identity goes, and how a credential is named in messages. */
export interface KeysOptions {
  readonly region: string;
  /**
   * The STS endpoint web identity's token is sent to, from the environment
   * given (never the SDK's own choice from this process's variables or
   * `~/.aws/config`); default the region's `https://sts.REGION.amazonaws.com`.
   */
  readonly endpoint?: string;
  /** The variable `endpoint` came from, as the user set it (for messages). */
  readonly endpointName?: string;
  /** The name a variable was set under (an environment's prefix); identity when none. */
  readonly origin: (name: string) => string;
  /**
   * Whether the SDK's ambient chain (profiles, container and instance
   * metadata) may be used. It reads this process's own environment and home,
   * so an environment scoped to its own prefixed credentials never does.
   */
  readonly ambient: boolean;
  readonly signal?: AbortSignal;
  /** What the keys are for, in messages, and the error code a refusal carries (default Vault's aws auth). */
  readonly purpose?: { readonly words: string; readonly code: ErrorCode };
}

/**
 * The AWS variables an environment's AWS credentials may come from: once its
 * own (prefixed) credentials are in force, only `AWS_*` from its prefix
 * ({@link ownVariables}, the one rule Azure's credentials follow too).
 */
export function ownAwsVariables(env: Env, scope: Pick<KeysOptions, "ambient" | "origin">): Env {
  return ownVariables(env, scope, "AWS_");
}

/**
 * AWS credentials by the standard chain's order, from the environment
 * Strongbox was given: static keys (`AWS_ACCESS_KEY_ID` and
 * `AWS_SECRET_ACCESS_KEY`, with `AWS_SESSION_TOKEN`), then web identity
 * (`AWS_WEB_IDENTITY_TOKEN_FILE` with `AWS_ROLE_ARN`, exchanged at STS), then,
 * when ambient credentials may be used, the SDK's chain (`AWS_PROFILE` and the
 * shared files, SSO, `credential_process`, the container and instance
 * metadata endpoints). Every secret read is registered with the redactor.
 */
export async function resolveAwsKeys(given: Env, options: KeysOptions): Promise<ResolvedKeys> {
  const env = ownAwsVariables(given, options);
  const resolved = await fromChain(env, { ...stsEndpointOf(env, options), ...options });
  for (const secret of [resolved.keys.secretAccessKey, resolved.keys.sessionToken])
    if (secret) registerSecret("aws-credential", secret);
  return resolved;
}

async function fromChain(env: Env, options: KeysOptions): Promise<ResolvedKeys> {
  const { origin } = options;
  const keyId = env.AWS_ACCESS_KEY_ID;
  const secret = env.AWS_SECRET_ACCESS_KEY;
  if (keyId && secret)
    return {
      keys: {
        accessKeyId: keyId,
        secretAccessKey: secret,
        ...(env.AWS_SESSION_TOKEN ? { sessionToken: env.AWS_SESSION_TOKEN } : {}),
      },
      source: `keys from ${origin("AWS_ACCESS_KEY_ID")}`,
    };
  const tokenFile = env.AWS_WEB_IDENTITY_TOKEN_FILE;
  const roleArn = env.AWS_ROLE_ARN;
  if (tokenFile && roleArn) return webIdentity(env, tokenFile, roleArn, options);
  if (options.ambient) return sdkChain(env, options);
  const { words, code } = purposeOf(options);
  throw new StrongboxError(code, `no AWS credentials for ${words}`, {
    hint: `set ${origin("AWS_ACCESS_KEY_ID")} and ${origin("AWS_SECRET_ACCESS_KEY")}, or ${origin("AWS_WEB_IDENTITY_TOKEN_FILE")} and ${origin("AWS_ROLE_ARN")}`,
  });
}

/** What the keys are for: Vault's aws auth unless the caller says. */
function purposeOf(options: Pick<KeysOptions, "purpose">): { words: string; code: ErrorCode } {
  return options.purpose ?? { words: "Vault aws auth", code: "E_VAULT_AUTH" };
}

/**
 * The STS endpoint web identity uses when the caller names none: the one the
 * environment's own variables give (`AWS_ENDPOINT_URL_STS`, else
 * `AWS_ENDPOINT_URL`), named as the user set it; absent, the region's AWS one.
 */
function stsEndpointOf(env: Env, options: KeysOptions): Partial<KeysOptions> {
  const name = env.AWS_ENDPOINT_URL_STS ? "AWS_ENDPOINT_URL_STS" : "AWS_ENDPOINT_URL";
  const endpoint = env[name];
  if (!endpoint) return {};
  if (!URL.canParse(endpoint)) {
    const shown = options.origin(name);
    throw new StrongboxError(purposeOf(options).code, `AWS credentials: ${shown} is not a URL`, {
      hint: `set ${shown} to the STS endpoint (e.g. https://sts.${options.region}.amazonaws.com), or unset it`,
    });
  }
  return { endpoint, endpointName: options.origin(name) };
}

/**
 * Web identity: the token file (read again at every login: EKS rotates it)
 * exchanged for a role's keys. The token is a credential (it assumes the
 * role), so it goes only to the endpoint the environment names, under the
 * one https-or-loopback rule, and never while certificate checks are off.
 */
async function webIdentity(
  env: Env,
  tokenFile: string,
  roleArn: string,
  options: KeysOptions,
): Promise<ResolvedKeys> {
  const source = `web identity token from the file ${options.origin("AWS_WEB_IDENTITY_TOKEN_FILE")} names, role ${roleArn}`;
  const endpoint = webIdentityEndpoint(options, source);
  const { fromTokenFile } = await importModule<
    typeof import("@aws-sdk/credential-provider-web-identity")
  >("@aws-sdk/credential-provider-web-identity");
  try {
    const provide = fromTokenFile({
      webIdentityTokenFile: tokenFile,
      roleArn,
      roleSessionName: env.AWS_ROLE_SESSION_NAME || `strongbox-${Date.now()}`,
      // Both explicit: left out, the SDK would take them from this process's variables and ~/.aws/config.
      clientConfig: { region: options.region, endpoint },
    });
    return { keys: await provide(), source };
  } catch (error) {
    throw chainError(source, error, options);
  }
}

/** Where web identity's token may go: the endpoint given (or the region's AWS one), checked. */
function webIdentityEndpoint(options: KeysOptions, source: string): string {
  const endpoint = options.endpoint ?? `https://sts.${options.region}.amazonaws.com`;
  const name = options.endpointName ?? "AWS_ENDPOINT_URL_STS";
  const refused = (why: string, hint: string) =>
    new StrongboxError(purposeOf(options).code, `AWS credentials (${source}): ${why}`, { hint });
  const why = unsafeIdentityUrl(endpoint);
  if (why !== undefined)
    throw refused(
      `the STS endpoint ${name} gives ${why}, so the web identity token is not sent`,
      `set ${name} to the https:// STS endpoint (e.g. https://sts.${options.region}.amazonaws.com), or unset it`,
    );
  const unchecked = new URL(endpoint).protocol === "https:" ? processSkipsTlsChecks() : undefined;
  if (unchecked !== undefined)
    throw refused(
      `${unchecked}, so the web identity token is not sent`,
      "unset NODE_TLS_REJECT_UNAUTHORIZED; give a private CA with NODE_EXTRA_CA_CERTS instead",
    );
  return endpoint;
}

/**
 * The SDK's own chain, for the credentials a process finds around it
 * (profiles, SSO, `credential_process`, metadata endpoints), never its web
 * identity step: that would read this process's token file and send it to an
 * STS endpoint the SDK picks (web identity is {@link webIdentity}'s alone).
 */
async function sdkChain(env: Env, options: KeysOptions): Promise<ResolvedKeys> {
  const profile = env.AWS_PROFILE;
  const source = profile ? `AWS profile ${profile}` : "the AWS SDK's default credential chain";
  // The chain sends tokens of its own (a container's, a source profile's, SSO's) over https.
  refuseUncheckedAwsTls(source, options);
  const { defaultProvider } = await importModule<
    typeof import("@aws-sdk/credential-provider-node")
  >("@aws-sdk/credential-provider-node");
  try {
    const provide = defaultProvider({
      ...(profile ? { profile } : {}),
      ...(env.AWS_SHARED_CREDENTIALS_FILE ? { filepath: env.AWS_SHARED_CREDENTIALS_FILE } : {}),
      ...(env.AWS_CONFIG_FILE ? { configFilepath: env.AWS_CONFIG_FILE } : {}),
      // Blank, not absent: the SDK's web identity step then skips instead of reading process.env.
      webIdentityTokenFile: "",
      roleArn: "",
      // A profile's role is assumed by the SDK's own STS (or SSO) client: never at an endpoint
      // it finds in ~/.aws/config or AWS_ENDPOINT_URL_STS, which no transport rule sees; a
      // profile's web identity token only at the endpoint web identity's rule allows.
      clientConfig: { ignoreConfiguredEndpointUrls: true },
      roleAssumerWithWebIdentity: (params) => profileWebIdentity(params, options, source),
    });
    return { keys: await provide(), source };
  } catch (error) {
    throw chainError(source, error, options);
  }
}

/** A profile's web identity (`web_identity_token_file` + `role_arn`) exchanged under {@link webIdentityEndpoint}'s rule. */
async function profileWebIdentity(
  params: { RoleArn: string; RoleSessionName?: string; WebIdentityToken: string },
  options: KeysOptions,
  source: string,
) {
  const endpoint = webIdentityEndpoint(options, source);
  const { fromWebToken } = await importModule<
    typeof import("@aws-sdk/credential-provider-web-identity")
  >("@aws-sdk/credential-provider-web-identity");
  return fromWebToken({
    webIdentityToken: params.WebIdentityToken,
    roleArn: params.RoleArn,
    roleSessionName: params.RoleSessionName ?? `strongbox-${Date.now()}`,
    clientConfig: { region: options.region, endpoint },
  })();
}

/** AWS credentials (keys, session tokens, a chain's tokens) never travel while certificate checks are off. */
export function refuseUncheckedAwsTls(source: string, options: Pick<KeysOptions, "purpose">): void {
  const unchecked = processSkipsTlsChecks();
  if (unchecked === undefined) return;
  throw new StrongboxError(
    purposeOf(options).code,
    `AWS credentials (${source}): not sent, ${unchecked}`,
    {
      hint: "unset NODE_TLS_REJECT_UNAUTHORIZED; give a private CA with NODE_EXTRA_CA_CERTS instead",
    },
  );
}

/** The SDK's message names what is missing (a profile, a file); it never carries a key. */
function chainError(source: string, error: unknown, options: KeysOptions): StrongboxError {
  const why = error instanceof Error ? error.message.split("\n")[0] : "no credentials";
  return new StrongboxError(
    purposeOf(options).code,
    `AWS credentials (${source}) unavailable: ${why}`,
    {
      hint: "check the AWS credentials this process is given (variables, profile, web identity token file)",
    },
  );
}
