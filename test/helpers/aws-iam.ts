import assert from "node:assert/strict";
import type { Bao } from "./bao.js";
import { startBao } from "./bao.js";
import { type Moto, startMoto } from "./moto.js";

/** An IAM user's access key in moto. */
export interface Keys {
  readonly id: string;
  readonly secret: string;
}

/** The account moto puts every principal in. */
export const ACCOUNT = "123456789012";

/** One IAM query to moto (signed with a placeholder: answered only while request authentication is off, or by a policy-free call). */
export async function iam(moto: Moto, params: Record<string, string>): Promise<string> {
  const body = new URLSearchParams({ ...params, Version: "2010-05-08" }).toString();
  const response = await fetch(`${moto.endpoint}/`, {
    method: "POST",
    headers: {
      "content-type": "application/x-www-form-urlencoded",
      authorization: `AWS4-HMAC-SHA256 Credential=testing/20260101/us-east-1/iam/aws4_request, SignedHeaders=host, Signature=0`,
    },
    body,
  });
  const text = await response.text();
  assert.equal(response.status, 200, text);
  return text;
}

/** An IAM user in moto and an access key of its own; `policy` (a JSON document) is attached inline. */
export async function iamUser(moto: Moto, name: string, policy?: string): Promise<Keys> {
  await iam(moto, { Action: "CreateUser", UserName: name });
  if (policy !== undefined)
    await iam(moto, {
      Action: "PutUserPolicy",
      UserName: name,
      PolicyName: `${name}-policy`,
      PolicyDocument: policy,
    });
  const created = await iam(moto, { Action: "CreateAccessKey", UserName: name });
  const field = (tag: string) => new RegExp(`<${tag}>([^<]+)</${tag}>`).exec(created)?.[1] ?? "";
  return { id: field("AccessKeyId"), secret: field("SecretAccessKey") };
}

/** Switches moto's request authentication (SigV4 checked against its IAM keys and policies) on or off. */
export async function motoAuth(moto: Moto, on: boolean): Promise<void> {
  const response = await fetch(`${moto.endpoint}/moto-api/reset-auth`, {
    method: "POST",
    headers: { "content-type": "text/plain" },
    body: on ? "0" : "inf",
  });
  assert.equal(response.status, 200);
}

/**
 * A real bao with Vault's aws auth plugin (built by scripts/run-tests.mjs into
 * STRONGBOX_BAO_PLUGIN_DIR), and moto as the AWS it checks logins with.
 */
export async function baoWithAws(
  options: { tls?: boolean } = {},
): Promise<{ bao: Bao; moto: Moto }> {
  const pluginDir = process.env.STRONGBOX_BAO_PLUGIN_DIR;
  assert.ok(pluginDir, "scripts/run-tests.mjs builds the aws plugin (STRONGBOX_BAO_PLUGIN_DIR)");
  const moto = await startMoto();
  try {
    return { bao: await startBao({ ...options, pluginDir }), moto };
  } catch (error) {
    await moto.stop();
    throw error;
  }
}

/**
 * Enables the aws auth method at `mount`, replaying logins to moto's STS and
 * IAM; `metadata` names what the token's metadata keeps of the principal
 * (`iam_metadata`), and `serverId` requires the X-Vault-AWS-IAM-Server-ID header.
 */
export function enableAwsAuth(
  bao: Bao,
  moto: Moto,
  options: { readonly mount?: string; readonly metadata: string; readonly serverId?: string },
): void {
  const mount = options.mount ?? "aws";
  bao.cli(["auth", "enable", `-path=${mount}`, "aws"]);
  bao.cli([
    ...["write", `auth/${mount}/config/client`, `sts_endpoint=${moto.endpoint}`],
    ...[`iam_endpoint=${moto.endpoint}`, "sts_region=us-east-1"],
    ...(options.serverId === undefined ? [] : [`iam_server_id_header_value=${options.serverId}`]),
  ]);
  bao.cli(["write", `auth/${mount}/config/identity`, `iam_metadata=${options.metadata}`]);
}
