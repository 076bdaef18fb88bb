import { execFileSync } from "node:child_process";
import { join } from "node:path";

/** A CA (`NAME-ca.pem`) and a client certificate it signs (`NAME.pem`, `NAME-key.pem`) with common name `cn`. */
export function clientCertificate(dir: string, name: string, cn: string): void {
  const at = (file: string) => join(dir, file);
  const openssl = (args: string[]) => execFileSync("openssl", args, { stdio: "ignore" });
  openssl([
    ...["req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "2"],
    ...[
      "-keyout",
      at(`${name}-ca-key.pem`),
      "-out",
      at(`${name}-ca.pem`),
      "-subj",
      `/CN=${name} CA`,
    ],
  ]);
  openssl([
    ...["req", "-newkey", "rsa:2048", "-nodes", "-keyout", at(`${name}-key.pem`)],
    ...["-out", at(`${name}.csr`), "-subj", `/CN=${cn}`],
  ]);
  openssl([
    ...["x509", "-req", "-in", at(`${name}.csr`), "-CA", at(`${name}-ca.pem`)],
    ...["-CAkey", at(`${name}-ca-key.pem`), "-CAcreateserial", "-days", "2"],
    ...["-out", at(`${name}.pem`)],
  ]);
}
