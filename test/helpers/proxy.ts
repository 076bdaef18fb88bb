import { createServer, request as httpRequest } from "node:http";

/** A loopback HTTP proxy in front of a real server: counts requests and can delay them. */
export interface LoopbackProxy {
  readonly addr: string;
  /** Requests seen, by path. */
  readonly seen: string[];
  delayMs: number;
  /**
   * The next `count` requests are answered by the proxy itself as AWS throttles
   * them (HTTP 400, `ThrottlingException`), without reaching the server.
   */
  throttle(count: number): void;
  close(): Promise<void>;
}

/** Starts a proxy to `target` (an http:// origin) on a free loopback port. */
export function startProxy(target: string): Promise<LoopbackProxy> {
  const seen: string[] = [];
  const proxy: { delayMs: number; throttled: number; throttle(count: number): void } = {
    delayMs: 0,
    throttled: 0,
    throttle(count) {
      this.throttled = count;
    },
  };
  const server = createServer((req, res) => {
    seen.push(`${req.method} ${req.url}`);
    if (proxy.throttled > 0) {
      proxy.throttled--;
      req.resume();
      res.writeHead(400, {
        "content-type": "application/x-amz-json-1.1",
        "x-amzn-errortype": "ThrottlingException",
      });
      res.end(JSON.stringify({ __type: "ThrottlingException", message: "Rate exceeded" }));
      return;
    }
    const forward = () => {
      const upstream = httpRequest(
        new URL(req.url ?? "/", target),
        { method: req.method, headers: req.headers },
        (up) => {
          res.writeHead(up.statusCode ?? 502, up.headers);
          up.pipe(res);
        },
      );
      upstream.on("error", () => {
        res.writeHead(502);
        res.end();
      });
      req.pipe(upstream);
    };
    if (proxy.delayMs > 0) setTimeout(forward, proxy.delayMs);
    else forward();
  });
  return new Promise((resolve) => {
    server.listen(0, "127.0.0.1", () => {
      const address = server.address();
      const port = typeof address === "object" && address !== null ? address.port : 0;
      resolve(
        Object.assign(proxy, {
          addr: `http://127.0.0.1:${port}`,
          seen,
          close: () =>
            new Promise<void>((done) => {
              server.closeAllConnections();
              server.close(() => done());
            }),
        }),
      );
    });
  });
}
