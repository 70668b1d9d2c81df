// Element types of every value in a graph, which passes such as fp16 conversion need (to know
// which values are float) and exporters do not always record: value_info where the model has it,
// otherwise propagated through the nodes in order with each operator's typing rule.
import { DataType } from "../onnx-io/data-types.ts";
import type { GraphProto, NodeProto } from "../onnx-io/onnx-types.ts";
import { attr } from "./graph.ts";

const boolOps = new Set([
  "Equal",
  "Less",
  "Greater",
  "LessOrEqual",
  "GreaterOrEqual",
  "And",
  "Or",
  "Not",
  "Xor",
  "IsNaN",
  "IsInf",
]);
const int64Ops = new Set(["Shape", "Size", "NonZero", "ArgMax", "ArgMin"]);
const fromSecondInput = new Set(["Where", "CastLike", "DequantizeLinear"]);

function outputTypes(node: NodeProto, types: Map<string, number>): (number | undefined)[] {
  const op = node.opType ?? "";
  const input = (i: number) => types.get(node.input[i] ?? "");
  const domain = node.domain ?? "";
  if (domain === "com.microsoft") {
    if (op === "MatMulNBits") return [input(0)];
    return [input(0)];
  }
  if (boolOps.has(op)) return [DataType.BOOL];
  if (int64Ops.has(op)) return [DataType.INT64];
  if (op === "Cast") return [attr(node, "to")?.i?.toNumber()];
  if (op === "Where") return [input(1) ?? input(2)];
  if (fromSecondInput.has(op)) return [input(1)];
  if (op === "Constant") {
    const a = node.attribute[0];
    if (!a) return [undefined];
    if (a.t) return [a.t.dataType];
    if (a.name === "value_float" || a.name === "value_floats") return [DataType.FLOAT];
    if (a.name === "value_int" || a.name === "value_ints") return [DataType.INT64];
    return [undefined];
  }
  if (op === "ConstantOfShape") return [attr(node, "value")?.t?.dataType ?? DataType.FLOAT];
  if (op === "DynamicQuantizeLinear") return [DataType.UINT8, DataType.FLOAT, DataType.UINT8];
  if (op === "MatMulInteger" || op === "ConvInteger") return [DataType.INT32];
  if (op === "QuantizeLinear") return [input(2) ?? DataType.UINT8];
  if (op === "TopK") return [input(0), DataType.INT64];
  if (op === "OneHot") return [input(2)];
  if (op === "LayerNormalization") return [input(0), DataType.FLOAT, DataType.FLOAT];
  if (op === "EyeLike" || op.startsWith("Random"))
    return [attr(node, "dtype")?.i?.toNumber() ?? input(0) ?? DataType.FLOAT];
  const first = node.input.map((i) => types.get(i)).find((t) => t !== undefined);
  return node.output.map(() => first);
}

/** Element type of each value name (graph inputs, initializers, node outputs) that can be told. */
export function inferElemTypes(graph: GraphProto): Map<string, number> {
  const types = new Map<string, number>();
  for (const t of graph.initializer) if (t.dataType !== undefined) types.set(t.name ?? "", t.dataType);
  const declared = new Map<string, number>();
  for (const v of [...graph.input, ...graph.valueInfo, ...graph.output]) {
    const e = v.type?.tensorType?.elemType;
    if (e !== undefined && v.name) declared.set(v.name, e);
  }
  for (const v of graph.input) {
    const e = declared.get(v.name ?? "");
    if (e !== undefined) types.set(v.name ?? "", e);
  }
  for (const node of graph.node) {
    const inferred = outputTypes(node, types);
    node.output.forEach((o, i) => {
      if (!o) return;
      const t = declared.get(o) ?? inferred[i];
      if (t !== undefined) types.set(o, t);
    });
  }
  return types;
}
