import { approleMethod } from "./approle.js";
import { awsMethod } from "./aws.js";
import { certMethod } from "./cert.js";
import type { AuthMethod } from "./common.js";
import { jwtMethod } from "./jwt.js";
import { kubernetesMethod } from "./kubernetes.js";
import { tokenMethod } from "./token.js";
import { userpassMethod } from "./userpass.js";

/**
 * Every auth method, in the order a process's credentials are detected when
 * the config names none: a token given explicitly, then each login whose
 * credentials are present. The TLS certificate comes last of the explicit
 * ones: a client certificate is often only the listener's mTLS, beside
 * another login. A method is one file and one line here.
 */
export const AUTH_METHODS: readonly AuthMethod[] = [
  tokenMethod,
  approleMethod,
  jwtMethod,
  kubernetesMethod,
  awsMethod,
  userpassMethod,
  certMethod,
];

/** The method named `name`, or undefined. */
export function authMethod(name: string): AuthMethod | undefined {
  return AUTH_METHODS.find((method) => method.name === name);
}

/** The names a config may give as `vault.auth.method`. */
export const AUTH_METHOD_NAMES: readonly string[] = AUTH_METHODS.map((method) => method.name);
