import { execFileSync } from "node:child_process";
import { readFileSync } from "node:fs";
import { createServer } from "node:https";
import type { AddressInfo } from "node:net";
import { join } from "node:path";

/**
 * A Kubernetes API server as bao's kubernetes auth plugin meets it: HTTPS
 * with its own CA, answering TokenReview for the service-account tokens it
 * currently honours (a projected token rotates: the old one stops working).
 */
export async function fakeApiServer(dir: string) {
  const key = join(dir, "k8s-key.pem");
  const cert = join(dir, "k8s-ca.pem");
  execFileSync(
    "openssl",
    [
      ...["req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "2"],
      ...["-keyout", key, "-out", cert, "-subj", "/CN=kubernetes"],
      ...["-addext", "subjectAltName=DNS:localhost,IP:127.0.0.1"],
    ],
    { stdio: "ignore" },
  );
  const honoured = new Set<string>();
  const reviews: string[] = [];
  const server = createServer({ key: readFileSync(key), cert: readFileSync(cert) }, (req, res) => {
    let body = "";
    req.on("data", (chunk: Buffer) => {
      body += chunk.toString();
    });
    req.on("end", () => {
      if (req.method !== "POST" || req.url !== "/apis/authentication.k8s.io/v1/tokenreviews") {
        res.writeHead(404);
        return res.end();
      }
      const spec = (JSON.parse(body) as { spec?: { token?: string; audiences?: string[] } }).spec;
      const token = spec?.token ?? "";
      reviews.push(token);
      const status = honoured.has(token)
        ? {
            authenticated: true,
            user: {
              username: "system:serviceaccount:shop:app",
              uid: "4b9d1b3e-0000-4000-8000-00000000a11c",
              groups: ["system:serviceaccounts", "system:serviceaccounts:shop"],
            },
            // An audience-aware API server says which of the audiences asked for the token carries.
            audiences: spec?.audiences ?? [],
          }
        : { authenticated: false, error: "token is not valid" };
      res.writeHead(201, { "content-type": "application/json" });
      res.end(
        JSON.stringify({ apiVersion: "authentication.k8s.io/v1", kind: "TokenReview", status }),
      );
    });
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  return {
    host: `https://127.0.0.1:${(server.address() as AddressInfo).port}`,
    caFile: cert,
    honoured,
    reviews,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}
