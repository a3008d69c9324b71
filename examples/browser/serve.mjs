// Serves the repository root so the browser example can load the built
// library. No dependencies.
//   node scripts/build.mjs              # once: builds dist/esm
//   node examples/browser/serve.mjs     # then open the printed URL
//   PORT=9000 node examples/browser/serve.mjs
// Any static server of the repository root works the same way (it must send
// .js files as text/javascript): for example `python3 -m http.server`.
import { createServer } from "node:http";
import { readFile } from "node:fs/promises";
import { extname, join, normalize, sep } from "node:path";
import { fileURLToPath } from "node:url";

const root = normalize(
  join(fileURLToPath(import.meta.url), "..", "..", "..") + sep,
);
const types = {
  ".html": "text/html; charset=utf-8",
  ".js": "text/javascript; charset=utf-8",
  ".css": "text/css; charset=utf-8",
  ".md": "text/plain; charset=utf-8",
  ".png": "image/png",
};
const port = Number(process.env.PORT ?? 8000);

createServer(async (req, res) => {
  let path = decodeURIComponent(new URL(req.url ?? "/", "http://x").pathname);
  if (path.endsWith("/")) path += "index.html";
  const file = normalize(join(root, path));
  try {
    if (!file.startsWith(root)) throw new Error("outside the root");
    const body = await readFile(file);
    res.writeHead(200, {
      "Content-Type": types[extname(file)] ?? "application/octet-stream",
    });
    res.end(body);
  } catch {
    res.writeHead(404, { "Content-Type": "text/plain" });
    res.end("not found");
  }
}).listen(port, "127.0.0.1", () => {
  console.log(`open http://127.0.0.1:${port}/examples/browser/`);
});
