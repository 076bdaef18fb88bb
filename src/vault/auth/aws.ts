import { ownAwsVariables, resolveAwsKeys } from "../../aws/keys.js";
import { signV4 } from "../../aws/sigv4.js";
import { StrongboxError } from "../../errors.js";
import { type AuthContext, type AuthMethod, type Env, login, vaultEnv } from "./common.js";

/** The only call Vault's iam login accepts: who am I, as STS answers it. */
const GET_CALLER_IDENTITY = "Action=GetCallerIdentity&Version=2011-06-15";

/**
 * AWS IAM (`auth/aws`, iam type): a SigV4-signed `sts:GetCallerIdentity`
 * that Vault replays to STS, so the workload proves its IAM identity without
 * any secret Vault keeps. Keys come from the standard AWS chain
 * (src/aws/keys.ts); the role is `vault.auth.role` or `VAULT_AWS_ROLE` (none:
 * Vault takes the IAM principal's name). `VAULT_AWS_IAM_SERVER_ID` adds the
 * signed `X-Vault-AWS-IAM-Server-ID` header a role's mount may require.
 */
export const awsMethod: AuthMethod = {
  name: "aws",
  needs: "$VAULT_AWS_ROLE with AWS credentials for AWS IAM",
  present: ({ env }) => !!vaultEnv(env, "AWS_ROLE"),
  async login(context) {
    const { env, spec } = context;
    const role = spec.role ?? (vaultEnv(env, "AWS_ROLE") || undefined);
    const mount = spec.mount ?? "aws";
    const { request, source } = await signedIdentityRequest(context);
    return login(context, {
      path: `${mount}/login`,
      body: { ...request, ...(role === undefined ? {} : { role }) },
      method: "aws",
      source: `AWS IAM login (${source})`,
      mount,
      ...(role === undefined ? {} : { role }),
    });
  },
};

/** Where the signed request says it goes: the STS endpoint and the region its signature is for. */
export function stsTarget(env: Env): { url: string; region: string } {
  const region = vaultEnv(env, "AWS_STS_REGION") || "us-east-1";
  const configured = env.AWS_ENDPOINT_URL_STS || env.AWS_ENDPOINT_URL;
  if (configured) return { url: new URL("/", configured).toString(), region };
  // The global endpoint is Vault's default `sts_endpoint`; it accepts only us-east-1 signatures.
  const host = region === "us-east-1" ? "sts.amazonaws.com" : `sts.${region}.amazonaws.com`;
  return { url: `https://${host}/`, region };
}

/**
 * The AWS variables a login may use. Once an environment's own (prefixed)
 * credentials are in force (`ambient` false), only AWS variables that came
 * from its prefix count: a prefixed Vault login never signs with, or sends
 * its web identity token to, the plain `AWS_*` keys, token file or endpoint
 * that the process happens to have.
 */
export function awsVariables(env: Env, context: Pick<AuthContext, "ambient" | "origin">): Env {
  // The one rule every AWS credential Strongbox resolves follows (src/aws/keys.ts).
  return ownAwsVariables(env, context);
}

/** The four fields Vault's iam login takes, base64 where Vault expects it, and the keys' source in words. */
async function signedIdentityRequest(context: AuthContext) {
  const { ambient, signal } = context;
  const env = awsVariables(context.env, context);
  const prefix = context.spec.scope?.prefix ?? "";
  // What to set, in messages: with the environment's own credentials in force, the prefixed AWS names.
  const origin = (name: string) =>
    !ambient && name.startsWith("AWS_") ? `${prefix}${name}` : context.origin(name);
  const endpointName = origin(
    env.AWS_ENDPOINT_URL_STS ? "AWS_ENDPOINT_URL_STS" : "AWS_ENDPOINT_URL",
  );
  const configured = env.AWS_ENDPOINT_URL_STS || env.AWS_ENDPOINT_URL;
  if (configured && !URL.canParse(configured))
    throw new StrongboxError("E_VAULT_AUTH", `AWS IAM login: ${endpointName} is not a URL`, {
      hint: `set ${endpointName} to the STS endpoint (e.g. https://sts.us-east-1.amazonaws.com), or unset it`,
    });
  const target = stsTarget(env);
  const { keys, source } = await resolveAwsKeys(env, {
    region: target.region,
    // As the variable spells it, so the transport rule judges what the user wrote.
    endpoint: configured || target.url,
    endpointName,
    origin,
    ambient,
    ...(signal === undefined ? {} : { signal }),
  });
  const serverId = vaultEnv(env, "AWS_IAM_SERVER_ID");
  const headers = signV4({
    method: "POST",
    url: target.url,
    headers: {
      "Content-Type": "application/x-www-form-urlencoded; charset=utf-8",
      ...(serverId ? { "X-Vault-AWS-IAM-Server-ID": serverId } : {}),
    },
    body: GET_CALLER_IDENTITY,
    region: target.region,
    service: "sts",
    keys,
    date: new Date(),
  });
  // Vault reads the headers as Go's http.Header: a name to a list of values.
  const asLists = Object.fromEntries(Object.entries(headers).map(([k, v]) => [k, [v]]));
  const request = {
    iam_http_request_method: "POST",
    iam_request_url: Buffer.from(target.url).toString("base64"),
    iam_request_body: Buffer.from(GET_CALLER_IDENTITY).toString("base64"),
    iam_request_headers: Buffer.from(JSON.stringify(asLists)).toString("base64"),
  };
  return { request, source };
}
