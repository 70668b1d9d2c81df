// Declared sizes that cannot be true fail at decode time with the tensor or value named.
import { readFileSync } from "node:fs";
import Long from "long";
import { describe, expect, it } from "vitest";
import { decodeModel, encodeModel } from "./codec.ts";
import { OnnxIoError } from "./errors.ts";
import type { GraphProto, ModelProto, TensorProto } from "./onnx-types.ts";
import { modelPath } from "./test-fixtures.ts";

const model = decodeModel(readFileSync(modelPath("gpt2-legacy")));
const graph = model.graph as GraphProto;
const big = graph.initializer.find((t) => (t.rawData?.length ?? 0) > 1000) as TensorProto;

function withTensor(change: (t: TensorProto) => TensorProto): Uint8Array {
  return encodeModel({
    ...model,
    graph: { ...graph, initializer: graph.initializer.map((t) => (t === big ? change(t) : t)) },
  });
}

function decodeError(bytes: Uint8Array): OnnxIoError {
  try {
    decodeModel(bytes);
  } catch (error) {
    expect(error).toBeInstanceOf(OnnxIoError);
    expect((error as OnnxIoError).code).toBe("invalid-model");
    expect((error as Error).message).not.toMatch(/\n/);
    return error as OnnxIoError;
  }
  throw new Error("expected decodeModel to fail");
}

describe("declared sizes", () => {
  it("accepts the fixtures as they are", () => {
    expect(decodeModel(encodeModel(model)).graph?.initializer.length).toBe(graph.initializer.length);
  });

  it("refuses dims that multiply to more (or less) than the data", () => {
    const more = decodeError(withTensor((t) => ({ ...t, dims: [...t.dims, Long.fromNumber(2)] })));
    expect(more.message).toMatch(
      new RegExp(`tensor "${big.name}" declares dims \\[.*, 2\\].* but holds ${big.rawData?.length} bytes`),
    );
    const fewer = decodeError(withTensor((t) => ({ ...t, rawData: t.rawData?.subarray(4) })));
    expect(fewer.message).toMatch(/but holds \d+ bytes of raw data/);
    const values = decodeError(
      withTensor((t) => ({
        ...t,
        rawData: undefined,
        floatData: [1, 2, 3],
        dims: [Long.fromNumber(2), Long.fromNumber(2)],
      })),
    );
    expect(values.message).toMatch(
      /declares dims \[2, 2\] \(4 FLOAT elements, 4 values\) but holds 3 values/,
    );
  });

  it("refuses negative dims and tensors over 2^31 − 1 elements", () => {
    expect(
      decodeError(withTensor((t) => ({ ...t, dims: [Long.fromNumber(-3), Long.fromNumber(4)] }))).message,
    ).toMatch(/has a negative dimension in dims \[-3, 4\]/);
    const huge = decodeError(
      withTensor((t) => ({ ...t, dims: [Long.fromNumber(65536), Long.fromNumber(65536)] })),
    );
    expect(huge.message).toMatch(/declares dims \[65536, 65536\] = 4\.295e\+9 elements, over the 2147483647/);
  });

  it("refuses a negative dimension in a graph input's shape", () => {
    const input = graph.input[0];
    const bad: ModelProto = {
      ...model,
      graph: {
        ...graph,
        input: graph.input.map((i) =>
          i !== input
            ? i
            : {
                ...i,
                type: {
                  tensorType: {
                    ...i.type?.tensorType,
                    shape: { dim: [{ dimValue: Long.fromNumber(-1) }] },
                  },
                },
              },
        ),
      },
    };
    expect(decodeError(encodeModel(bad)).message).toMatch(
      new RegExp(`value "${input?.name}" in graph ".*" declares dimension 0 as -1`),
    );
  });
});
