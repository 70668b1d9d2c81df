// `POST /v1/files` (raw JSONL body, `?filename=`) and `GET /v1/files/{id}[/content]`: training and
// validation files for fine-tuning jobs. The body streams into content-addressed R2 storage while
// each line is parsed on the way (no buffering of the whole file); the first line that is not a JSON
// object is a 400 naming it, and nothing is recorded.
import { Hono } from "hono";
import { requireScope } from "../auth/require.ts";
import { conform } from "../conform.ts";
import type { AppEnv } from "../env.ts";
import { Problem } from "../problem.ts";
import { blobKey, storeBlob } from "../storage/blobs.ts";
import { FileId, FileObject } from "./schemas.ts";
import { getFile, insertFile } from "./store.ts";

/** Files are training sets, not models: a smaller cap than model uploads. */
export const MAX_FILE_BYTES = 64 * 1024 * 1024;

interface BadLine {
  line: number;
  reason: string;
}

/** Passes bytes through, checking that every non-blank line is a JSON object; counts the lines. */
function jsonlChecker(state: { lines: number; bad: BadLine | null }) {
  const decoder = new TextDecoder("utf-8", { fatal: true, ignoreBOM: false });
  let pending = "";
  let lineNo = 0;
  const check = (line: string) => {
    lineNo += 1;
    if (line.trim() === "") return;
    let value: unknown;
    try {
      value = JSON.parse(line);
    } catch (err) {
      state.bad = { line: lineNo, reason: `not JSON (${(err as Error).message})` };
      throw new Error("bad JSONL line");
    }
    if (typeof value !== "object" || value === null || Array.isArray(value)) {
      state.bad = { line: lineNo, reason: "not a JSON object" };
      throw new Error("bad JSONL line");
    }
    state.lines += 1;
  };
  const decode = (chunk?: Uint8Array) => {
    try {
      return chunk ? decoder.decode(chunk, { stream: true }) : decoder.decode();
    } catch {
      state.bad = { line: lineNo + 1, reason: "not UTF-8" };
      throw new Error("bad JSONL line");
    }
  };
  return new TransformStream<Uint8Array, Uint8Array>({
    transform(chunk, controller) {
      pending += decode(chunk);
      let nl = pending.indexOf("\n");
      while (nl >= 0) {
        check(pending.slice(0, nl));
        pending = pending.slice(nl + 1);
        nl = pending.indexOf("\n");
      }
      controller.enqueue(chunk);
    },
    flush() {
      pending += decode();
      if (pending !== "") check(pending);
    },
  });
}

function fileNotFound(id: string): Problem {
  return new Problem({
    status: 404,
    slug: "file-not-found",
    title: "Not Found",
    detail: `No file ${JSON.stringify(id)}`,
  });
}

const FILENAME = /^[A-Za-z0-9._ ()+-]{1,255}$/;

export const files = new Hono<AppEnv>()
  .post("/v1/files", requireScope("write", "to upload files"), async (c) => {
    const purpose = c.req.query("purpose") ?? "fine-tune";
    if (purpose !== "fine-tune") {
      throw new Problem({
        status: 400,
        slug: "invalid-purpose",
        title: "Bad Request",
        detail: `purpose ${JSON.stringify(purpose)} is not supported; use fine-tune`,
      });
    }
    const filename = c.req.query("filename") ?? "upload.jsonl";
    if (!FILENAME.test(filename)) {
      throw new Problem({
        status: 400,
        slug: "invalid-filename",
        title: "Bad Request",
        detail: "filename must be 1–255 letters, digits, spaces or . _ ( ) + -",
      });
    }
    const limit = Math.min(MAX_FILE_BYTES, Number(c.env.EDGETUNE_MAX_UPLOAD_BYTES));
    const header = c.req.header("content-length");
    const declared = header !== undefined && /^\d+$/.test(header) ? Number(header) : null;
    const body = c.req.raw.body ?? new Response(new Uint8Array(0)).body;
    if (!body) throw new Error("no request body stream");
    const state = { lines: 0, bad: null as BadLine | null };
    let blob: { sha256: string; size: number };
    try {
      blob = await storeBlob(c.env.ARTIFACTS, body.pipeThrough(jsonlChecker(state)), declared, limit);
    } catch (err) {
      if (!state.bad) throw err;
      throw new Problem({
        status: 400,
        slug: "invalid-jsonl",
        title: "Bad Request",
        detail: `Line ${state.bad.line} is ${state.bad.reason}; every line of a fine-tuning file must be a JSON object`,
        extra: { line: state.bad.line },
      });
    }
    if (state.lines === 0) {
      throw new Problem({
        status: 400,
        slug: "invalid-jsonl",
        title: "Bad Request",
        detail: "The file holds no JSON lines",
      });
    }
    const file = await insertFile(c.env.REGISTRY, {
      sha256: blob.sha256,
      bytes: blob.size,
      lines: state.lines,
      filename,
    });
    return c.json(conform(FileObject, file), 201);
  })
  .get("/v1/files/:id", requireScope("read", "to read files"), async (c) => {
    const id = c.req.param("id");
    const file = FileId.safeParse(id).success ? await getFile(c.env.REGISTRY, id) : null;
    if (!file) throw fileNotFound(id);
    return c.json(conform(FileObject, file));
  })
  .get("/v1/files/:id/content", requireScope("read", "to read files"), async (c) => {
    const id = c.req.param("id");
    const file = FileId.safeParse(id).success ? await getFile(c.env.REGISTRY, id) : null;
    const object = file && (await c.env.ARTIFACTS.get(blobKey(file.sha256)));
    if (!file || !object) throw fileNotFound(id);
    return new Response(object.body, {
      headers: {
        "content-type": "application/jsonl",
        "content-length": String(object.size),
        etag: `"${file.sha256}"`,
      },
    });
  });
