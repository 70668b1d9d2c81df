// Element types: every type the schema knows has a storage width (so a new ONNX type cannot be
// silently mis-sized), and the sub-byte types pack as ONNX specifies.
import { describe, expect, it } from "vitest";
import { DataType, elementBits, elementTypeName, rawByteLength } from "../index.ts";
import { enumValues } from "./schema.ts";

describe("element types", () => {
  it("match the schema's TensorProto.DataType, including INT4/UINT4 and newer types", () => {
    expect({ ...DataType }).toEqual(enumValues("TensorProto.DataType"));
    expect(DataType.UINT4).toBe(21);
    expect(DataType.INT4).toBe(22);
    expect(elementTypeName(22)).toBe("INT4");
    expect(elementTypeName(21)).toBe("UINT4");
    expect(elementTypeName(23)).toBe("FLOAT4E2M1");
    expect(elementTypeName(999)).toBe("DataType(999)");
  });

  it("give every schema type except UNDEFINED and STRING a storage width", () => {
    const missing = Object.entries(enumValues("TensorProto.DataType"))
      .filter(([name, v]) => !["UNDEFINED", "STRING"].includes(name) && elementBits[v] === undefined)
      .map(([name]) => name);
    expect(missing).toEqual([]);
  });

  it("size packed data as ONNX does", () => {
    expect(rawByteLength(DataType.INT4, 231)).toBe(116); // two per byte, last half used
    expect(rawByteLength(DataType.UINT4, 64)).toBe(32);
    expect(rawByteLength(DataType.INT2, 5)).toBe(2); // four per byte
    expect(rawByteLength(DataType.FLOAT6E2M3, 4)).toBe(3); // four in three bytes
    expect(rawByteLength(DataType.FLOAT16, 3)).toBe(6);
    expect(rawByteLength(DataType.COMPLEX128, 2)).toBe(32);
    expect(rawByteLength(DataType.STRING, 2)).toBeUndefined();
  });
});
