// Short names: exporters name every node and value after its module path
// ("/bert/encoder/layer.0/attention/self/query/MatMul_output_0"), and the quantizing passes add
// suffixes, so in a small model the names can outweigh the weights' savings (the tiny spam
// classifier's q4 file: 7 % of the fp32 file is names). This pass renames every internal value,
// initializer and node to a short base-36 counter ("0", "1", … "a", … "10"), in subgraphs too,
// and can drop doc strings. Constant nodes holding a tensor become initializers (the same tensor,
// ~20 bytes less of node, op type and attribute framing each; PyTorch writes a hundred of them in a
// small BERT). The graph's inputs and outputs keep their names — callers feed and
// read them — so a renamed model computes bit-identically and is used the same way. Run it last:
// exclude lists of later passes name nodes by their old names.
import { z } from "zod";
import { CompressionError } from "../graph/errors.ts";
import type { AttributeProto, GraphProto, NodeProto, ValueInfoProto } from "../onnx-io/onnx-types.ts";
import { definePass } from "./pass.ts";

export const compactNamesOptions = z
  .object({
    /** "short": a counter per node; "drop": no node names (optional in ONNX). */
    nodeNames: z.enum(["short", "drop"]).default("short"),
    /** Remove doc strings of the graph, nodes, values and attributes. */
    dropDocStrings: z.boolean().default(true),
    /** Store the main graph's Constant nodes (those with a `value` tensor) as initializers. */
    constantsAsInitializers: z.boolean().default(true),
  })
  .strict();

class ShortNames {
  private next = 0;
  constructor(private readonly reserved: Set<string>) {}
  fresh(): string {
    for (;;) {
      const name = (this.next++).toString(36);
      if (!this.reserved.has(name)) return name;
    }
  }
}

export const compactNames = definePass({
  name: "compact-names",
  description:
    "Renames internal values, initializers and nodes to short names; graph inputs/outputs keep theirs",
  options: compactNamesOptions,
  apply(model, options) {
    const source = model.graph;
    if (!source) throw new CompressionError("invalid-model", "the model has no graph");
    // Before IR 4 every initializer had to be a graph input too: leave such models' Constants alone.
    const movable = options.constantsAsInitializers && (model.irVersion?.toNumber() ?? 0) >= 4;
    const graph = movable ? constantsToInitializers(source) : source;
    const constantsMoved = source.node.length - graph.node.length;
    const keep = new Set([...graph.input, ...graph.output].map((v) => v.name ?? ""));
    const values = new ShortNames(keep);
    const nodes = new ShortNames(new Set());
    const map = new Map<string, string>();
    let before = 0;
    let after = 0;
    const value = (name: string | undefined): string => {
      if (!name || keep.has(name)) return name ?? "";
      let short = map.get(name);
      if (short === undefined) {
        short = values.fresh();
        map.set(name, short);
        before += name.length;
        after += short.length;
      }
      return short;
    };
    const doc = <T extends { docString?: string }>(x: T): T => {
      if (!options.dropDocStrings || x.docString === undefined) return x;
      const { docString: _, ...rest } = x;
      return rest as T;
    };
    const info = (v: ValueInfoProto): ValueInfoProto => doc({ ...v, name: value(v.name) });
    const attribute = (a: AttributeProto): AttributeProto =>
      doc({
        ...a,
        ...(a.g ? { g: rename(a.g) } : {}),
        graphs: a.graphs.map(rename),
      });
    const node = (n: NodeProto): NodeProto => {
      const renamed: NodeProto = {
        ...n,
        input: n.input.map(value),
        output: n.output.map(value),
        attribute: n.attribute.map(attribute),
      };
      if (options.nodeNames === "drop") delete renamed.name;
      else renamed.name = nodes.fresh();
      return doc(renamed);
    };
    function rename(g: GraphProto): GraphProto {
      return doc({
        ...g,
        initializer: g.initializer.map((t) => ({ ...t, name: value(t.name) })),
        sparseInitializer: g.sparseInitializer.map((s) =>
          s.values ? { ...s, values: { ...s.values, name: value(s.values.name) } } : s,
        ),
        input: g.input.map(info),
        output: g.output.map(info),
        node: g.node.map(node),
        valueInfo: g.valueInfo.map(info),
        quantizationAnnotation: g.quantizationAnnotation.map((q) => ({
          ...q,
          tensorName: value(q.tensorName),
        })),
      });
    }
    const out = rename(graph);
    return {
      model: { ...model, graph: out },
      report: {
        constantsMoved,
        valuesRenamed: map.size,
        nameCharsBefore: before,
        nameCharsAfter: after,
        nodeNames: options.nodeNames,
      },
    };
  },
});

/** Constant nodes with a `value` tensor (not graph outputs) → initializers named after their output. */
function constantsToInitializers(graph: GraphProto): GraphProto {
  const outputs = new Set(graph.output.map((o) => o.name));
  const moved: GraphProto["initializer"] = [];
  const node = graph.node.filter((n) => {
    const out = n.output[0];
    const value = n.attribute.length === 1 && n.attribute[0]?.name === "value" ? n.attribute[0].t : undefined;
    if (n.opType !== "Constant" || (n.domain ?? "") !== "" || !out || !value || outputs.has(out)) return true;
    moved.push({ ...value, name: out });
    return false;
  });
  return { ...graph, node, initializer: [...graph.initializer, ...moved] };
}
