// ModelProto ⇄ bytes: the entry points over the generic codec, with the checks that make a
// model a model (a graph must be there) and protobuf's 2 GiB ceiling for a single message.
import { decodeMessage } from "./decode.ts";
import { encodedSize, encodeMessage } from "./encode.ts";
import { OnnxIoError } from "./errors.ts";
import {
  externalDataFromFiles,
  resolveExternalDataSync,
  type SyncExternalDataReader,
} from "./external-data.ts";
import type { ModelProto } from "./onnx-types.ts";
import { messagePlan } from "./plan.ts";

/** protobuf cannot represent a message of 2 GiB or more (sizes are signed 32-bit). */
export const PROTOBUF_LIMIT = 2 ** 31 - 1;

const modelPlan = messagePlan("ModelProto");

export interface DecodeOptions {
  /**
   * Where external data comes from: a reader, or the data files' bytes keyed by location
   * ({ "model.onnx.data": bytes }). Without it, external tensors stay references (see
   * resolveExternalData for readers that answer asynchronously, e.g. R2 range reads).
   */
  externalData?:
    | SyncExternalDataReader
    | Readonly<Record<string, Uint8Array>>
    | ReadonlyMap<string, Uint8Array>;
}

/** Decodes an ONNX file's bytes; throws OnnxIoError on malformed bytes or a missing graph. */
export function decodeModel(bytes: Uint8Array, options: DecodeOptions = {}): ModelProto {
  const model = decodeModelProto(bytes);
  const source = options.externalData;
  if (source === undefined) return model;
  return resolveExternalDataSync(
    model,
    typeof source === "function" ? source : externalDataFromFiles(source),
  );
}

function decodeModelProto(bytes: Uint8Array): ModelProto {
  if (!(bytes instanceof Uint8Array)) {
    throw new OnnxIoError("malformed-protobuf", "not a valid ONNX protobuf: expected bytes (Uint8Array)");
  }
  const model = decodeMessage(modelPlan, bytes) as unknown as ModelProto;
  if (model.graph === undefined) {
    throw new OnnxIoError(
      "missing-graph",
      `not an ONNX model: no graph in ${bytes.length} bytes (ModelProto field 7 is missing)`,
    );
  }
  return model;
}

/** Encodes a model to one protobuf; refuses 2 GiB and over, before allocating the output. */
export function encodeModel(model: ModelProto): Uint8Array {
  return encodeMessage(
    modelPlan,
    model,
    PROTOBUF_LIMIT,
    (size) =>
      new OnnxIoError(
        "too-large",
        `model encodes to ${size} bytes, over protobuf's 2 GiB limit: save it with external data ` +
          "(writeModelFile(model, path, { externalData: true }) or encodeModelWithExternalData)",
      ),
  );
}

/** The exact number of bytes encodeModel would produce, without producing them. */
export function encodedModelSize(model: ModelProto): number {
  return encodedSize(modelPlan, model);
}
