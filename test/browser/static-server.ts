// A loopback HTTP server for browser tests: fixed routes to in-memory bodies or files on disk.
import { readFile } from "node:fs/promises";
import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { extname, join, normalize } from "node:path";

const types: Record<string, string> = {
  ".html": "text/html; charset=utf-8",
  ".js": "text/javascript",
  ".mjs": "text/javascript",
  ".json": "application/json",
  ".wasm": "application/wasm",
  ".onnx": "application/octet-stream",
};

export interface StaticServer {
  url: string;
  close(): Promise<void>;
}

/** routes: exact paths to bodies; mounts: path prefixes to folders on disk. */
export async function startStaticServer(
  routes: Record<string, { body: string | Uint8Array; type: string }>,
  mounts: Record<string, string>,
): Promise<StaticServer> {
  const server: Server = createServer(async (req, res) => {
    const path = decodeURIComponent(new URL(req.url ?? "/", "http://x").pathname);
    const route = routes[path];
    if (route) {
      res.writeHead(200, { "content-type": route.type });
      res.end(route.body);
      return;
    }
    for (const [prefix, dir] of Object.entries(mounts)) {
      if (!path.startsWith(prefix)) continue;
      const relative = normalize(path.slice(prefix.length));
      if (relative.startsWith("..")) break;
      try {
        const body = await readFile(join(dir, relative));
        res.writeHead(200, { "content-type": types[extname(relative)] ?? "application/octet-stream" });
        res.end(body);
      } catch {
        break;
      }
      return;
    }
    res.writeHead(404).end();
  });
  await new Promise<void>((ok) => server.listen(0, "127.0.0.1", ok));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    close: () => new Promise<void>((ok) => server.close(() => ok())),
  };
}
