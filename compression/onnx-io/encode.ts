// Plain objects → protobuf wire bytes, in two passes: first every message's exact size, then one
// write into a buffer allocated once. Knowing the size up front lets callers refuse an inline
// model over protobuf's 2 GiB limit before anything big is allocated, and avoids the repeated
// growing and shifting a streaming writer does for hundreds of megabytes of tensor data. Fields go
// out in field-number order, then unknown fields, as the protobuf reference serializers write
// them, so a decoded file usually re-encodes to the very same bytes.
import Long from "long";
import { OnnxIoError } from "./errors.ts";
import type { FieldPlan, MessagePlan } from "./plan.ts";

type Obj = Record<string, unknown>;

const encoder = new TextEncoder();

function utf8Length(s: string): number {
  let n = 0;
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i);
    if (c < 0x80) n += 1;
    else if (c < 0x800) n += 2;
    else if (c >= 0xd800 && c <= 0xdbff && i + 1 < s.length) {
      const next = s.charCodeAt(i + 1);
      if (next >= 0xdc00 && next <= 0xdfff) {
        n += 4;
        i++;
      } else n += 3; // lone surrogate: TextEncoder writes U+FFFD
    } else n += 3;
  }
  return n;
}

function varint32Size(v: number): number {
  return v < 0x80 ? 1 : v < 0x4000 ? 2 : v < 0x200000 ? 3 : v < 0x10000000 ? 4 : 5;
}

function varint64Size(lo: number, hi: number): number {
  if (hi === 0) return varint32Size(lo >>> 0);
  return Math.ceil((64 - Math.clz32(hi)) / 7); // significant bits, 7 per varint byte
}

function toLong(value: unknown, unsigned: boolean, where: string): Long {
  if (Long.isLong(value)) return value as Long;
  if (typeof value === "number" && Number.isSafeInteger(value)) return Long.fromNumber(value, unsigned);
  if (typeof value === "string" && /^-?\d+$/.test(value)) return Long.fromString(value, unsigned);
  throw new OnnxIoError("invalid-model", `${where}: expected a 64-bit integer (Long), got ${String(value)}`);
}

function checkNumber(value: unknown, where: string): number {
  if (typeof value !== "number") {
    throw new OnnxIoError("invalid-model", `${where}: expected a number, got ${typeof value}`);
  }
  return value;
}

function int32Size(value: unknown, where: string): number {
  const v = checkNumber(value, where);
  if (!Number.isInteger(v) || v < -0x80000000 || v > 0x7fffffff) {
    throw new OnnxIoError("invalid-model", `${where}: ${v} is not a 32-bit integer`);
  }
  return v < 0 ? 10 : varint32Size(v);
}

class Sizer {
  readonly sizes = new Map<object, number>();

  scalar(field: FieldPlan, value: unknown, where: string): number {
    switch (field.kind) {
      case "int32":
      case "enum":
        return int32Size(value, where);
      case "int64":
      case "uint64": {
        const l = toLong(value, field.kind === "uint64", where);
        return varint64Size(l.low >>> 0, l.high >>> 0);
      }
      case "float":
        checkNumber(value, where);
        return 4;
      case "double":
        checkNumber(value, where);
        return 8;
      case "string": {
        if (typeof value !== "string") throw new OnnxIoError("invalid-model", `${where}: expected a string`);
        const n = utf8Length(value);
        return varint32Size(n) + n;
      }
      case "bytes": {
        if (!(value instanceof Uint8Array)) {
          throw new OnnxIoError("invalid-model", `${where}: expected a Uint8Array`);
        }
        return varint64Size(value.length, Math.floor(value.length / 2 ** 32)) + value.length;
      }
      default:
        throw new Error(`unexpected kind ${field.kind}`);
    }
  }

  message(plan: MessagePlan, obj: Obj, where: string): number {
    if (typeof obj !== "object" || obj === null) {
      throw new OnnxIoError("invalid-model", `${where}: expected a ${plan.name} object`);
    }
    let total = 0;
    for (const field of plan.fields) {
      const value = obj[field.name];
      if (value === undefined || value === null) continue;
      const at = `${where}.${field.protoName}`;
      const tagSize = varint32Size(field.id << 3);
      if (!field.repeated) {
        total += tagSize + this.element(field, value, at);
        continue;
      }
      if (!Array.isArray(value)) throw new OnnxIoError("invalid-model", `${at}: expected an array`);
      if (value.length === 0) continue;
      if (field.packed) {
        let body = 0;
        for (const v of value) body += this.scalar(field, v, at);
        this.sizes.set(value, body);
        total += tagSize + varint32Size(body) + body;
      } else {
        for (let i = 0; i < value.length; i++)
          total += tagSize + this.element(field, value[i], `${at}[${i}]`);
      }
    }
    for (const raw of (obj.$unknown as Uint8Array[] | undefined) ?? []) total += raw.length;
    this.sizes.set(obj, total);
    return total;
  }

  private element(field: FieldPlan, value: unknown, where: string): number {
    if (field.kind !== "message") return this.scalar(field, value, where);
    const body = this.message(field.message as MessagePlan, value as Obj, where);
    return varint64Size(body, Math.floor(body / 2 ** 32)) + body;
  }
}

class Out {
  pos = 0;
  readonly buf: Uint8Array;
  readonly view: DataView;

  constructor(size: number) {
    this.buf = new Uint8Array(size);
    this.view = new DataView(this.buf.buffer);
  }

  varint32(v: number): void {
    let value = v >>> 0;
    while (value > 127) {
      this.buf[this.pos++] = (value & 127) | 128;
      value >>>= 7;
    }
    this.buf[this.pos++] = value;
  }

  varint64(lo: number, hi: number): void {
    let low = lo >>> 0;
    let high = hi >>> 0;
    while (high > 0 || low > 127) {
      this.buf[this.pos++] = (low & 127) | 128;
      low = ((low >>> 7) | (high << 25)) >>> 0;
      high >>>= 7;
    }
    this.buf[this.pos++] = low;
  }

  length(n: number): void {
    this.varint64(n >>> 0, Math.floor(n / 2 ** 32));
  }

  scalar(field: FieldPlan, value: unknown): void {
    switch (field.kind) {
      case "int32":
      case "enum": {
        const v = value as number;
        if (v < 0) this.varint64(v >>> 0, 0xffffffff);
        else this.varint32(v);
        return;
      }
      case "int64":
      case "uint64": {
        const l = toLong(value, field.kind === "uint64", field.name);
        this.varint64(l.low, l.high);
        return;
      }
      case "float":
        this.view.setFloat32(this.pos, value as number, true);
        this.pos += 4;
        return;
      case "double":
        this.view.setFloat64(this.pos, value as number, true);
        this.pos += 8;
        return;
      case "string": {
        const s = value as string;
        const n = utf8Length(s);
        this.varint32(n);
        const { written } = encoder.encodeInto(s, this.buf.subarray(this.pos, this.pos + n));
        if (written !== n) throw new Error(`utf-8 length mismatch for ${field.name}`);
        this.pos += n;
        return;
      }
      case "bytes": {
        const b = value as Uint8Array;
        this.length(b.length);
        this.buf.set(b, this.pos);
        this.pos += b.length;
        return;
      }
      default:
        throw new Error(`unexpected kind ${field.kind}`);
    }
  }
}

function writeMessage(out: Out, plan: MessagePlan, obj: Obj, sizes: Map<object, number>): void {
  for (const field of plan.fields) {
    const value = obj[field.name];
    if (value === undefined || value === null) continue;
    const values = field.repeated ? (value as unknown[]) : [value];
    if (values.length === 0) continue;
    if (field.packed) {
      out.varint32((field.id << 3) | 2);
      out.length(sizes.get(values) as number);
      for (const v of values) out.scalar(field, v);
      continue;
    }
    for (const v of values) {
      out.varint32((field.id << 3) | field.wireType);
      if (field.kind === "message") {
        out.length(sizes.get(v as Obj) as number);
        writeMessage(out, field.message as MessagePlan, v as Obj, sizes);
      } else out.scalar(field, v);
    }
  }
  for (const raw of (obj.$unknown as Uint8Array[] | undefined) ?? []) {
    out.buf.set(raw, out.pos);
    out.pos += raw.length;
  }
}

/** Exact encoded size of `obj`, validating field types on the way. */
export function encodedSize(plan: MessagePlan, obj: object): number {
  return new Sizer().message(plan, obj as Obj, plan.name);
}

/**
 * Encodes `obj`; `limit` is checked against the exact size before the output buffer exists.
 * `onTooLarge` builds the error for a message over the limit.
 */
export function encodeMessage(
  plan: MessagePlan,
  obj: object,
  limit = Number.MAX_SAFE_INTEGER,
  onTooLarge: (size: number) => Error = (size) =>
    new OnnxIoError("too-large", `${plan.name} is ${size} bytes, over the ${limit}-byte limit`),
): Uint8Array {
  const sizer = new Sizer();
  const size = sizer.message(plan, obj as Obj, plan.name);
  if (size > limit) throw onTooLarge(size);
  const out = new Out(size);
  writeMessage(out, plan, obj as Obj, sizer.sizes);
  if (out.pos !== size) throw new Error(`encoder wrote ${out.pos} bytes, sized ${size}`);
  return out.buf;
}
