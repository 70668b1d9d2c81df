// Node only: ONNX models on disk. Reading follows external data references, but only to files
// inside the model's own folder (also after symlinks), since the references come from the model.
// Writing is atomic: every file goes to a temporary name in its target folder and is renamed into
// place only once complete and synced, data file first, model last, so no reader ever opens a
// half-written model, and a failure leaves nothing new behind.
import { randomBytes } from "node:crypto";
import { type FileHandle, mkdir, open, readFile, realpath, rename, unlink } from "node:fs/promises";
import { basename, dirname, isAbsolute, join, relative, resolve, sep } from "node:path";
import { decodeModel, encodeModel } from "./codec.ts";
import { OnnxIoError } from "./errors.ts";
import { assertNoExternalData, externalizeModel, resolveExternalData } from "./external-data.ts";
import { normalizeLocation } from "./location.ts";
import type { ModelProto } from "./onnx-types.ts";

/** Reads model.onnx and, when it has external data, the data files beside it. */
export async function readModelFile(path: string): Promise<ModelProto> {
  const bytes = await readFile(path);
  const model = decodeModel(bytes);
  const folder = await realpath(dirname(resolve(path)));
  const handles = new Map<string, Promise<{ handle: FileHandle; size: number }>>();
  const openData = async (location: string) => {
    const target = join(folder, ...location.split("/"));
    let real: string;
    try {
      real = await realpath(target);
    } catch (error) {
      throw new OnnxIoError(
        "external-data-missing",
        `external data file ${JSON.stringify(location)} not found next to ${path}`,
        { cause: error },
      );
    }
    const rel = relative(folder, real);
    if (rel === "" || rel === ".." || rel.startsWith(`..${sep}`) || isAbsolute(rel)) {
      throw new OnnxIoError(
        "unsafe-location",
        `external data location ${JSON.stringify(location)} resolves outside the model's folder (symlink?)`,
      );
    }
    const handle = await open(real, "r");
    return { handle, size: (await handle.stat()).size };
  };
  try {
    return await resolveExternalData(model, async (location, offset, length) => {
      let entry = handles.get(location);
      if (!entry) {
        entry = openData(location);
        handles.set(location, entry);
      }
      const { handle, size } = await entry;
      if (offset + length > size) {
        throw new OnnxIoError(
          "external-data-out-of-range",
          `external data range ${offset}+${length} is beyond the end of ${JSON.stringify(location)} (${size} bytes)`,
        );
      }
      const buffer = new Uint8Array(length);
      let done = 0;
      while (done < length) {
        const { bytesRead } = await handle.read(buffer, done, length - done, offset + done);
        if (bytesRead === 0) break;
        done += bytesRead;
      }
      return buffer.subarray(0, done);
    });
  } finally {
    for (const entry of handles.values()) {
      await entry.then(({ handle }) => handle.close()).catch(() => undefined);
    }
  }
}

export interface WriteModelOptions {
  /**
   * false (default): one self-contained .onnx (at most 2 GiB). true or options: initializers of at
   * least sizeThreshold bytes (default 1024) go to `location` (default "<model file name>.data").
   */
  externalData?: boolean | { location?: string; sizeThreshold?: number };
}

export interface WrittenModel {
  path: string;
  bytes: number;
  dataPath?: string;
  dataBytes?: number;
}

function tempName(target: string): string {
  return join(dirname(target), `.${basename(target)}.${process.pid}.${randomBytes(6).toString("hex")}.tmp`);
}

async function writeTemp(target: string, chunks: Uint8Array[]): Promise<string> {
  const temp = tempName(target);
  const handle = await open(temp, "wx");
  try {
    for (const chunk of chunks) {
      let done = 0;
      while (done < chunk.length) done += (await handle.write(chunk, done, chunk.length - done)).bytesWritten;
    }
    await handle.sync();
  } finally {
    await handle.close();
  }
  return temp;
}

/**
 * Writes `model` to `path`, inline or with external data, atomically. The model must hold all of
 * its tensor data (read it with readModelFile, or resolve its external data first).
 */
export async function writeModelFile(
  model: ModelProto,
  path: string,
  options: WriteModelOptions = {},
): Promise<WrittenModel> {
  const target = resolve(path);
  const folder = dirname(target);
  assertNoExternalData(model);
  // Everything that can fail on the model is done before the first byte goes to disk.
  let modelBytes: Uint8Array;
  let data: { path: string; chunks: Uint8Array[]; length: number } | undefined;
  if (options.externalData) {
    const opts = options.externalData === true ? {} : options.externalData;
    const location = normalizeLocation(opts.location ?? `${basename(target)}.data`, "(data file)");
    const dataPath = join(folder, ...location.split("/"));
    if (dataPath === target) {
      throw new OnnxIoError("unsafe-location", `external data location ${location} is the model file itself`);
    }
    const split = externalizeModel(model, { location, sizeThreshold: opts.sizeThreshold ?? 1024 });
    modelBytes = encodeModel(split.model);
    data = { path: dataPath, chunks: split.chunks, length: split.dataLength };
  } else {
    modelBytes = encodeModel(model);
  }
  const temps: string[] = [];
  try {
    if (data) {
      await mkdir(dirname(data.path), { recursive: true });
      temps.push(await writeTemp(data.path, data.chunks));
    }
    temps.push(await writeTemp(target, [modelBytes]));
    if (data) await rename(temps[0] as string, data.path);
    await rename(temps[temps.length - 1] as string, target);
  } catch (error) {
    await Promise.all(temps.map((t) => unlink(t).catch(() => undefined)));
    throw error;
  }
  return data
    ? { path: target, bytes: modelBytes.length, dataPath: data.path, dataBytes: data.length }
    : { path: target, bytes: modelBytes.length };
}
