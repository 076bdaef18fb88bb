import { randomBytes, timingSafeEqual } from "node:crypto";
import { createServer, type IncomingMessage, type Server, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";

/**
 * A local, read-only web server for the dashboard, with the defences a page on
 * a developer's machine needs against the rest of the web: loopback only; a
 * one-time token in the first URL, traded for an HttpOnly, SameSite=Strict
 * session cookie (the token then no longer works, and leaves the address bar);
 * the Host header must name this server (a DNS-rebinding page cannot pass);
 * an Origin other than this server is refused; GET and HEAD only; no CORS
 * header ever; a Content-Security-Policy that allows nothing but this
 * server's own stylesheet (the pages carry no script at all).
 *
 * Cookies are not port-isolated: a cookie for 127.0.0.1 goes to every port,
 * so another local user's server could receive it and replay it, and a page
 * on another port is "same-site" for SameSite=Strict. So every page lives
 * under a random path (`/<space>/`) the browser never sends elsewhere, the
 * cookie is scoped to that path (so it is not sent to other ports at all) and
 * is worthless without it, and a request the browser marks as coming from
 * another origin (`Sec-Fetch-Site` other than same-origin or none) is refused.
 */
export interface DashboardServer {
  /** The URL to open, with the one-time token. */
  readonly url: string;
  readonly port: number;
  close(): Promise<void>;
}

/** A page: its HTML (already escaped), or undefined for 404. */
export type PageHandler = (url: URL) => Promise<string | undefined>;

export const CSP =
  "default-src 'none'; style-src 'self'; img-src 'self'; form-action 'self'; base-uri 'none'; frame-ancestors 'none'";

const SECURITY_HEADERS = {
  "Content-Security-Policy": CSP,
  "X-Content-Type-Options": "nosniff",
  "X-Frame-Options": "DENY",
  "Referrer-Policy": "no-referrer",
  "Cache-Control": "no-store",
  "Cross-Origin-Resource-Policy": "same-origin",
  "Cross-Origin-Opener-Policy": "same-origin",
};

export async function startDashboardServer(options: {
  readonly port?: number;
  readonly pages: PageHandler;
  readonly stylesheet: string;
}): Promise<DashboardServer> {
  const tokenText = randomBytes(32).toString("base64url");
  // Set to undefined once used: the link works once.
  let token: Buffer | undefined = Buffer.from(tokenText);
  const sessions = new Set<string>();
  // The path every page lives under: sent by the browser only to this server, never to another port.
  const space = randomBytes(24).toString("base64url");
  const spaceBytes = Buffer.from(`/${space}/`);
  const inSpace = (path: string) => {
    const head = Buffer.from(path.slice(0, spaceBytes.length));
    return head.length === spaceBytes.length && timingSafeEqual(head, spaceBytes);
  };
  let port = 0;
  const cookieName = () => `strongbox_ui_${port}`;
  const allowedHosts = () => new Set([`127.0.0.1:${port}`, `localhost:${port}`]);
  const refuse = (res: ServerResponse, status: number, message: string) => {
    res.writeHead(status, { ...SECURITY_HEADERS, "Content-Type": "text/plain; charset=utf-8" });
    res.end(`${message}\n`);
  };
  const server: Server = createServer(async (req: IncomingMessage, res: ServerResponse) => {
    try {
      if (!allowedHosts().has(req.headers.host ?? ""))
        return refuse(res, 421, "this dashboard answers only to 127.0.0.1 and localhost");
      const origin = req.headers.origin;
      if (origin !== undefined && !allowedHosts().has(origin.replace(/^http:\/\//, "")))
        return refuse(res, 403, "requests from other origins are refused");
      if (req.method !== "GET" && req.method !== "HEAD")
        return refuse(res, 405, "the dashboard is read-only");
      // The browser says where a request comes from; a page on another port (an <img>, a link,
      // a form) is "same-site" but not "same-origin". Absent: not a browser (curl with the session).
      const fetchSite = req.headers["sec-fetch-site"];
      if (fetchSite !== undefined && fetchSite !== "same-origin" && fetchSite !== "none")
        return refuse(res, 403, "requests from other pages are refused");
      const url = new URL(req.url ?? "/", `http://127.0.0.1:${port}`);
      const given = url.searchParams.get("token");
      if (given !== null) {
        // The one-time token: traded for a session cookie, then worthless.
        const candidate = Buffer.from(given);
        if (
          token === undefined ||
          candidate.length !== token.length ||
          !timingSafeEqual(candidate, token)
        )
          return refuse(res, 403, "this link was already used, or is not this dashboard's");
        token = undefined;
        const session = randomBytes(32).toString("base64url");
        sessions.add(session);
        res.writeHead(303, {
          ...SECURITY_HEADERS,
          "Set-Cookie": `${cookieName()}=${session}; HttpOnly; SameSite=Strict; Path=/${space}/`,
          Location: `/${space}/`,
        });
        return res.end();
      }
      // Both halves: the cookie (which a browser could leak) and the path (which it does not).
      const session = new RegExp(`(?:^|;\\s*)${cookieName()}=([A-Za-z0-9_-]+)`).exec(
        req.headers.cookie ?? "",
      )?.[1];
      if (!inSpace(url.pathname) || session === undefined || !sessions.has(session))
        return refuse(res, 403, "open the dashboard with the link strongbox ui printed");
      url.pathname = url.pathname.slice(spaceBytes.length - 1);
      if (url.pathname === "/style.css") {
        res.writeHead(200, { ...SECURITY_HEADERS, "Content-Type": "text/css; charset=utf-8" });
        return res.end(req.method === "HEAD" ? undefined : options.stylesheet);
      }
      const html = await options.pages(url);
      if (html === undefined) return refuse(res, 404, "no such page");
      res.writeHead(200, { ...SECURITY_HEADERS, "Content-Type": "text/html; charset=utf-8" });
      res.end(req.method === "HEAD" ? undefined : html);
    } catch (error) {
      // A page that fails says which code, never more (its message could name a path or worse).
      refuse(res, 500, `this page failed (${(error as { code?: string }).code ?? "error"})`);
    }
  });
  await new Promise<void>((resolve, reject) => {
    server.once("error", reject);
    server.listen(options.port ?? 0, "127.0.0.1", () => resolve());
  });
  port = (server.address() as AddressInfo).port;
  return {
    url: `http://127.0.0.1:${port}/?token=${tokenText}`,
    port,
    close: () =>
      new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      }),
  };
}
