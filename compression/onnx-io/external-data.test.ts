// External data without files: references read through a caller's reader (as a Worker does with
// R2), validated before the reader is asked, and written back out by externalizeModel.
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import {
  decodeModel,
  encodeModel,
  externalizeModel,
  externalRefs,
  forEachTensor,
  type ModelProto,
  OnnxIoError,
  resolveExternalData,
  type TensorProto,
} from "../index.ts";
import { fixturesDir, modelPath, reference } from "./test-fixtures.ts";

const modelBytes = readFileSync(modelPath("bert-dynamo"));
const dataBytes = new Uint8Array(readFileSync(join(fixturesDir, "bert-dynamo", "model.onnx.data")));

function tensors(model: ModelProto): TensorProto[] {
  const out: TensorProto[] = [];
  forEachTensor(model, (t) => out.push(t));
  return out;
}

/** The BERT fixture with the first external tensor's entries changed by `edit`. */
function withFirstRef(edit: (entries: Map<string, string>) => void): ModelProto {
  const model = decodeModel(modelBytes);
  const first = model.graph?.initializer.find((t) => t.dataLocation === 1);
  if (!first) throw new Error("fixture has no external tensor");
  const entries = new Map(first.externalData.map((e) => [e.key ?? "", e.value ?? ""]));
  edit(entries);
  first.externalData = [...entries].map(([key, value]) => ({ key, value }));
  return model;
}

async function rejects(model: ModelProto, code: string): Promise<{ error: OnnxIoError; calls: number }> {
  let calls = 0;
  const error = await resolveExternalData(model, (_location, offset, length) => {
    calls++;
    return dataBytes.subarray(offset, offset + length);
  }).then(
    () => {
      throw new Error("expected an OnnxIoError");
    },
    (e: unknown) => e,
  );
  expect(error).toBeInstanceOf(OnnxIoError);
  expect((error as OnnxIoError).code).toBe(code);
  expect((error as OnnxIoError).message).not.toMatch(/\n/);
  return { error: error as OnnxIoError, calls };
}

describe("reading external data through a reader", () => {
  it("leaves references in place without a reader, matching what onnx reported", () => {
    const model = decodeModel(modelBytes);
    const refs = externalRefs(model);
    expect(refs.length).toBe(reference("bert-dynamo").summary.externalInitializers);
    expect(new Set(refs.map((r) => r.location))).toEqual(new Set(["model.onnx.data"]));
    const last = refs[refs.length - 1];
    expect(last && last.offset + last.length).toBe(dataBytes.length);
  });

  it("fills every external tensor from the data file (async reader), and the result encodes inline", async () => {
    const model = decodeModel(modelBytes);
    const asked: string[] = [];
    const resolved = await resolveExternalData(model, async (location, offset, length) => {
      asked.push(`${location}@${offset}+${length}`);
      return dataBytes.subarray(offset, offset + length);
    });
    expect(asked.length).toBe(externalRefs(model).length);
    expect(externalRefs(resolved)).toEqual([]);
    // every formerly external tensor now holds exactly its slice of the data file
    const before = new Map(externalRefs(model).map((r) => [r.tensor, r]));
    let checked = 0;
    for (const t of tensors(resolved)) {
      const ref = before.get(t.name ?? "");
      if (!ref) continue;
      expect(
        Buffer.from(t.rawData ?? []).equals(dataBytes.subarray(ref.offset, ref.offset + ref.length)),
      ).toBe(true);
      expect(t.externalData).toEqual([]);
      checked++;
    }
    expect(checked).toBe(before.size);
    // the decoded model itself is untouched
    expect(externalRefs(model).length).toBe(before.size);
  });

  it("decodeModel takes the data files' bytes directly", () => {
    const resolved = decodeModel(modelBytes, { externalData: { "model.onnx.data": dataBytes } });
    expect(externalRefs(resolved)).toEqual([]);
    expect(tensors(resolved).filter((t) => t.rawData !== undefined).length).toBe(
      reference("bert-dynamo").summary.initializerCount,
    );
  });

  it("rejects '..', absolute and drive-letter locations before asking the reader", async () => {
    for (const location of [
      "../model.onnx.data",
      "sub/../../x",
      "/etc/passwd",
      "C:\\data\\model.bin",
      "\\\\server\\x",
    ]) {
      const { error, calls } = await rejects(
        withFirstRef((e) => e.set("location", location)),
        "unsafe-location",
      );
      expect(calls).toBe(0);
      expect(error.message).toContain(JSON.stringify(location));
    }
  });

  it("rejects a length that does not match the tensor, and malformed offsets", async () => {
    await rejects(
      withFirstRef((e) => e.set("length", "12")),
      "external-data-invalid",
    );
    await rejects(
      withFirstRef((e) => e.set("offset", "-4")),
      "external-data-invalid",
    );
    await rejects(
      withFirstRef((e) => e.set("offset", "1e3")),
      "external-data-invalid",
    );
  });

  it("reports ranges beyond the end of the data and files that are not there", async () => {
    const pastEnd = withFirstRef((e) => e.set("offset", String(dataBytes.length - 10)));
    await rejects(pastEnd, "external-data-out-of-range");
    expect(() => decodeModel(modelBytes, { externalData: { "other.data": dataBytes } })).toThrow(
      /external data file "model.onnx.data" was not supplied/,
    );
    expect(() =>
      decodeModel(modelBytes, { externalData: { "model.onnx.data": dataBytes.subarray(0, 1000) } }),
    ).toThrow(OnnxIoError);
  });

  it("wraps a reader's own failure with the location and tensor", async () => {
    const error = await resolveExternalData(decodeModel(modelBytes), () => {
      throw new Error("R2 said 404");
    }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(OnnxIoError);
    expect((error as OnnxIoError).code).toBe("external-data-missing");
    expect((error as OnnxIoError).message).toMatch(/"model.onnx.data" of tensor ".+": R2 said 404/);
  });
});

describe("externalizeModel", () => {
  it("moves initializers of at least the threshold into one packed data file, and back", () => {
    const inline = decodeModel(modelBytes, { externalData: { "model.onnx.data": dataBytes } });
    const split = externalizeModel(inline, { location: "weights.bin", sizeThreshold: 1024 });
    const big = tensors(inline).filter((t) => (t.rawData?.length ?? 0) >= 1024);
    expect(externalRefs(split.model).length).toBe(big.length);
    expect(split.dataLength).toBe(big.reduce((n, t) => n + (t.rawData?.length ?? 0), 0));
    const data = Buffer.concat(split.chunks);
    expect(data.length).toBe(split.dataLength);
    // small tensors stay inline
    expect(tensors(split.model).filter((t) => t.rawData !== undefined).length).toBe(
      tensors(inline).length - big.length,
    );
    // reading the split model back with its data gives the inline model, byte for byte
    const back = decodeModel(encodeModel(split.model), { externalData: { "weights.bin": data } });
    expect(Buffer.from(encodeModel(back)).equals(Buffer.from(encodeModel(inline)))).toBe(true);
  });

  it("refuses a model that still references other external data, and unsafe locations", () => {
    expect(() => externalizeModel(decodeModel(modelBytes))).toThrow(/still reference external data/);
    const inline = decodeModel(modelBytes, { externalData: { "model.onnx.data": dataBytes } });
    expect(() => externalizeModel(inline, { location: "../weights.bin" })).toThrow(OnnxIoError);
  });
});
