// The quantizers added for issue 3 run inside workerd (no eval, no Node built-ins), as the Worker's
// compression jobs need: on the tiny spam classifier, the ternary preset, dynamic fixed point,
// compact names, and static int8 from ranges computed in the Worker by the calibration code from
// synthetic activations (running the probe needs a runtime; the Node tests do that with onnxruntime).
import { describe, expect, it } from "vitest";
import {
  AbsHistogram,
  decodeModel,
  encodeModel,
  findPass,
  preset,
  rangeFromHistogram,
  runRecipe,
  staticCalibrationProbe,
  staticInt8Recipe,
} from "../../compression/index.ts";
import modelBytes from "../../functions/inference/fixtures/tiny-spam/model.onnx";

describe("new quantizers inside workerd", () => {
  it("ternary, fixed point, compact names and static int8 produce models that decode again", async () => {
    const model = decodeModel(new Uint8Array(modelBytes));
    const fp32 = encodeModel(model).length;
    const ternary = encodeModel((await runRecipe(model, preset("ternary"))).model);
    expect(ternary.length).toBeLessThan(0.2 * fp32);
    expect(decodeModel(ternary).graph?.node.some((n) => n.opType === "MatMulNBits")).toBe(true);

    const fixed = findPass("quantize-fixed-point");
    if (!fixed) throw new Error("quantize-fixed-point is not registered");
    const fp = await fixed.apply(model, fixed.options.parse({ bits: 6 }));
    expect(fp.report.nodesQuantized).toBeGreaterThan(0);

    const probe = staticCalibrationProbe(model);
    const ranges = Object.fromEntries(
      probe.taps.map((t, i) => {
        const h = new AbsHistogram();
        h.add(Float32Array.from({ length: 4096 }, (_, j) => Math.sin(j * (i + 1)) * (j % 97 === 0 ? 20 : 2)));
        return [t.tensor, rangeFromHistogram(h, { method: "entropy" })];
      }),
    );
    const staticModel = (await runRecipe(model, staticInt8Recipe(ranges))).model;
    const ops = staticModel.graph?.node.map((n) => n.opType) ?? [];
    expect(ops.filter((o) => o === "QuantizeLinear").length).toBe(probe.taps.length);
    expect(staticModel.graph?.node.every((n) => n.name === undefined)).toBe(true); // compact names, dropped
    expect(encodeModel(staticModel).length).toBeLessThan(0.35 * fp32);
  });
});
