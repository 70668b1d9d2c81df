import { execFileSync } from "node:child_process";
import { existsSync, mkdtempSync, readFileSync, rmSync } from "node:fs";
import net from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { startLocalWorker } from "../../functions/local.ts";

const stateDirs: string[] = [];
function freshStateDir(): string {
  const dir = mkdtempSync(join(tmpdir(), "edgetune-local-"));
  stateDirs.push(dir);
  return dir;
}
afterAll(() => {
  for (const dir of stateDirs) rmSync(dir, { recursive: true, force: true });
});

/** Resolves with the connection outcome: "open", or the error code (ECONNREFUSED once nothing listens). */
function probe(port: number): Promise<string> {
  return new Promise((resolve) => {
    const socket = net.connect({ host: "127.0.0.1", port });
    socket.once("connect", () => {
      socket.destroy();
      resolve("open");
    });
    socket.once("error", (err: NodeJS.ErrnoException) => resolve(err.code ?? err.message));
  });
}

/** workerd processes this test process started and that are still alive. */
function workerdChildren(): string[] {
  let out = "";
  try {
    out = execFileSync("ps", ["-o", "pid=,comm=", "--ppid", String(process.pid)], { encoding: "utf8" });
  } catch {
    return []; // ps exits 1 when there is no child at all
  }
  return out.split("\n").filter((line) => line.includes("workerd"));
}

describe("startLocalWorker", () => {
  it("serves the Worker over HTTP on 127.0.0.1 with state under stateDir, and stop() closes the port", async () => {
    const stateDir = freshStateDir();
    const worker = await startLocalWorker({ port: 0, stateDir });
    const url = new URL(worker.url);
    const port = Number(url.port);
    try {
      expect(url.hostname).toBe("127.0.0.1");
      expect(port).toBeGreaterThan(0);
      expect(workerdChildren()).not.toEqual([]);

      const res = await fetch(`${worker.url}/v1/health`);
      expect(res.status).toBe(200);
      expect(await res.json()).toEqual({ status: "ok", version: "0.1.0" });

      const missing = await fetch(`${worker.url}/v1/missing`);
      expect(missing.status).toBe(404);
      expect(missing.headers.get("content-type")).toBe("application/problem+json");

      // Miniflare keeps the R2 and D1 bindings' state in the given directory.
      expect(existsSync(join(stateDir, "v3", "r2"))).toBe(true);
      expect(existsSync(join(stateDir, "v3", "d1"))).toBe(true);
    } finally {
      await worker.stop();
    }
    expect(await probe(port)).toBe("ECONNREFUSED");
    expect(workerdChildren()).toEqual([]);
  });

  it("rejects (rather than hanging) when the port is taken, and leaves no workerd behind", async () => {
    const blocker = net.createServer();
    await new Promise<void>((resolve) => blocker.listen(0, "127.0.0.1", resolve));
    const { port } = blocker.address() as net.AddressInfo;
    try {
      await expect(startLocalWorker({ port, stateDir: freshStateDir() })).rejects.toThrow(/already in use/i);
      expect(workerdChildren()).toEqual([]);
    } finally {
      await new Promise((resolve) => blocker.close(resolve));
    }
  });

  it("applies the registry migrations to the persisted D1 once, and accepts its dev token (scope admin)", async () => {
    const stateDir = freshStateDir();
    const devToken = "local-dev-token-123";
    const auth = { authorization: `Bearer ${devToken}` };
    const files: Record<string, Uint8Array | string> = {
      "config.json": '{"model_type":"bert"}',
      "onnx/model.onnx": new Uint8Array(readFileSync("compression/fixtures/int4-matmul/model.onnx")),
    };
    let worker = await startLocalWorker({ stateDir, devToken });
    try {
      const anon = await fetch(`${worker.url}/v1/models/local-m/versions/1/files/config.json`, {
        method: "PUT",
        body: "{}",
      });
      expect(anon.status).toBe(401);
      for (const [path, body] of Object.entries(files)) {
        const res = await fetch(`${worker.url}/v1/models/local-m/versions/1/files/${path}`, {
          method: "PUT",
          body,
          headers: auth,
        });
        expect(res.status).toBe(201);
      }
    } finally {
      await worker.stop();
    }
    // Restarted on the same state: the migrations are not applied twice, the staged files are still there.
    worker = await startLocalWorker({ stateDir, devToken });
    try {
      const published = await fetch(`${worker.url}/v1/models/local-m/versions/1/publish`, {
        method: "POST",
        headers: auth,
      });
      expect(published.status).toBe(201);
      const manifest = await fetch(`${worker.url}/v1/models/local-m/manifest`, { headers: auth });
      expect(((await manifest.json()) as { files: { path: string }[] }).files.map((f) => f.path)).toEqual([
        "config.json",
        "onnx/model.onnx",
      ]);
    } finally {
      await worker.stop();
    }
  });
});
