// Models on disk: reading with external data (only from inside the model's folder), writing
// inline or with external data, atomically, and leaving nothing behind when something is wrong.
import {
  copyFileSync,
  mkdirSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  rmSync,
  symlinkSync,
  writeFileSync,
} from "node:fs";
import { open } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import Long from "long";
import { afterAll, describe, expect, it } from "vitest";
import {
  decodeModel,
  elementTypeName,
  encodeModel,
  externalRefs,
  type ModelProto,
  OnnxIoError,
  readModelFile,
  writeModelFile,
} from "../node.ts";
import { fixturesDir, modelPath, output, reference, runModel, tensorBytes } from "./test-fixtures.ts";

const scratch = mkdtempSync(join(tmpdir(), "edgetune-onnx-io-"));
afterAll(() => rmSync(scratch, { recursive: true, force: true }));
let counter = 0;
function freshDir(): string {
  const dir = join(scratch, `case-${counter++}`);
  mkdirSync(dir);
  return dir;
}

async function expectIoError(promise: Promise<unknown>, code: string): Promise<OnnxIoError> {
  const error = await promise.then(
    () => {
      throw new Error("expected an OnnxIoError");
    },
    (e: unknown) => e,
  );
  expect(error).toBeInstanceOf(OnnxIoError);
  expect((error as OnnxIoError).code).toBe(code);
  expect((error as OnnxIoError).message).not.toMatch(/\n/);
  return error as OnnxIoError;
}

/** The BERT fixture's .onnx with every external location replaced, written into `dir`. */
function bertWithLocation(dir: string, location: string): string {
  const model = decodeModel(readFileSync(modelPath("bert-dynamo")));
  for (const t of model.graph?.initializer ?? []) {
    t.externalData = t.externalData.map((e) => (e.key === "location" ? { key: e.key, value: location } : e));
  }
  const path = join(dir, "model.onnx");
  writeFileSync(path, encodeModel(model));
  return path;
}

describe("external data on disk", () => {
  it("reads the dynamo export with its data; inline and external re-saves give identical outputs", async () => {
    const ref = reference("bert-dynamo");
    const model = await readModelFile(modelPath("bert-dynamo"));
    expect(externalRefs(model)).toEqual([]);
    const dir = freshDir();
    const inline = await writeModelFile(model, join(dir, "inline.onnx"));
    const external = await writeModelFile(model, join(dir, "external.onnx"), { externalData: true });
    expect(readdirSync(dir).sort()).toEqual(["external.onnx", "external.onnx.data", "inline.onnx"]);
    expect(external.dataPath).toBe(join(dir, "external.onnx.data"));
    expect(readFileSync(join(dir, "external.onnx.data")).length).toBe(external.dataBytes);
    expect(inline.bytes).toBeGreaterThan(external.bytes + 100_000); // the weights really moved out
    expect(externalRefs(decodeModel(readFileSync(join(dir, "external.onnx")))).length).toBeGreaterThan(10);

    const original = await runModel(modelPath("bert-dynamo"), ref);
    const fromInline = await runModel(join(dir, "inline.onnx"), ref);
    const fromExternal = await runModel(join(dir, "external.onnx"), ref); // onnxruntime reads our data file
    const fromReread = await runModel(encodeModel(await readModelFile(join(dir, "external.onnx"))), ref);
    for (const outputs of [fromInline, fromExternal, fromReread]) {
      expect(tensorBytes(output(outputs, "logits")).equals(tensorBytes(output(original, "logits")))).toBe(
        true,
      );
    }
  });

  it("keeps int4 and uint4 tensors byte-exact through inline and external saves", async () => {
    const original = decodeModel(readFileSync(modelPath("int4-matmul")));
    const packed = (m: ModelProto) =>
      new Map(
        (m.graph?.initializer ?? [])
          .filter((t) => ["INT4", "UINT4"].includes(elementTypeName(t.dataType)))
          .map((t) => [
            t.name,
            { type: elementTypeName(t.dataType), hex: Buffer.from(t.rawData ?? []).toString("hex") },
          ]),
      );
    const before = packed(original);
    expect([...before.values()].map((v) => v.type).sort()).toEqual(["INT4", "INT4", "UINT4", "UINT4"]);
    // the uint4 weight has 33×7 = 231 elements: 116 bytes, the last one half used
    expect(before.get("w2_q")?.hex.length).toBe(116 * 2);
    const dir = freshDir();
    await writeModelFile(original, join(dir, "inline.onnx"));
    await writeModelFile(original, join(dir, "ext.onnx"), { externalData: { sizeThreshold: 0 } });
    expect(externalRefs(decodeModel(readFileSync(join(dir, "ext.onnx")))).length).toBe(7);
    for (const file of ["inline.onnx", "ext.onnx"]) {
      expect(packed(await readModelFile(join(dir, file)))).toEqual(before);
    }
    const ref = reference("int4-matmul");
    const a = await runModel(modelPath("int4-matmul"), ref);
    const b = await runModel(join(dir, "ext.onnx"), ref);
    expect(tensorBytes(output(b, "y")).equals(tensorBytes(output(a, "y")))).toBe(true);
  });

  it("refuses locations that leave the model's folder, even when the target exists", async () => {
    const outer = freshDir();
    const inner = join(outer, "models");
    mkdirSync(inner);
    // the data really is there, one folder up and at an absolute path: only the rule stops the read
    copyFileSync(join(fixturesDir, "bert-dynamo", "model.onnx.data"), join(outer, "model.onnx.data"));
    for (const location of ["../model.onnx.data", join(outer, "model.onnx.data")]) {
      const error = await expectIoError(readModelFile(bertWithLocation(inner, location)), "unsafe-location");
      expect(error.message).toContain(JSON.stringify(location));
    }
  });

  it("refuses a data file that is a symlink to outside the folder", async () => {
    const outer = freshDir();
    const inner = join(outer, "models");
    mkdirSync(inner);
    copyFileSync(join(fixturesDir, "bert-dynamo", "model.onnx.data"), join(outer, "secret.data"));
    symlinkSync(join(outer, "secret.data"), join(inner, "model.onnx.data"));
    await expectIoError(readModelFile(bertWithLocation(inner, "model.onnx.data")), "unsafe-location");
  });

  it("names a missing data file, and a data file that is too short", async () => {
    const dir = freshDir();
    const path = bertWithLocation(dir, "model.onnx.data");
    const missing = await expectIoError(readModelFile(path), "external-data-missing");
    expect(missing.message).toContain('"model.onnx.data"');
    writeFileSync(
      join(dir, "model.onnx.data"),
      readFileSync(join(fixturesDir, "bert-dynamo", "model.onnx.data")).subarray(0, 5000),
    );
    await expectIoError(readModelFile(path), "external-data-out-of-range");
  });
});

describe("writing", () => {
  it("writes nothing when the external data location is unsafe", async () => {
    const model = await readModelFile(modelPath("int4-matmul"));
    const outer = freshDir();
    const dir = join(outer, "out");
    mkdirSync(dir);
    for (const location of ["../escape.data", join(outer, "abs.data"), "C:/x.data"]) {
      await expectIoError(
        writeModelFile(model, join(dir, "model.onnx"), { externalData: { location } }),
        "unsafe-location",
      );
    }
    expect(readdirSync(dir)).toEqual([]);
    expect(readdirSync(outer)).toEqual(["out"]);
  });

  it("writes nothing for a model with unresolved external data, or over 2 GiB inline", async () => {
    const dir = freshDir();
    const unresolved = decodeModel(readFileSync(modelPath("bert-dynamo")));
    await expectIoError(writeModelFile(unresolved, join(dir, "model.onnx")), "unresolved-external-data");
    const model = await readModelFile(modelPath("int4-matmul"));
    const graph = model.graph;
    const first = graph?.initializer[0];
    if (!graph || !first) throw new Error("fixture without initializers");
    const huge = {
      ...first,
      name: "huge",
      dataType: 2,
      dims: [Long.fromNumber(2 ** 31)],
      rawData: new Uint8Array(2 ** 31),
    };
    const tooBig = { ...model, graph: { ...graph, initializer: [...graph.initializer, huge] } };
    const error = await expectIoError(writeModelFile(tooBig, join(dir, "model.onnx")), "too-large");
    expect(error.message).toMatch(/external data/);
    expect(readdirSync(dir)).toEqual([]);
  });

  it("replaces an existing file by rename: a reader holding the old file keeps seeing it whole", async () => {
    const dir = freshDir();
    const path = join(dir, "model.onnx");
    const first = await readModelFile(modelPath("gpt2-legacy"));
    await writeModelFile(first, path);
    const oldBytes = readFileSync(path);
    const reader = await open(path, "r");
    try {
      const second = await readModelFile(modelPath("int4-matmul"));
      await writeModelFile(second, path);
      const seenByOldReader = Buffer.alloc(oldBytes.length);
      await reader.read(seenByOldReader, 0, oldBytes.length, 0);
      expect(seenByOldReader.equals(oldBytes)).toBe(true); // written in place, this would be the new model
      expect(readFileSync(path).equals(Buffer.from(encodeModel(second)))).toBe(true);
    } finally {
      await reader.close();
    }
    expect(readdirSync(dir)).toEqual(["model.onnx"]); // no temporary files left
  });
});
