import { AWS_CREDENTIAL_FILES, AWS_CREDENTIALS } from "../../aws/credentials.js";
import { StrongboxError } from "../../errors.js";

/** What both AWS providers share beyond the AWS client (src/aws/): their definition's defaults. */

/**
 * What the AWS providers' definitions share: allowed by default wherever
 * a remote secret manager is (not production, which is pure Vault mode unless
 * a config says otherwise), "unavailable" as the transient code, a pure mode
 * of their own, and the AWS credential variables.
 */
export const AWS_DEFINITION = {
  defaultIn: ["local", "ci", "pr-*", "staging", "*"],
  transient: ["E_PROVIDER_UNAVAILABLE"],
  pure: true,
  credentials: AWS_CREDENTIALS,
  credentialFiles: AWS_CREDENTIAL_FILES,
  connection: [
    "AWS_REGION",
    "AWS_DEFAULT_REGION",
    "AWS_PROFILE",
    "AWS_ENDPOINT_URL",
    "AWS_ENDPOINT_URL_SECRETS_MANAGER",
    "AWS_ENDPOINT_URL_SSM",
    // Web identity's role (the token file is a credential) and where STS is (Vault's AWS IAM login).
    "AWS_ROLE_ARN",
    "AWS_ROLE_SESSION_NAME",
    "AWS_ENDPOINT_URL_STS",
  ],
} as const;

/** The error for `--expected-version` on an AWS source, which offers no check-and-set by number. */
export function noCheckAndSet(uri: string, why: string): StrongboxError {
  return new StrongboxError("E_REF", `${uri}: ${why}`, {
    hint: "write without --expected-version",
  });
}
