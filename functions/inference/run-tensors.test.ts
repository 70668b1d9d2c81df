import { describe, expect, it } from "vitest";
import reference from "../../compression/fixtures/int4-matmul/reference.json";
import { api, problemOf, stageAndPublish } from "../../test/workers/api.ts";
import { MAX_TENSOR_ELEMENTS, TensorResponse } from "./schemas.ts";

// compression's int4-matmul fixture (what stageAndPublish uploads), with onnxruntime's Python outputs
interface TensorJson {
  dtype: string;
  dims: number[];
  data: number[];
}
const inputs = reference.inputs as Record<string, TensorJson>;
const outputs = reference.outputs as Record<string, TensorJson>;
const [inputName] = Object.keys(inputs) as [string];
const input = inputs[inputName] as TensorJson;
const MODEL = "raw-int4";
let published: Promise<unknown> | undefined;

async function infer(body: unknown) {
  published ??= stageAndPublish(MODEL, "1.0.0");
  await published;
  return api(`/v1/models/${MODEL}/infer`, {
    method: "POST",
    body: JSON.stringify(body),
    headers: { "content-type": "application/json" },
    token: "read",
  });
}

describe("raw tensors through POST /v1/models/{name}/infer", () => {
  it("runs the caller's tensors and returns the outputs onnxruntime (Python) gives", async () => {
    const res = await infer({ inputs: { [inputName]: { ...input, dtype: "float32" } } });
    expect(res.status, await res.clone().text()).toBe(200);
    const body = TensorResponse.parse(await res.json());
    expect(body.task).toBe("tensors");
    expect(Object.keys(body.outputs).sort()).toEqual(Object.keys(outputs).sort());
    for (const [name, want] of Object.entries(outputs)) {
      const got = body.outputs[name];
      expect(got?.dtype).toBe("float32");
      expect(got?.dims).toEqual(want.dims);
      const worst = Math.max(...want.data.map((x, i) => Math.abs(x - (got?.data[i] as number))));
      expect(worst).toBeLessThan(1e-4);
    }
    const [first] = Object.keys(outputs) as [string];
    const picked = TensorResponse.parse(
      await (
        await infer({ inputs: { [inputName]: { ...input, dtype: "float32" } }, outputs: [first] })
      ).json(),
    );
    expect(Object.keys(picked.outputs)).toEqual([first]);
  });

  it("names the input that is unknown, missing, of the wrong dtype or shape; bounds the size", async () => {
    const good = { ...input, dtype: "float32" };
    const unknown = await problemOf(await infer({ inputs: { [inputName]: good, extra: good } }), 422);
    expect(unknown).toMatchObject({ input: "extra" });
    expect(unknown.detail).toMatch(
      new RegExp(`"extra": the model has no such input; its inputs are ${inputName}`),
    );
    const missing = await problemOf(await infer({ inputs: {} }), 422);
    expect(missing.detail).toMatch(`missing input(s) "${inputName}"`);
    const dtype = await problemOf(await infer({ inputs: { [inputName]: { ...good, dtype: "int32" } } }), 422);
    expect(dtype).toMatchObject({ input: inputName, dtype: "int32", expected: "float32" });
    const rank = await problemOf(
      await infer({ inputs: { [inputName]: { ...good, dims: [input.data.length] } } }),
      422,
    );
    expect(rank.detail).toMatch(`input "${inputName}": has 1 dimensions`);
    const count = await problemOf(
      await infer({ inputs: { [inputName]: { ...good, data: good.data.slice(1) } } }),
      422,
    );
    expect(count.detail).toMatch(/hold \d+ elements but data has/);
    const huge = MAX_TENSOR_ELEMENTS + 1;
    const big = await problemOf(
      await infer({
        inputs: { [inputName]: { dtype: "float32", dims: [1, huge], data: new Array(huge).fill(0) } },
      }),
      413,
    );
    expect(big.detail).toMatch(`at most ${MAX_TENSOR_ELEMENTS}`);
    const output = await problemOf(await infer({ inputs: { [inputName]: good }, outputs: ["nope"] }), 422);
    expect(output).toMatchObject({ output: "nope" });
    await problemOf(await infer({ inputs: { [inputName]: { ...good, dtype: "complex64" } } }), 400);
  });
});
