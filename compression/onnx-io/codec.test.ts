// The codec against an independent implementation (protobufjs's generated codec, same schema),
// on the fixtures and on a synthetic model that uses the fields the fixtures do not: negative and
// beyond-2^53 64-bit values, doubles, uint64, strings outside ASCII, packed data written unpacked,
// unknown fields. Then the failures: truncated and garbage bytes, no graph, absurd nesting, and
// a model over protobuf's 2 GiB limit.
import { readFileSync } from "node:fs";
import Long from "long";
import protobuf from "protobufjs";
import { describe, expect, it } from "vitest";
import { decodeModel, encodedModelSize, encodeModel, type ModelProto, OnnxIoError } from "../index.ts";
import schemaJson from "./onnx-schema.json" with { type: "json" };
import { fixtureNames, modelPath } from "./test-fixtures.ts";

// A separate protobufjs root with its generated (new Function) codec: the reference to agree with.
const oracleRoot = protobuf.Root.fromJSON(schemaJson.root as unknown as protobuf.INamespace);
const OracleModel = oracleRoot.lookupType("onnx.ModelProto");

/** Longs as decimal strings, bytes as hex, $unknown dropped: comparable across both decoders. */
function plain(value: unknown): unknown {
  if (Long.isLong(value)) return (value as Long).toString();
  if (value instanceof Uint8Array) return Buffer.from(value).toString("hex");
  if (Array.isArray(value)) return value.map(plain);
  if (value && typeof value === "object") {
    const out: Record<string, unknown> = {};
    for (const [k, v] of Object.entries(value)) {
      if (k === "$unknown" || v === undefined || (Array.isArray(v) && v.length === 0)) continue;
      out[k] = plain(v);
    }
    return out;
  }
  return value;
}

function oracleDecode(bytes: Uint8Array): unknown {
  const message = OracleModel.decode(bytes);
  return plain(OracleModel.toObject(message));
}

const big = Long.fromString("9007199254740993"); // 2^53 + 1: not representable as a double
const synthetic = {
  irVersion: Long.fromNumber(10),
  producerName: "edgetune-tést ✓ 模型 🚀",
  modelVersion: Long.fromString("-5"),
  opsetImport: [
    { domain: "", version: Long.fromNumber(21) },
    { domain: "com.microsoft", version: Long.fromNumber(1) },
  ],
  graph: {
    name: "g",
    node: [
      {
        opType: "Gather",
        input: ["w", "i"],
        output: ["y"],
        attribute: [
          { name: "axis", type: 2, i: Long.fromNumber(-1) },
          { name: "big", type: 2, i: big },
          { name: "f", type: 1, f: Math.fround(0.1) },
          { name: "ints", type: 7, ints: [Long.fromNumber(-3), big, Long.ZERO] },
          { name: "floats", type: 6, floats: [1.5, -2.25] },
          { name: "s", type: 3, s: new Uint8Array([0, 255, 7]) },
        ],
      },
    ],
    initializer: [
      {
        name: "d",
        dataType: 11,
        dims: [Long.fromNumber(2)],
        doubleData: [Math.PI, -1e300],
      },
      {
        name: "u",
        dataType: 13,
        dims: [Long.fromNumber(2)],
        uint64Data: [Long.MAX_UNSIGNED_VALUE, Long.fromNumber(7, true)],
      },
      { name: "i32", dataType: 6, dims: [Long.fromNumber(3)], int32Data: [-1, 0, 2147483647] },
      { name: "neg", dataType: -7, dims: [] },
    ],
    input: [
      {
        name: "i",
        type: {
          tensorType: {
            elemType: 7,
            shape: { dim: [{ dimParam: "batch" }, { dimValue: Long.fromNumber(3) }, {}] },
          },
        },
      },
    ],
  },
  metadataProps: [{ key: "k", value: "v" }],
};

describe("codec agrees with protobufjs's generated codec", () => {
  it.each(["gpt2-legacy", "int4-matmul", "bert-dynamo"] as const)("decodes %s to the same values", (name) => {
    const bytes = readFileSync(modelPath(name));
    expect(plain(decodeModel(bytes))).toEqual(oracleDecode(bytes));
  });

  it("encodes a synthetic model to the oracle's bytes, and decodes them back to the same values", () => {
    const oracleBytes = OracleModel.encode(OracleModel.fromObject(synthetic)).finish();
    const ours = encodeModel(synthetic as unknown as ModelProto);
    expect(Buffer.from(ours).toString("hex")).toBe(Buffer.from(oracleBytes).toString("hex"));
    const decoded = decodeModel(ours);
    expect(plain(decoded)).toEqual(oracleDecode(oracleBytes));
    expect(plain(decoded)).toEqual(plain(synthetic));
  });

  it("keeps 64-bit integers exact, as Long", () => {
    const decoded = decodeModel(encodeModel(synthetic as unknown as ModelProto));
    const attrs = decoded.graph?.node[0]?.attribute ?? [];
    const bigAttr = attrs.find((a) => a.name === "big")?.i;
    expect(Long.isLong(bigAttr)).toBe(true);
    expect(bigAttr?.toString()).toBe("9007199254740993");
    expect(attrs.find((a) => a.name === "axis")?.i?.toNumber()).toBe(-1);
    const u = decoded.graph?.initializer.find((t) => t.name === "u")?.uint64Data[0];
    expect(u?.toString()).toBe("18446744073709551615");
    expect(u?.unsigned).toBe(true);
    expect(decoded.modelVersion?.toString()).toBe("-5");
  });
});

describe("wire details", () => {
  it("keeps unknown fields and writes them back", () => {
    const base = encodeModel(synthetic as unknown as ModelProto);
    // field 99 varint 300, field 100 length-delimited "hi", as a newer ONNX might add
    const extra = new Uint8Array([0x98, 0x06, 0xac, 0x02, 0xa2, 0x06, 0x02, 0x68, 0x69]);
    const bytes = Buffer.concat([base, extra]);
    const decoded = decodeModel(bytes);
    expect(decoded.$unknown?.map((u) => Buffer.from(u).toString("hex"))).toEqual(["9806ac02", "a206026869"]);
    expect(Buffer.from(encodeModel(decoded)).equals(bytes)).toBe(true);
  });

  it("accepts a packed run for an unpacked repeated field (dims) and re-encodes it unpacked", () => {
    // TensorProto { dims: packed [2, 3], data_type: 1, name: "t" } inside GraphProto.initializer inside ModelProto.graph
    const tensor = [0x0a, 0x02, 0x02, 0x03, 0x10, 0x01, 0x42, 0x01, 0x74];
    const graph = [0x2a, tensor.length, ...tensor];
    const model = new Uint8Array([0x3a, graph.length, ...graph]);
    const decoded = decodeModel(model);
    expect(decoded.graph?.initializer[0]?.dims.map((d) => d.toNumber())).toEqual([2, 3]);
    const again = encodeModel(decoded);
    expect(Buffer.from(again).toString("hex")).toBe("3a0b2a09080208031001420174");
  });

  it("sizes exactly what it encodes", () => {
    for (const name of fixtureNames) {
      const m = decodeModel(readFileSync(modelPath(name)));
      expect(encodedModelSize(m)).toBe(encodeModel(m).length);
    }
  });
});

function expectOnnxError(fn: () => unknown, codes: string[]): OnnxIoError {
  try {
    fn();
  } catch (error) {
    expect(error).toBeInstanceOf(OnnxIoError);
    const e = error as OnnxIoError;
    expect(codes).toContain(e.code);
    expect(e.message).not.toMatch(/\n/);
    return e;
  }
  throw new Error("expected an OnnxIoError");
}

describe("bad input", () => {
  const file = readFileSync(modelPath("gpt2-legacy"));

  it.each([0.1, 0.5, 0.9, 0.999])("rejects the file truncated to %s of its length", (fraction) => {
    const e = expectOnnxError(
      () => decodeModel(file.subarray(0, Math.floor(file.length * fraction))),
      ["malformed-protobuf"],
    );
    expect(e.message).toMatch(/^not a valid ONNX protobuf: .*truncated/);
  });

  it("rejects garbage bytes and text", () => {
    let seed = 42;
    const random = Uint8Array.from({ length: 4096 }, () => {
      seed = (seed * 1103515245 + 12345) % 2 ** 31;
      return seed >>> 16;
    });
    expectOnnxError(() => decodeModel(random), ["malformed-protobuf"]);
    expectOnnxError(
      () => decodeModel(new TextEncoder().encode("this is not an ONNX model\n")),
      ["malformed-protobuf"],
    );
    expectOnnxError(
      () => decodeModel(new Uint8Array([0xff, 0xff, 0xff, 0xff, 0xff, 0xff])),
      ["malformed-protobuf"],
    );
  });

  it("rejects a protobuf without a graph, and empty bytes", () => {
    const noGraph = encodeModel({ ...(synthetic as unknown as ModelProto), graph: undefined });
    const e = expectOnnxError(() => decodeModel(noGraph), ["missing-graph"]);
    expect(e.message).toMatch(/no graph/);
    expectOnnxError(() => decodeModel(new Uint8Array(0)), ["missing-graph"]);
  });

  it("rejects nesting deeper than protobuf's limit", () => {
    // graph → If node → then_branch graph → ..., 120 levels
    let graph: Record<string, unknown> = { name: "leaf", node: [], initializer: [] };
    for (let i = 0; i < 120; i++) {
      graph = {
        name: `g${i}`,
        node: [{ opType: "If", attribute: [{ name: "then_branch", type: 5, g: graph }] }],
      };
    }
    const bytes = encodeModel({ irVersion: Long.fromNumber(10), graph } as unknown as ModelProto);
    const e = expectOnnxError(() => decodeModel(bytes), ["malformed-protobuf"]);
    expect(e.message).toMatch(/nesting deeper than 100/);
  });

  it("refuses to encode a model of 2 GiB or more inline, telling to use external data", () => {
    // 2 GiB of zeros: the allocation is lazy, and the size check runs before anything is copied
    const huge = new Uint8Array(2 ** 31);
    const model = decodeModel(readFileSync(modelPath("int4-matmul")));
    const graph = model.graph;
    const first = graph?.initializer[0];
    if (!graph || !first) throw new Error("fixture without initializers");
    const hugeTensor = {
      ...first,
      name: "huge",
      dataType: 2,
      dims: [Long.fromNumber(2 ** 31)],
      rawData: huge,
    };
    const withHuge: ModelProto = {
      ...model,
      graph: { ...graph, initializer: [...graph.initializer, hugeTensor] },
    };
    expect(encodedModelSize(withHuge)).toBeGreaterThan(2 ** 31);
    const e = expectOnnxError(() => encodeModel(withHuge), ["too-large"]);
    expect(e.message).toMatch(/2 GiB limit: save it with external data/);
  });
});
