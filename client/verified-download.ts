// Downloads a model file the way a device needs it: verified against its published sha256 and size,
// resumed with an HTTP Range request when the connection drops part-way (If-Range on the ETag, so a
// file that changed underneath is fetched whole again), with progress. Web-standard fetch and
// WebCrypto only, so it runs in browsers, Workers and Node alike.

export class DownloadError extends Error {
  constructor(
    message: string,
    readonly code: "integrity" | "http" | "size" | "retries-exhausted",
  ) {
    super(message);
    this.name = "DownloadError";
  }
}

export interface VerifiedDownloadOptions {
  /** Lowercase hex SHA-256 the bytes must have. */
  sha256: string;
  /** Expected size in bytes. */
  size: number;
  fetch?: typeof fetch;
  signal?: AbortSignal;
  /** How many times a dropped connection is resumed before giving up (default 5). */
  maxResumes?: number;
  onProgress?: (received: number, total: number) => void;
}

export async function sha256Hex(bytes: Uint8Array): Promise<string> {
  const digest = await crypto.subtle.digest("SHA-256", bytes as Uint8Array<ArrayBuffer>);
  return Array.from(new Uint8Array(digest), (b) => b.toString(16).padStart(2, "0")).join("");
}

export async function downloadVerified(url: string, options: VerifiedDownloadOptions): Promise<Uint8Array> {
  const doFetch = options.fetch ?? fetch;
  const buffer = new Uint8Array(options.size);
  let received = 0;
  let etag: string | null = null;
  let resumes = 0;
  while (received < options.size) {
    const headers: Record<string, string> = {};
    if (received > 0) {
      headers.range = `bytes=${received}-`;
      if (etag) headers["if-range"] = etag;
    }
    const response = await doFetch(url, { headers, signal: options.signal });
    if (received > 0 && response.status === 200) {
      // the server ignored the range (or the file changed): start over
      received = 0;
    } else if (!response.ok) {
      throw new DownloadError(`GET ${url}: HTTP ${response.status}`, "http");
    } else if (received > 0 && !response.headers.get("content-range")?.startsWith(`bytes ${received}-`)) {
      throw new DownloadError(`GET ${url}: the server resumed at the wrong offset`, "http");
    }
    etag = response.headers.get("etag") ?? etag;
    const reader = response.body?.getReader();
    if (!reader) throw new DownloadError(`GET ${url}: no body`, "http");
    try {
      for (;;) {
        const { done, value } = await reader.read();
        if (done) break;
        if (received + value.byteLength > options.size) {
          throw new DownloadError(`GET ${url}: more than the expected ${options.size} bytes`, "size");
        }
        buffer.set(value, received);
        received += value.byteLength;
        options.onProgress?.(received, options.size);
      }
    } catch (error) {
      if (error instanceof DownloadError || options.signal?.aborted) throw error;
      // the connection dropped: resume from what arrived
    }
    if (received < options.size) {
      resumes++;
      if (resumes > (options.maxResumes ?? 5)) {
        throw new DownloadError(
          `GET ${url}: gave up after ${resumes - 1} resumed attempts`,
          "retries-exhausted",
        );
      }
    }
  }
  const actual = await sha256Hex(buffer);
  if (actual !== options.sha256.toLowerCase()) {
    throw new DownloadError(
      `GET ${url}: sha256 ${actual} does not match the published ${options.sha256}`,
      "integrity",
    );
  }
  return buffer;
}
