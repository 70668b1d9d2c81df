// Protobuf wire bytes → plain objects, driven by the field tables in plan.ts and protobufjs's
// Reader (varints, 64-bit values as Long, bounds checks). Strict where a corrupt file would
// otherwise decode into nonsense: a known field with an impossible wire type, a length running
// past its message, or nesting deeper than protobuf's own limit is an error. Unknown fields are
// kept as raw records so re-encoding preserves them. Bytes fields are views into the input
// (no copy of tensor data). A whole model then has its declared sizes checked (declared-sizes.ts),
// so dims that contradict the data, or cannot exist, fail here with the tensor named.
import protobuf from "protobufjs/light.js";
import { checkDeclaredSizes } from "./declared-sizes.ts";
import { OnnxIoError } from "./errors.ts";
import type { ModelProto } from "./onnx-types.ts";
import type { FieldPlan, MessagePlan } from "./plan.ts";

/** protobuf's default recursion limit (C++ and Python runtimes). */
export const MAX_DEPTH = 100;

type Obj = Record<string, unknown>;

function readScalar(r: protobuf.Reader, field: FieldPlan): unknown {
  switch (field.kind) {
    case "int32":
    case "enum":
      return r.int32();
    case "int64":
      return r.int64();
    case "uint64":
      return r.uint64();
    case "float":
      return r.float();
    case "double":
      return r.double();
    case "string":
      return r.string();
    case "bytes":
      return r.bytes();
    default:
      throw new Error(`unexpected scalar kind ${field.kind}`);
  }
}

function fail(plan: MessagePlan, detail: string): never {
  throw new OnnxIoError("malformed-protobuf", `not a valid ONNX protobuf: ${plan.name}: ${detail}`);
}

function newMessage(plan: MessagePlan): Obj {
  const obj: Obj = {};
  for (const name of plan.repeatedNames) obj[name] = [];
  return obj;
}

/** Decodes one message that occupies r.pos .. r.len, merging into `target` (protobuf merge semantics). */
function readMessage(r: protobuf.Reader, plan: MessagePlan, target: Obj, depth: number): Obj {
  if (depth > MAX_DEPTH) fail(plan, `nesting deeper than ${MAX_DEPTH}`);
  while (r.pos < r.len) {
    const start = r.pos;
    const tag = r.tag();
    const id = tag >>> 3;
    const wireType = tag & 7;
    if (id === 0) fail(plan, `field number 0 at offset ${start}`);
    const field = plan.byId.get(id);
    if (field === undefined) {
      if (wireType === 4) fail(plan, `unexpected end-group tag at offset ${start}`);
      r.skipType(wireType, depth, id);
      const unknown = (target.$unknown as Uint8Array[] | undefined) ?? [];
      unknown.push(r.buf.subarray(start, r.pos));
      target.$unknown = unknown;
      continue;
    }
    if (field.kind === "message") {
      if (wireType !== 2) fail(plan, `field ${field.protoName} has wire type ${wireType}, expected 2`);
      const length = r.size();
      const end = r.pos + length;
      if (end > r.len) fail(plan, `field ${field.protoName} runs past the end (truncated?)`);
      const outer = r.len;
      r.len = end;
      const sub = field.message as MessagePlan;
      if (field.repeated) {
        (target[field.name] as Obj[]).push(readMessage(r, sub, newMessage(sub), depth + 1));
      } else {
        const existing = target[field.name] as Obj | undefined;
        target[field.name] = readMessage(r, sub, existing ?? newMessage(sub), depth + 1);
      }
      r.len = outer;
      continue;
    }
    if (field.repeated && wireType === 2 && field.wireType !== 2) {
      // Packed run of scalars; accepted for packed and unpacked fields alike, as protobuf requires.
      const length = r.size();
      const end = r.pos + length;
      if (end > r.len) fail(plan, `field ${field.protoName} runs past the end (truncated?)`);
      const outer = r.len;
      r.len = end;
      const values = target[field.name] as unknown[];
      while (r.pos < end) values.push(readScalar(r, field));
      r.len = outer;
      continue;
    }
    if (wireType !== field.wireType) {
      fail(plan, `field ${field.protoName} has wire type ${wireType}, expected ${field.wireType}`);
    }
    const value = readScalar(r, field);
    if (field.repeated) (target[field.name] as unknown[]).push(value);
    else target[field.name] = value;
  }
  if (r.pos !== r.len) fail(plan, "last field runs past the end of its message (truncated?)");
  return target;
}

/** Decodes `bytes` as the message described by `plan`; throws OnnxIoError("malformed-protobuf"). */
export function decodeMessage(plan: MessagePlan, bytes: Uint8Array): Obj {
  const view = new Uint8Array(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const reader = new protobuf.Reader(view);
  let decoded: Obj;
  try {
    decoded = readMessage(reader, plan, newMessage(plan), 0);
  } catch (error) {
    if (error instanceof OnnxIoError) throw error;
    const detail = error instanceof Error ? error.message : String(error);
    throw new OnnxIoError(
      "malformed-protobuf",
      `not a valid ONNX protobuf: ${plan.name}: ${detail} (at byte ${reader.pos} of ${view.length}; truncated or not an ONNX file?)`,
      { cause: error },
    );
  }
  if (plan.name === "onnx.ModelProto") checkDeclaredSizes(decoded as unknown as ModelProto);
  return decoded;
}
