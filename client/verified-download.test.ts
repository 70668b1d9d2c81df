import { createHash, randomBytes } from "node:crypto";
import { createServer, type IncomingMessage, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { afterEach, describe, expect, it } from "vitest";
import { DownloadError, downloadVerified, sha256Hex } from "./verified-download.ts";

const file = randomBytes(256 * 1024);
const digest = createHash("sha256").update(file).digest("hex");

interface Faults {
  /** For the n-th request (0-based), cut the connection after this many body bytes. */
  cutAfter?: (request: number) => number | undefined;
  ignoreRange?: boolean;
  body?: Buffer;
}

let server: Server | undefined;
afterEach(() => server?.close());

// A file server with a fault injector: the counterpart a resumable download is tested against.
async function serve(faults: Faults = {}) {
  const seen: (string | undefined)[] = [];
  server = createServer((req: IncomingMessage, res) => {
    const n = seen.length;
    seen.push(req.headers.range);
    const body = faults.body ?? file;
    const match = /^bytes=(\d+)-$/.exec(req.headers.range ?? "");
    const start = match && !faults.ignoreRange ? Number(match[1]) : 0;
    const headers: Record<string, string | number> = {
      etag: `"${digest}"`,
      "content-length": body.length - start,
    };
    if (start > 0) headers["content-range"] = `bytes ${start}-${body.length - 1}/${body.length}`;
    res.writeHead(start > 0 ? 206 : 200, headers);
    const cut = faults.cutAfter?.(n);
    if (cut === undefined) {
      res.end(body.subarray(start));
      return;
    }
    res.write(body.subarray(start, start + cut), () => res.destroy());
  });
  await new Promise<void>((ok) => server?.listen(0, "127.0.0.1", ok));
  const { port } = server.address() as AddressInfo;
  return { url: `http://127.0.0.1:${port}/model.onnx`, seen };
}

describe("verified, resumable download", () => {
  it("resumes where a dropped connection stopped and returns the exact bytes", async () => {
    const { url, seen } = await serve({ cutAfter: (n) => (n < 2 ? 64 * 1024 : undefined) });
    const progress: number[] = [];
    const bytes = await downloadVerified(url, {
      sha256: digest,
      size: file.length,
      onProgress: (r) => progress.push(r),
    });
    expect(Buffer.from(bytes).equals(file)).toBe(true);
    expect(seen).toEqual([undefined, "bytes=65536-", "bytes=131072-"]);
    expect(progress.at(-1)).toBe(file.length);
  });

  it("starts over when the server ignores the range", async () => {
    const { url, seen } = await serve({ cutAfter: (n) => (n === 0 ? 1000 : undefined), ignoreRange: true });
    const bytes = await downloadVerified(url, { sha256: digest, size: file.length });
    expect(await sha256Hex(bytes)).toBe(digest);
    expect(seen).toHaveLength(2);
  });

  it("refuses bytes whose sha256 differs from the published one", async () => {
    const tampered = Buffer.from(file);
    tampered[1234] = (tampered[1234] as number) ^ 0xff;
    const { url } = await serve({ body: tampered });
    const attempt = downloadVerified(url, { sha256: digest, size: file.length });
    await expect(attempt).rejects.toThrow(DownloadError);
    await expect(attempt).rejects.toThrow(/does not match the published/);
  });

  it("gives up after the allowed number of resumes", async () => {
    const { url, seen } = await serve({ cutAfter: () => 1024 });
    await expect(downloadVerified(url, { sha256: digest, size: file.length, maxResumes: 3 })).rejects.toThrow(
      /gave up after 3 resumed attempts/,
    );
    expect(seen).toHaveLength(4);
  });

  it("refuses a body longer than the published size", async () => {
    const { url } = await serve({ body: Buffer.concat([file, Buffer.from("extra")]) });
    await expect(downloadVerified(url, { sha256: digest, size: file.length })).rejects.toThrow(
      /more than the expected/,
    );
  });
});
