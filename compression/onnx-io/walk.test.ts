// The tensor walk reaches tensors in subgraphs, attributes, sparse initializers and functions,
// and mapTensors never modifies the model it is given.
import Long from "long";
import { describe, expect, it } from "vitest";
import {
  decodeModel,
  encodeModel,
  forEachGraph,
  forEachTensor,
  type ModelProto,
  mapTensors,
  modelSummary,
  type TensorProto,
} from "../index.ts";

function tensor(name: string, n: number): TensorProto {
  return {
    name,
    dataType: 1,
    dims: [Long.fromNumber(n)],
    rawData: new Uint8Array(4 * n),
    floatData: [],
    int32Data: [],
    stringData: [],
    int64Data: [],
    externalData: [],
    doubleData: [],
    uint64Data: [],
    metadataProps: [],
  };
}

// Build with plain objects, then encode/decode so every repeated field is filled in.
const model: ModelProto = decodeModel(
  encodeModel({
    irVersion: Long.fromNumber(10),
    graph: {
      name: "main",
      initializer: [tensor("w_main", 4)],
      sparseInitializer: [
        { values: tensor("sp_values", 2), indices: { ...tensor("sp_idx", 2), dataType: 7 } },
      ],
      node: [
        { opType: "Constant", attribute: [{ name: "value", type: 4, t: tensor("const_t", 3) }] },
        {
          opType: "If",
          attribute: [
            {
              name: "then_branch",
              type: 5,
              g: {
                name: "then",
                initializer: [tensor("w_then", 5)],
                node: [
                  {
                    opType: "Loop",
                    attribute: [
                      { name: "body", type: 5, g: { name: "body", initializer: [tensor("w_body", 6)] } },
                    ],
                  },
                ],
              },
            },
            { name: "else_branch", type: 5, g: { name: "else", initializer: [tensor("w_else", 7)] } },
          ],
        },
      ],
    },
    functions: [
      {
        name: "fn",
        node: [{ opType: "Constant", attribute: [{ name: "value", type: 4, t: tensor("fn_t", 1) }] }],
      },
    ],
  } as unknown as ModelProto),
);

describe("tensor walk", () => {
  it("visits every tensor with where it lives", () => {
    const seen: string[] = [];
    forEachTensor(model, (t, site) => seen.push(`${t.name}:${site.kind}:${site.graph}:${site.depth}`));
    expect(seen.sort()).toEqual(
      [
        "w_main:initializer:main:0",
        "sp_values:sparse:main:0",
        "sp_idx:sparse:main:0",
        "const_t:attribute:main:0",
        "w_then:initializer:then:1",
        "w_body:initializer:body:2",
        "w_else:initializer:else:1",
        "fn_t:attribute:fn:1",
      ].sort(),
    );
    const graphs: string[] = [];
    forEachGraph(model, (g, depth) => graphs.push(`${g.name}:${depth}`));
    expect(graphs).toEqual(["main:0", "then:1", "body:2", "else:1"]);
  });

  it("counts subgraph initializers in the summary", () => {
    const s = modelSummary(model);
    expect(s.initializerCount).toBe(4);
    expect(s.parameterCount).toBe(4 + 5 + 6 + 7);
    expect(s.nodeCount).toBe(3);
  });

  it("maps without modifying the original", () => {
    const before = Buffer.from(encodeModel(model));
    const mapped = mapTensors(model, (t) => ({ ...t, name: `${t.name}_x` }));
    expect(Buffer.from(encodeModel(model)).equals(before)).toBe(true);
    const names: string[] = [];
    forEachTensor(mapped, (t) => names.push(t.name ?? ""));
    expect(names.every((n) => n.endsWith("_x"))).toBe(true);
    expect(names.length).toBe(8);
  });
});
