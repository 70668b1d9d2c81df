import { describe, expect, it } from "vitest";
import modelBytes from "../../compression/fixtures/int4-matmul/model.onnx";
import reference from "../../compression/fixtures/int4-matmul/reference.json";
import { onnxRuntime } from "./runtime.ts";

interface TensorJson {
  dtype: string;
  dims: number[];
  data: number[];
}

describe("onnxruntime-web inside workerd", () => {
  it("runs a quantized (int4/uint4 DequantizeLinear) model and matches onnxruntime's Python outputs", async () => {
    const ort = onnxRuntime();
    const session = await ort.InferenceSession.create(new Uint8Array(modelBytes));
    const feeds: Record<string, InstanceType<typeof ort.Tensor>> = {};
    for (const [name, t] of Object.entries(reference.inputs as Record<string, TensorJson>)) {
      feeds[name] = new ort.Tensor("float32", Float32Array.from(t.data), t.dims);
    }
    const outputs = await session.run(feeds);
    for (const [name, t] of Object.entries(reference.outputs as Record<string, TensorJson>)) {
      const got = outputs[name];
      expect(got?.dims).toEqual(t.dims);
      const data = got?.data as Float32Array;
      let worst = 0;
      t.data.forEach((x, i) => {
        worst = Math.max(worst, Math.abs(x - (data[i] as number)));
      });
      expect(worst).toBeLessThan(1e-4);
    }
  });
});
