import type { Server } from "node:http";

/** A test server listening on an ephemeral loopback port. */
export interface Listening {
  /** `http://127.0.0.1:PORT` */
  readonly addr: string;
  /** Closes the server and every connection still open to it. */
  close(): Promise<void>;
}

/** Starts `server` on 127.0.0.1 at a free port: tests talk to nothing but this machine. */
export function listenLoopback(server: Server): Promise<Listening> {
  return new Promise((resolve) => {
    server.listen(0, "127.0.0.1", () => {
      const address = server.address();
      resolve({
        addr: `http://127.0.0.1:${typeof address === "object" && address ? address.port : 0}`,
        close: () =>
          new Promise<void>((done) => {
            server.closeAllConnections();
            server.close(() => done());
          }),
      });
    });
  });
}
