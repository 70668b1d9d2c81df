// Finds the blocks structured pruning can shrink — transformer FFNs (up-projection → elementwise
// activation → down-projection) and multi-head attention (Q/K/V projections reshaped into heads,
// context re-merged into an output projection) — in exported ONNX graphs, by following data flow
// rather than node names, so the legacy TorchScript and the dynamo exports both match. Also the
// slicing that removes neurons: weight columns/rows, biases, and the shape constants that name the
// removed dimension (e.g. GPT-2's Reshape to (batch, seq, 128), or a constant head count).
import {
  type ConstantSource,
  dimsOf,
  floatValues,
  type GraphEditor,
  intValues,
  type LinearWeight,
  type ResolvedConstant,
  withFloatValues,
  withInt64Values,
} from "./graph.ts";

/** A bias added to a projection's output: Gemm's C input, or an Add with a constant [out] vector. */
export interface Bias {
  node: import("../onnx-io/onnx-types.ts").NodeProto;
  inputIndex: number;
  constant: ResolvedConstant;
}

/** A shape-carrying constant whose entry `index` must follow a dimension that shrinks. */
export interface ShapeSlot {
  node: import("../onnx-io/onnx-types.ts").NodeProto;
  inputIndex: number;
  constant: ResolvedConstant;
  index: number;
  /** "size": the entry holds the dimension itself; "heads": it holds the head count. */
  role: "size" | "heads";
}

export interface Projection {
  weight: LinearWeight;
  bias?: Bias;
  /** The value after the bias (or the MatMul output when there is none). */
  output: string;
  outDim: number;
  inDim: number;
}

const ELEMENTWISE = new Set([
  "Add",
  "Sub",
  "Mul",
  "Div",
  "Pow",
  "Erf",
  "Tanh",
  "Sigmoid",
  "Relu",
  "LeakyRelu",
  "Elu",
  "Selu",
  "Gelu",
  "HardSigmoid",
  "HardSwish",
  "Softplus",
  "Sqrt",
  "Neg",
  "Exp",
  "Abs",
  "Clip",
  "Cast",
  "Identity",
  "FastGelu",
  "QuickGelu",
  "BiasGelu",
]);

function linearDims(w: LinearWeight): { inDim: number; outDim: number } {
  const [a, b] = w.dims;
  return w.transposed ? { inDim: b, outDim: a } : { inDim: a, outDim: b };
}

function singleConsumer(editor: GraphEditor, value: string) {
  const c = editor.consumers.get(value) ?? [];
  return c.length === 1 && !editor.isGraphOutput(value) ? c[0] : undefined;
}

/** The projection of a linear weight with its bias, if one follows. */
export function projectionOf(editor: GraphEditor, weight: LinearWeight): Projection {
  const { inDim, outDim } = linearDims(weight);
  const node = weight.node;
  let output = node.output[0] ?? "";
  let bias: Bias | undefined;
  if (node.opType === "Gemm" && node.input[2]) {
    const c = editor.resolve(node.input[2]);
    if (c && dimsOf(c.tensor).join() === String(outDim)) bias = { node, inputIndex: 2, constant: c };
  } else {
    const add = singleConsumer(editor, output);
    if (add?.opType === "Add") {
      const other = add.input[0] === output ? 1 : 0;
      const c = editor.resolve(add.input[other] ?? "");
      if (c && dimsOf(c.tensor).join() === String(outDim)) {
        bias = { node: add, inputIndex: other, constant: c };
        output = add.output[0] ?? "";
      }
    }
  }
  return bias ? { weight, bias, output, outDim, inDim } : { weight, output, outDim, inDim };
}

function isScalar(editor: GraphEditor, value: string): boolean {
  const c = editor.resolve(value);
  return c !== undefined && dimsOf(c.tensor).reduce((a, b) => a * b, 1) === 1;
}

/**
 * The shape entries of a Reshape's target that hold `dim` in its last position, whether the shape is
 * one constant or a Concat of pieces (as the legacy exporter builds it). Returns [] when the entry
 * needs no change — it is -1 (inferred) or computed at run time (legacy exports read it back with
 * Shape of the tensor itself) — and undefined when it is a constant naming some other size.
 */
export function lastDimSlot(
  editor: GraphEditor,
  reshape: ShapeSlot["node"],
  dim: number,
): ShapeSlot[] | undefined {
  const shapeName = reshape.input[1] ?? "";
  const whole = editor.resolve(shapeName);
  if (whole) {
    const v = intValues(whole.tensor);
    const last = v[v.length - 1];
    if (last === -1) return [];
    if (last === dim)
      return [{ node: reshape, inputIndex: 1, constant: whole, index: v.length - 1, role: "size" }];
    return undefined;
  }
  const concat = editor.producers.get(shapeName);
  if (concat?.opType !== "Concat") return undefined;
  const lastInput = concat.input.length - 1;
  const piece = editor.resolve(concat.input[lastInput] ?? "");
  if (!piece) return [];
  const v = intValues(piece.tensor);
  if (v.length !== 1) return undefined;
  if (v[0] === -1) return [];
  if (v[0] === dim) return [{ node: concat, inputIndex: lastInput, constant: piece, index: 0, role: "size" }];
  return undefined;
}

export interface FfnBlock {
  up: Projection;
  down: Projection;
  /** Values between up and down whose last dimension is the intermediate size. */
  inner: string[];
  shapeSlots: ShapeSlot[];
}

/** Every up → elementwise activation → down chain whose intermediate size only those two touch. */
export function findFfnBlocks(editor: GraphEditor, weights: readonly LinearWeight[]): FfnBlock[] {
  const byNode = new Map(weights.map((w) => [w.node, w]));
  const blocks: FfnBlock[] = [];
  for (const w of weights) {
    const up = projectionOf(editor, w);
    const inner = new Set<string>([w.node.output[0] ?? "", up.output]);
    const shapeSlots: ShapeSlot[] = [];
    let down: Projection | undefined;
    let ok = true;
    const region: ShapeSlot["node"][] = [];
    const queue = [up.output];
    while (queue.length > 0 && ok) {
      const value = queue.shift() as string;
      if (editor.isGraphOutput(value)) ok = false;
      for (const c of editor.consumers.get(value) ?? []) {
        const lw = byNode.get(c);
        if (lw && c.input[0] === value) {
          const p = projectionOf(editor, lw);
          if (p.inDim !== up.outDim || (down && down.weight.node !== c)) ok = false;
          down = p;
          continue;
        }
        if (c.opType === "Shape") continue; // reads the run-time shape, follows by itself
        if (c.opType === "Reshape" && c.input[0] === value) {
          const slots = lastDimSlot(editor, c, up.outDim);
          if (!slots) ok = false;
          else shapeSlots.push(...slots);
        } else if (ELEMENTWISE.has(c.opType ?? "")) region.push(c);
        else ok = false;
        for (const o of c.output)
          if (!inner.has(o)) {
            inner.add(o);
            queue.push(o);
          }
      }
    }
    // every other operand of the activation must be a scalar constant (x·0.5, erf(x/√2)+1…)
    for (const c of region)
      for (const i of c.input) if (i && !inner.has(i) && !isScalar(editor, i)) ok = false;
    // a residual FFN maps hidden → intermediate → hidden (this also keeps pooler → classifier out)
    if (ok && down && down.weight.node !== w.node && down.outDim === up.inDim)
      blocks.push({ up, down, inner: [...inner], shapeSlots });
  }
  return blocks;
}

/** Copies of stored weight data keeping only some outputs (axis "out") or inputs (axis "in"). */
export function sliceWeight(
  w: LinearWeight,
  axis: "in" | "out",
  keep: readonly number[],
): { values: Float32Array; dims: number[] } {
  const v = floatValues(w.tensor);
  const [rows, cols] = w.dims;
  // stored [in,out] (MatMul) or [out,in] (Gemm transB): is the sliced axis the row axis?
  const rowAxis = (axis === "in") !== w.transposed;
  if (rowAxis) {
    const out = new Float32Array(keep.length * cols);
    keep.forEach((r, i) => {
      out.set(v.subarray(r * cols, (r + 1) * cols), i * cols);
    });
    return { values: out, dims: [keep.length, cols] };
  }
  const out = new Float32Array(rows * keep.length);
  for (let r = 0; r < rows; r++)
    keep.forEach((c, i) => {
      out[r * keep.length + i] = v[r * cols + c] as number;
    });
  return { values: out, dims: [rows, keep.length] };
}

/**
 * Points `node`'s input `index` at new data. An initializer or Constant used only there is changed in
 * place (so masks and reports still name it); anything shared or reached through Identity gets a
 * fresh initializer.
 */
export function replaceInput(
  editor: GraphEditor,
  node: ShapeSlot["node"],
  index: number,
  constant: ResolvedConstant,
  tensor: import("../onnx-io/onnx-types.ts").TensorProto,
): void {
  const input = node.input[index] ?? "";
  const src: ConstantSource = constant.source;
  const users = editor.consumers.get(input) ?? [];
  const own = users.length === 1 && users[0] === node;
  const direct = src.kind === "initializer" ? src.name === input : src.output === input;
  if (own && direct && (src.kind === "initializer" || editor.consumers.get(src.output)?.length === 1)) {
    editor.setConstant(src, tensor);
    return;
  }
  const base = src.kind === "initializer" ? src.name : src.output;
  const name = editor.addInitializer(`${base}_pruned`, tensor);
  editor.setNodeInput(node, index, name);
}

export function sliceBias(
  bias: Bias,
  keep: readonly number[],
): import("../onnx-io/onnx-types.ts").TensorProto {
  const v = floatValues(bias.constant.tensor);
  return withFloatValues(
    bias.constant.tensor,
    Float32Array.from(keep, (i) => v[i] as number),
    [keep.length],
  );
}

/** Rewrites one shape entry to a new value. */
export function setShapeSlot(editor: GraphEditor, slot: ShapeSlot, value: number): void {
  const v = intValues(slot.constant.tensor);
  v[slot.index] = value;
  replaceInput(editor, slot.node, slot.inputIndex, slot.constant, withInt64Values(slot.constant.tensor, v));
}

/** Euclidean norm of each output (axis "out") or input (axis "in") of a weight. */
export function lineNorms(w: LinearWeight, axis: "in" | "out"): Float64Array {
  const v = floatValues(w.tensor);
  const [rows, cols] = w.dims;
  const rowAxis = (axis === "in") !== w.transposed;
  const out = new Float64Array(rowAxis ? rows : cols);
  for (let r = 0; r < rows; r++)
    for (let c = 0; c < cols; c++) {
      const x = v[r * cols + c] as number;
      const k = rowAxis ? r : c;
      out[k] = (out[k] as number) + x * x;
    }
  return out.map(Math.sqrt);
}

/** One entry of a Reshape's target shape: its constant value (undefined if computed) and where it lives. */
interface ShapeEntry {
  value: number | undefined;
  slot?: Omit<ShapeSlot, "role">;
}

/** The entries of a Reshape's target shape, from one constant or a Concat of one-element pieces. */
function shapeEntries(editor: GraphEditor, reshape: ShapeSlot["node"]): ShapeEntry[] | undefined {
  const name = reshape.input[1] ?? "";
  const whole = editor.resolve(name);
  if (whole)
    return intValues(whole.tensor).map((value, index) => ({
      value,
      slot: { node: reshape, inputIndex: 1, constant: whole, index },
    }));
  const concat = editor.producers.get(name);
  if (concat?.opType !== "Concat") return undefined;
  const out: ShapeEntry[] = [];
  for (const [inputIndex, piece] of concat.input.entries()) {
    const c = editor.resolve(piece);
    if (!c) {
      out.push({ value: undefined }); // computed at run time (batch, sequence)
      continue;
    }
    const v = intValues(c.tensor);
    if (v.length !== 1) return undefined;
    out.push({ value: v[0], slot: { node: concat, inputIndex, constant: c, index: 0 } });
  }
  return out;
}

export interface AttentionBlock {
  q: Projection;
  k: Projection;
  v: Projection;
  o: Projection;
  heads: number;
  headDim: number;
  /** Shape entries that hold the head count ("heads") or heads × headDim ("size"). */
  slots: ShapeSlot[];
  /** Values whose head dimension shrinks (their shape annotations are dropped). */
  inner: string[];
}

const PASS_THROUGH = new Set(["Transpose", "Reshape", "Mul", "Div", "Cast", "Identity"]);

/**
 * Multi-head attention as PyTorch exports it: Q, K, V projections (+bias) each reshaped to
 * (batch, seq, heads, headDim), scores = Q·Kᵀ → Softmax → context = probs·V, re-merged by a Reshape
 * to (batch, seq, heads·headDim) and fed to the output projection. Found backwards from each output
 * projection. Fused QKV projections (GPT-2's c_attn + Split) are not matched.
 */
export function findAttentionBlocks(editor: GraphEditor, weights: readonly LinearWeight[]): AttentionBlock[] {
  const projections = new Map(weights.map((w) => [projectionOf(editor, w).output, w]));
  const blocks: AttentionBlock[] = [];
  const inner = new Set<string>();

  /** Walks back through reshapes/transposes/scalings to a projection; collects the 4-D head Reshape. */
  const backToProjection = (value: string) => {
    let current = value;
    let headReshape: ShapeSlot["node"] | undefined;
    for (let hops = 0; hops < 8; hops++) {
      const w = projections.get(current);
      if (w) return headReshape ? { projection: projectionOf(editor, w), headReshape } : undefined;
      const p = editor.producers.get(current);
      if (!p || !PASS_THROUGH.has(p.opType ?? "")) return undefined;
      if ((p.opType === "Mul" || p.opType === "Div") && !isScalar(editor, p.input[1] ?? "")) return undefined;
      if (p.opType === "Reshape") headReshape = p;
      inner.add(current);
      current = p.input[0] ?? "";
    }
    return undefined;
  };

  /** Breadth-first backwards from `value` over computed inputs to the first node of type `op`. */
  const findBack = (value: string, op: string, maxNodes: number) => {
    const queue = [value];
    const seen = new Set<string>();
    while (queue.length > 0 && seen.size < maxNodes) {
      const v = queue.shift() as string;
      if (seen.has(v)) continue;
      seen.add(v);
      const p = editor.producers.get(v);
      if (!p) continue;
      if (p.opType === op && (op !== "MatMul" || p.input.every((i) => !editor.resolve(i)))) return p;
      for (const i of p.input) if (i && !editor.resolve(i)) queue.push(i);
    }
    return undefined;
  };

  for (const ow of weights) {
    const o = projectionOf(editor, ow);
    inner.clear();
    const merges: ShapeSlot["node"][] = [];
    let current = ow.node.input[0] ?? "";
    let ctx: ShapeSlot["node"] | undefined;
    for (let hops = 0; hops < 6 && !ctx; hops++) {
      const p = editor.producers.get(current);
      if (!p) break;
      if (p.opType === "MatMul" && p.input.every((i) => !editor.resolve(i))) ctx = p;
      else if (p.opType === "Reshape" || p.opType === "Transpose") {
        if (p.opType === "Reshape") merges.push(p);
        inner.add(current);
        current = p.input[0] ?? "";
      } else break;
    }
    if (!ctx) continue;
    inner.add(ctx.output[0] ?? "");
    const v = backToProjection(ctx.input[1] ?? "");
    const softmax = findBack(ctx.input[0] ?? "", "Softmax", 8);
    const scores = softmax && findBack(softmax.input[0] ?? "", "MatMul", 8);
    const q = scores && backToProjection(scores.input[0] ?? "");
    const k = scores && backToProjection(scores.input[1] ?? "");
    if (!v || !q || !k) continue;
    const size = o.inDim;
    if ([q, k, v].some((x) => x.projection.outDim !== size)) continue;
    // head reshapes: (…, heads | -1, headDim)
    const slots: ShapeSlot[] = [];
    let headDim: number | undefined;
    let ok = true;
    for (const x of [q, k, v]) {
      const e = shapeEntries(editor, x.headReshape);
      const last = e?.[e.length - 1];
      const heads = e?.[e.length - 2];
      if (!e || !last?.slot || last.value === undefined || !heads) {
        ok = false;
        break;
      }
      if (headDim !== undefined && headDim !== last.value) ok = false;
      headDim = last.value;
      if (heads.value === undefined)
        ok = false; // computed head count: cannot follow it
      else if (heads.value !== -1 && heads.slot) slots.push({ ...heads.slot, role: "heads" });
    }
    if (!ok || !headDim || size % headDim !== 0) continue;
    for (const m of merges) {
      const e = shapeEntries(editor, m);
      const last = e?.[e.length - 1];
      if (!last) ok = false;
      else if (last.value === size && last.slot) slots.push({ ...last.slot, role: "size" });
      else if (last.value !== -1 && last.value !== undefined) ok = false;
    }
    if (!ok) continue;
    inner.add(q.projection.output);
    inner.add(k.projection.output);
    inner.add(v.projection.output);
    blocks.push({
      q: q.projection,
      k: k.projection,
      v: v.projection,
      o,
      heads: size / headDim,
      headDim,
      slots,
      inner: [...inner],
    });
  }
  return blocks;
}
