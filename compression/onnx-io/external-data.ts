// Tensors whose bytes live outside the .onnx file (data_location EXTERNAL: location, offset,
// length). The core never opens files: the caller supplies a reader (a file range in Node, an R2
// range or an already fetched buffer in a Worker), so this module runs anywhere. Every reference
// is validated before the reader sees it (safe location, sane offset/length, length matching the
// tensor's shape and type) and every answer is checked (a short read is out of range).
import { elementCount, rawByteLength } from "./data-types.ts";
import { OnnxIoError } from "./errors.ts";
import { normalizeLocation } from "./location.ts";
import type { ModelProto, StringStringEntryProto, TensorProto } from "./onnx-types.ts";
import { forEachTensor, mapTensors } from "./walk.ts";

/** Returns `length` bytes of file `location` (relative to the model) from `offset`. */
export type ExternalDataReader = (
  location: string,
  offset: number,
  length: number,
) => Uint8Array | Promise<Uint8Array>;
export type SyncExternalDataReader = (location: string, offset: number, length: number) => Uint8Array;

export interface ExternalRef {
  readonly tensor: string;
  /** Normalized, safe relative path. */
  readonly location: string;
  readonly offset: number;
  readonly length: number;
}

const EXTERNAL = 1; // TensorProto.DataLocation.EXTERNAL

export function isExternal(tensor: TensorProto): boolean {
  return tensor.dataLocation === EXTERNAL;
}

function invalid(tensor: string, why: string): never {
  throw new OnnxIoError("external-data-invalid", `external data of tensor ${JSON.stringify(tensor)}: ${why}`);
}

function parseCount(value: string | undefined, key: string, tensor: string): number | undefined {
  if (value === undefined) return undefined;
  const n = /^\d+$/.test(value) ? Number(value) : Number.NaN;
  if (!Number.isSafeInteger(n))
    invalid(tensor, `${key} ${JSON.stringify(value)} is not a non-negative integer`);
  return n;
}

/** The validated external reference of a tensor, or undefined if its data is inline. */
export function externalRef(tensor: TensorProto): ExternalRef | undefined {
  if (!isExternal(tensor)) return undefined;
  const name = tensor.name ?? "";
  const entries = new Map(tensor.externalData.map((e) => [e.key ?? "", e.value ?? ""]));
  const rawLocation = entries.get("location");
  if (rawLocation === undefined) invalid(name, "no location");
  const location = normalizeLocation(rawLocation, name);
  const offset = parseCount(entries.get("offset"), "offset", name) ?? 0;
  const declared = parseCount(entries.get("length"), "length", name);
  const expected = rawByteLength(tensor.dataType, elementCount(tensor.dims));
  if (expected === undefined) invalid(name, `element type ${tensor.dataType} cannot be stored externally`);
  if (declared !== undefined && declared !== expected) {
    invalid(name, `length ${declared} does not match its shape and type (${expected} bytes)`);
  }
  return { tensor: name, location, offset, length: expected };
}

/** All external references in the model, in file order. */
export function externalRefs(model: ModelProto): ExternalRef[] {
  const refs: ExternalRef[] = [];
  forEachTensor(model, (t) => {
    const ref = externalRef(t);
    if (ref) refs.push(ref);
  });
  return refs;
}

function checkRead(ref: ExternalRef, bytes: unknown): Uint8Array {
  if (!(bytes instanceof Uint8Array)) invalid(ref.tensor, "the reader returned no bytes");
  if (bytes.length !== ref.length) {
    throw new OnnxIoError(
      "external-data-out-of-range",
      `external data of tensor ${JSON.stringify(ref.tensor)} (${ref.location}, offset ${ref.offset}, ` +
        `length ${ref.length}) lies beyond the end of the file (got ${bytes.length} bytes)`,
    );
  }
  return bytes;
}

function readerFailed(ref: ExternalRef, error: unknown): never {
  if (error instanceof OnnxIoError) throw error;
  const detail = error instanceof Error ? error.message : String(error);
  throw new OnnxIoError(
    "external-data-missing",
    `cannot read external data ${JSON.stringify(ref.location)} of tensor ${JSON.stringify(ref.tensor)}: ${detail}`,
    { cause: error },
  );
}

function inline(tensor: TensorProto, bytes: Uint8Array): TensorProto {
  return { ...tensor, rawData: bytes, externalData: [], dataLocation: undefined };
}

function withData(model: ModelProto, data: Map<TensorProto, Uint8Array>): ModelProto {
  return mapTensors(model, (t) => {
    const bytes = data.get(t);
    return bytes ? inline(t, bytes) : t;
  });
}

/** A copy of `model` with every external tensor's bytes read through `read` and stored inline. */
export async function resolveExternalData(model: ModelProto, read: ExternalDataReader): Promise<ModelProto> {
  const pending: [TensorProto, ExternalRef][] = [];
  forEachTensor(model, (t) => {
    const ref = externalRef(t);
    if (ref) pending.push([t, ref]);
  });
  const data = new Map<TensorProto, Uint8Array>();
  for (const [tensor, ref] of pending) {
    let bytes: Uint8Array;
    try {
      bytes = await read(ref.location, ref.offset, ref.length);
    } catch (error) {
      readerFailed(ref, error);
    }
    data.set(tensor, checkRead(ref, bytes));
  }
  return withData(model, data);
}

/** Same as resolveExternalData, for a reader that answers at once (e.g. over fetched buffers). */
export function resolveExternalDataSync(model: ModelProto, read: SyncExternalDataReader): ModelProto {
  const data = new Map<TensorProto, Uint8Array>();
  forEachTensor(model, (t) => {
    const ref = externalRef(t);
    if (!ref) return;
    let bytes: Uint8Array;
    try {
      bytes = read(ref.location, ref.offset, ref.length);
    } catch (error) {
      readerFailed(ref, error);
    }
    data.set(t, checkRead(ref, bytes));
  });
  return withData(model, data);
}

/** A reader over files already in memory, keyed by location ("model.onnx.data"). */
export function externalDataFromFiles(
  files: Readonly<Record<string, Uint8Array>> | ReadonlyMap<string, Uint8Array>,
): SyncExternalDataReader {
  const get = (k: string) => (files instanceof Map ? files.get(k) : (files as Record<string, Uint8Array>)[k]);
  return (location, offset, length) => {
    const file = get(location);
    if (file === undefined) {
      throw new OnnxIoError(
        "external-data-missing",
        `external data file ${JSON.stringify(location)} was not supplied`,
      );
    }
    if (offset + length > file.length) {
      throw new OnnxIoError(
        "external-data-out-of-range",
        `external data range ${offset}+${length} is beyond the end of ${JSON.stringify(location)} (${file.length} bytes)`,
      );
    }
    return file.subarray(offset, offset + length);
  };
}

export interface ExternalizeOptions {
  /** File name of the data, relative to the model; default "model.onnx.data". */
  location?: string;
  /** Initializers whose raw data is smaller stay inline (onnx's default: 1024 bytes). */
  sizeThreshold?: number;
}

export interface Externalized {
  model: ModelProto;
  location: string;
  /** The data file's contents, in order (views of the tensors' bytes, not copies). */
  chunks: Uint8Array[];
  dataLength: number;
}

/**
 * Moves the raw data of initializers (all graphs) of at least sizeThreshold bytes into one data
 * file, packed back to back. The model must hold all of its data: an unresolved reference to some
 * other data file would be left dangling.
 */
export function externalizeModel(model: ModelProto, options: ExternalizeOptions = {}): Externalized {
  const location = normalizeLocation(options.location ?? "model.onnx.data", "(data file)");
  const threshold = options.sizeThreshold ?? 1024;
  assertNoExternalData(model);
  const chunks: Uint8Array[] = [];
  let offset = 0;
  const out = mapTensors(model, (t, site) => {
    const raw = t.rawData;
    if (site.kind !== "initializer" || raw === undefined || raw.length < threshold) return t;
    const entries: StringStringEntryProto[] = [
      { key: "location", value: location },
      { key: "offset", value: String(offset) },
      { key: "length", value: String(raw.length) },
    ];
    chunks.push(raw);
    offset += raw.length;
    return { ...t, rawData: undefined, externalData: entries, dataLocation: EXTERNAL };
  });
  return { model: out, location, chunks, dataLength: offset };
}

/** Throws OnnxIoError("unresolved-external-data") if any tensor still points at external data. */
export function assertNoExternalData(model: ModelProto): void {
  const refs: string[] = [];
  forEachTensor(model, (t) => {
    if (isExternal(t)) refs.push(t.name ?? "?");
  });
  if (refs.length > 0) {
    throw new OnnxIoError(
      "unresolved-external-data",
      `${refs.length} tensor(s) still reference external data (first: ${JSON.stringify(refs[0])}); ` +
        "load them first (readModelFile, or decodeModel/resolveExternalData with a reader)",
    );
  }
}
