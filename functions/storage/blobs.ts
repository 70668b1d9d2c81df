// Artifacts are content-addressed: a file's bytes live once in R2 at blobs/sha256/<hex>, whatever
// model, version or path names them. An upload streams into a temporary key while its SHA-256 and
// size are computed on the way (crypto.DigestStream, no buffering of the whole file) and the size
// limit is enforced; only then is the hash known, so the bytes move to their blob key, where R2
// checks them against that hash once more. The temporary key is deleted on every path out.

import { bytesToHex } from "../auth/tokens.ts";
import { Problem } from "../problem.ts";

export const BLOB_PREFIX = "blobs/sha256/";
export const UPLOAD_PREFIX = "uploads/";

/** R2 key of the blob with this SHA-256. */
export function blobKey(sha256: string): string {
  return `${BLOB_PREFIX}${sha256}`;
}

export interface StoredBlob {
  sha256: string;
  size: number;
}

/**
 * Parts of a multipart upload (bodies of unknown length). R2 wants every part but the last to have
 * the same size, at least 5 MiB.
 */
export const PART_SIZE = 8 * 1024 * 1024;

export function tooLarge(limit: number, detail: string): Problem {
  return new Problem({
    status: 413,
    slug: "upload-too-large",
    title: "Content Too Large",
    detail,
    extra: { limit },
  });
}

/** Passes bytes through while hashing and counting them; marks `state.overflow` past `limit`. */
function hashingCounter(digest: DigestStream, limit: number, state: { size: number; overflow: boolean }) {
  const writer = digest.getWriter();
  return new TransformStream<Uint8Array, Uint8Array>({
    async transform(chunk, controller) {
      state.size += chunk.byteLength;
      if (state.size > limit) {
        state.overflow = true;
        throw new Error("upload exceeds the size limit");
      }
      await writer.write(chunk);
      controller.enqueue(chunk);
    },
    async flush() {
      await writer.close();
    },
  });
}

/**
 * Regroups small chunks (a request body arrives in pieces of ~64 KiB) into ~1 MiB ones before they
 * reach R2: every chunk is a write to the bucket, and locally (Miniflare) each write has a cost.
 */
export function coalesce(target = 1024 * 1024): TransformStream<Uint8Array, Uint8Array> {
  let pending: Uint8Array[] = [];
  let size = 0;
  const flush = (controller: TransformStreamDefaultController<Uint8Array>) => {
    if (size === 0) return;
    const out = new Uint8Array(size);
    let offset = 0;
    for (const part of pending) {
      out.set(part, offset);
      offset += part.byteLength;
    }
    pending = [];
    size = 0;
    controller.enqueue(out);
  };
  return new TransformStream({
    transform(chunk, controller) {
      pending.push(chunk);
      size += chunk.byteLength;
      if (size >= target) flush(controller);
    },
    flush,
  });
}

async function putUnknownLength(
  bucket: R2Bucket,
  key: string,
  stream: ReadableStream<Uint8Array>,
): Promise<void> {
  const upload = await bucket.createMultipartUpload(key);
  try {
    const parts: R2UploadedPart[] = [];
    const reader = stream.getReader();
    let buffer = new Uint8Array(PART_SIZE);
    let filled = 0;
    const flushPart = async () => {
      parts.push(await upload.uploadPart(parts.length + 1, buffer.subarray(0, filled)));
      buffer = new Uint8Array(PART_SIZE);
      filled = 0;
    };
    for (;;) {
      const { done, value } = await reader.read();
      if (done) break;
      let offset = 0;
      while (offset < value.byteLength) {
        const n = Math.min(PART_SIZE - filled, value.byteLength - offset);
        buffer.set(value.subarray(offset, offset + n), filled);
        filled += n;
        offset += n;
        if (filled === PART_SIZE) await flushPart();
      }
    }
    if (filled > 0 || parts.length === 0) await flushPart();
    await upload.complete(parts);
  } catch (err) {
    await upload.abort().catch(() => {});
    throw err;
  }
}

/**
 * Streams `body` into R2 and returns its SHA-256 and size; the bytes end up at blobKey(sha256).
 * `declaredLength` (Content-Length) lets R2 take the stream in one put; without it the body goes
 * up in parts. Over `limit` → 413, before reading when the declared length already says so.
 */
export async function storeBlob(
  bucket: R2Bucket,
  body: ReadableStream<Uint8Array>,
  declaredLength: number | null,
  limit: number,
): Promise<StoredBlob> {
  if (declaredLength !== null && declaredLength > limit) {
    throw tooLarge(limit, `The file is ${declaredLength} bytes; the limit is ${limit} bytes`);
  }
  const digest = new crypto.DigestStream("SHA-256");
  const state = { size: 0, overflow: false };
  const hashed = body.pipeThrough(hashingCounter(digest, limit, state));
  const tempKey = `${UPLOAD_PREFIX}${crypto.randomUUID()}`;
  try {
    try {
      if (declaredLength !== null) {
        await bucket.put(
          tempKey,
          hashed.pipeThrough(coalesce()).pipeThrough(new FixedLengthStream(declaredLength)),
        );
      } else {
        await putUnknownLength(bucket, tempKey, hashed);
      }
    } catch (err) {
      if (state.overflow) throw tooLarge(limit, `The file is larger than the limit of ${limit} bytes`);
      throw err;
    }
    const sha256 = bytesToHex(await digest.digest);
    const key = blobKey(sha256);
    const existing = await bucket.head(key);
    if (existing?.size !== state.size) {
      const temp = await bucket.get(tempKey);
      if (!temp) throw new Error(`uploaded object ${tempKey} vanished`);
      await bucket.put(key, temp.body, { sha256 });
    }
    return { sha256, size: state.size };
  } finally {
    await bucket.delete(tempKey);
  }
}
