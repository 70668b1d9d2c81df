// Per-message field tables built once from the reflected schema: the codec walks these instead
// of running protobufjs's generated functions (new Function is not allowed in Workers). Only the
// scalar kinds ONNX uses are supported; a schema update that brings another kind fails here, at
// module load, rather than silently mis-encoding.
import protobuf from "protobufjs/light.js";
import { messageType } from "./schema.ts";

export type ScalarKind = "int32" | "int64" | "uint64" | "float" | "double" | "string" | "bytes" | "enum";

export interface FieldPlan {
  readonly name: string;
  readonly protoName: string;
  readonly id: number;
  readonly kind: ScalarKind | "message";
  readonly repeated: boolean;
  readonly packed: boolean;
  /** Wire type of one element: 0 varint, 1 fixed64, 2 length-delimited, 5 fixed32. */
  readonly wireType: 0 | 1 | 2 | 5;
  /** Set for kind "message". */
  message?: MessagePlan;
}

export interface MessagePlan {
  readonly name: string;
  /** Sorted by field number: the order protobuf's reference serializers write. */
  readonly fields: FieldPlan[];
  readonly byId: Map<number, FieldPlan>;
  readonly repeatedNames: string[];
}

const wireTypes: Record<ScalarKind, 0 | 1 | 2 | 5> = {
  int32: 0,
  int64: 0,
  uint64: 0,
  enum: 0,
  float: 5,
  double: 1,
  string: 2,
  bytes: 2,
};

const plans = new Map<protobuf.Type, MessagePlan>();

function planFor(type: protobuf.Type): MessagePlan {
  const cached = plans.get(type);
  if (cached) return cached;
  const plan: MessagePlan = { name: type.fullName.slice(1), fields: [], byId: new Map(), repeatedNames: [] };
  plans.set(type, plan); // before the fields: message types refer to each other
  for (const field of [...type.fieldsArray].sort((a, b) => a.id - b.id)) {
    field.resolve();
    if (field.map) throw new Error(`${plan.name}.${field.name}: map fields are not supported`);
    let kind: FieldPlan["kind"];
    if (field.resolvedType instanceof protobuf.Type) kind = "message";
    else if (field.resolvedType instanceof protobuf.Enum) kind = "enum";
    else if (field.type in wireTypes) kind = field.type as ScalarKind;
    else throw new Error(`${plan.name}.${field.name}: field type ${field.type} is not supported`);
    const fieldPlan: FieldPlan = {
      name: field.name,
      protoName: field.protoName ?? field.name,
      id: field.id,
      kind,
      repeated: field.repeated,
      packed: field.repeated && kind !== "message" && field.packed,
      wireType: kind === "message" ? 2 : wireTypes[kind],
    };
    plan.fields.push(fieldPlan);
    plan.byId.set(field.id, fieldPlan);
    if (field.repeated) plan.repeatedNames.push(field.name);
    if (field.resolvedType instanceof protobuf.Type) fieldPlan.message = planFor(field.resolvedType);
  }
  return plan;
}

/** The field table of a message in package onnx, e.g. "ModelProto". */
export function messagePlan(name: string): MessagePlan {
  return planFor(messageType(name));
}
