// A small static file server for the browser tests: serves the repository
// root on 127.0.0.1, with two switches the tests need.
//   cors: true            -> every response carries Access-Control-Allow-Origin: *
//                            (the "CDN" origin of the cross-origin case)
//   csp: { "/csp/": "script-src 'self'" }
//                         -> a path under the prefix is served with the prefix
//                            stripped and that Content-Security-Policy header
//                            (a site whose every response carries the policy)
//   isolate: "/coi/"      -> a path under the prefix is served with the prefix
//                            stripped and COOP/COEP/CORP headers, making the
//                            page cross-origin isolated (SharedArrayBuffer)
//   alias: { "/dist/esm/": "/tmp/snapshot" }
//                         -> paths under the prefix come from that directory
import { createServer } from "node:http";
import { readFile, stat } from "node:fs/promises";
import { extname, join, normalize, sep } from "node:path";

const TYPES = {
  ".html": "text/html; charset=utf-8",
  ".js": "text/javascript; charset=utf-8",
  ".mjs": "text/javascript; charset=utf-8",
  ".ts": "text/plain; charset=utf-8",
  ".css": "text/css; charset=utf-8",
  ".json": "application/json; charset=utf-8",
  ".png": "image/png",
  ".svg": "image/svg+xml",
  ".ico": "image/x-icon",
};

/**
 * Starts a server. Resolves to `{ origin, close() }` once it listens.
 *
 * @param {string} root Directory to serve.
 * @param {{ port?: number, cors?: boolean, csp?: Record<string, string>,
 *   isolate?: string, alias?: Record<string, string> }} [options]
 */
export function startStaticServer(root, options = {}) {
  const rootDir = normalize(root + sep);
  const server = createServer(async (req, res) => {
    const headers = { "Cache-Control": "no-store" };
    if (options.cors) headers["Access-Control-Allow-Origin"] = "*";
    try {
      let path = decodeURIComponent(
        new URL(req.url ?? "/", "http://x").pathname,
      );
      for (const [prefix, policy] of Object.entries(options.csp ?? {})) {
        if (path.startsWith(prefix)) {
          path = "/" + path.slice(prefix.length);
          headers["Content-Security-Policy"] = policy;
          break;
        }
      }
      if (options.isolate && path.startsWith(options.isolate)) {
        path = "/" + path.slice(options.isolate.length);
        headers["Cross-Origin-Opener-Policy"] = "same-origin";
        headers["Cross-Origin-Embedder-Policy"] = "require-corp";
        headers["Cross-Origin-Resource-Policy"] = "same-origin";
      }
      let base = rootDir;
      for (const [prefix, dir] of Object.entries(options.alias ?? {})) {
        if (path.startsWith(prefix)) {
          base = normalize(dir + sep);
          path = "/" + path.slice(prefix.length);
          break;
        }
      }
      let file = normalize(join(base, path));
      if (!file.startsWith(base)) {
        throw Object.assign(new Error(), { status: 403 });
      }
      if ((await stat(file)).isDirectory()) file = join(file, "index.html");
      const body = await readFile(file);
      headers["Content-Type"] = TYPES[extname(file)] ??
        "application/octet-stream";
      res.writeHead(200, headers);
      res.end(req.method === "HEAD" ? undefined : body);
    } catch (error) {
      const status = error?.status ?? (error?.code === "ENOENT" ? 404 : 500);
      res.writeHead(status, { ...headers, "Content-Type": "text/plain" });
      res.end(String(status));
    }
  });
  return new Promise((resolve, reject) => {
    server.once("error", reject);
    server.listen(options.port ?? 0, "127.0.0.1", () => {
      const { port } = server.address();
      resolve({
        origin: `http://127.0.0.1:${port}`,
        close: () =>
          new Promise((done) => {
            server.closeAllConnections?.();
            server.close(() => done());
          }),
      });
    });
  });
}
