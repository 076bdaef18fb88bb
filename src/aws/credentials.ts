/**
 * The variables the AWS SDK's default credential chain reads that let a
 * process act as the identity: static keys, the container (ECS/EKS Pod
 * Identity) endpoint's token, web identity, and the shared files that hold
 * keys, SSO sessions or a `credential_process`. Scrubbed like Vault's.
 */
export const AWS_CREDENTIALS = [
  "AWS_ACCESS_KEY_ID",
  "AWS_SECRET_ACCESS_KEY",
  "AWS_SESSION_TOKEN",
  // The name the oldest SDKs and boto still read for the session token.
  "AWS_SECURITY_TOKEN",
  // The Java SDK v1 and the EC2 tools read the keys under these names too.
  "AWS_ACCESS_KEY",
  "AWS_SECRET_KEY",
  "AWS_CONTAINER_AUTHORIZATION_TOKEN",
  "AWS_CONTAINER_AUTHORIZATION_TOKEN_FILE",
  // Whoever reaches the container endpoint (with its token, where one is set) gets the task's role.
  "AWS_CONTAINER_CREDENTIALS_RELATIVE_URI",
  "AWS_CONTAINER_CREDENTIALS_FULL_URI",
  "AWS_WEB_IDENTITY_TOKEN_FILE",
  "AWS_SHARED_CREDENTIALS_FILE",
  "AWS_CONFIG_FILE",
];

/**
 * Where the AWS SDK finds credentials when no variable names them (`~` is
 * the home directory): the shared files, the SSO and CLI caches of
 * temporary credentials, and EKS's projected web identity token.
 */
export const AWS_CREDENTIAL_FILES = [
  "~/.aws/credentials",
  "~/.aws/config",
  "~/.aws/sso/cache",
  "~/.aws/cli/cache",
  "~/.aws/login/cache",
  "/var/run/secrets/eks.amazonaws.com",
  "/var/run/secrets/pods.eks.amazonaws.com",
];
