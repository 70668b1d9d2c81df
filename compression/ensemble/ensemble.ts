// Ensembles: several compatible models (the same graph inputs and outputs: names, element types,
// shapes) merged into one ONNX graph whose outputs are the element-wise mean of the members'
// outputs (ONNX Mean). Every member keeps its own nodes and weights under a name prefix
// ("m0/", "m1/"…), all of them read the same graph inputs, and the model runs in one session,
// so one file and one call serve what needed several. No library merges ONNX graphs in JS
// (onnx.compose is Python and only chains graphs), hence this module.
import Long from "long";
import { makeNode } from "../graph/graph.ts";
import { upgradeOpset } from "../graph/opset.ts";
import { DataType, elementTypeName } from "../onnx-io/data-types.ts";
import type {
  AttributeProto,
  FunctionProto,
  GraphProto,
  ModelProto,
  NodeProto,
  TensorProto,
  TypeProto,
  ValueInfoProto,
} from "../onnx-io/onnx-types.ts";

export class EnsembleError extends Error {
  override name = "EnsembleError";
}

/** Element types ONNX Mean accepts. */
const meanTypes = new Set<number>([DataType.FLOAT, DataType.FLOAT16, DataType.DOUBLE, DataType.BFLOAT16]);

function describeType(t: TypeProto | undefined): string {
  const tt = t?.tensorType;
  if (!tt) return "a non-tensor type";
  const dims = tt.shape
    ? `[${tt.shape.dim.map((d) => (d.dimValue !== undefined ? d.dimValue.toString() : d.dimParam || "?")).join(", ")}]`
    : "(any shape)";
  return `${elementTypeName(tt.elemType ?? 0)} ${dims}`;
}

/** Same element type and rank; fixed dims equal; a symbolic dim matches any symbolic dim. */
function sameType(a: TypeProto | undefined, b: TypeProto | undefined): boolean {
  const x = a?.tensorType;
  const y = b?.tensorType;
  if (!x || !y || x.elemType !== y.elemType) return false;
  if (!x.shape || !y.shape) return !x.shape && !y.shape;
  if (x.shape.dim.length !== y.shape.dim.length) return false;
  return x.shape.dim.every((d, i) => {
    const e = y.shape?.dim[i];
    const fixed = d.dimValue !== undefined;
    if (fixed !== (e?.dimValue !== undefined)) return false;
    return !fixed || d.dimValue?.equals(e?.dimValue ?? 0) === true;
  });
}

/** Graph inputs fed at run time (an initializer listed as an input is a member's constant). */
function runtimeInputs(graph: GraphProto): ValueInfoProto[] {
  const inits = new Set(graph.initializer.map((t) => t.name));
  return graph.input.filter((i) => !inits.has(i.name));
}

function checkCompatible(models: readonly ModelProto[]): void {
  const first = models[0]?.graph as GraphProto;
  const inputs = runtimeInputs(first);
  models.forEach((m, i) => {
    if (i === 0) return;
    const g = m.graph as GraphProto;
    const own = runtimeInputs(g);
    const names = (vs: ValueInfoProto[]) => vs.map((v) => v.name).join(", ");
    if (names(own) !== names(inputs))
      throw new EnsembleError(
        `member ${i} is not compatible with member 0: inputs (${names(own)}) differ from (${names(inputs)})`,
      );
    own.forEach((v, k) => {
      const ref = inputs[k] as ValueInfoProto;
      if (!sameType(v.type, ref.type))
        throw new EnsembleError(
          `member ${i} is not compatible with member 0: input ${v.name} is ${describeType(v.type)}, not ${describeType(ref.type)}`,
        );
    });
    if (names(g.output) !== names(first.output))
      throw new EnsembleError(
        `member ${i} is not compatible with member 0: outputs (${names(g.output)}) differ from (${names(first.output)})`,
      );
    g.output.forEach((v, k) => {
      const ref = first.output[k] as ValueInfoProto;
      if (!sameType(v.type, ref.type))
        throw new EnsembleError(
          `member ${i} is not compatible with member 0: output ${v.name} is ${describeType(v.type)}, not ${describeType(ref.type)}`,
        );
    });
  });
  for (const o of first.output) {
    const t = o.type?.tensorType?.elemType ?? 0;
    if (!meanTypes.has(t))
      throw new EnsembleError(
        `output ${o.name} is ${elementTypeName(t)}: only float outputs can be averaged (float, float16, double, bfloat16)`,
      );
  }
}

/** Renames every value, node and initializer in a graph (and its subgraphs) except `keep`. */
class Renamer {
  constructor(
    private readonly prefix: string,
    private readonly keep: ReadonlySet<string>,
  ) {}

  name = (n: string): string => (n === "" || this.keep.has(n) ? n : `${this.prefix}${n}`);

  private tensor = (t: TensorProto): TensorProto => ({ ...t, name: this.name(t.name ?? "") });
  private value = (v: ValueInfoProto): ValueInfoProto => ({ ...v, name: this.name(v.name ?? "") });

  private attribute = (a: AttributeProto): AttributeProto => ({
    ...a,
    g: a.g && this.graph(a.g),
    graphs: a.graphs.map(this.graph),
  });

  private node = (n: NodeProto): NodeProto => ({
    ...n,
    name: n.name ? `${this.prefix}${n.name}` : n.name,
    input: n.input.map(this.name),
    output: n.output.map(this.name),
    attribute: n.attribute.map(this.attribute),
  });

  graph = (g: GraphProto): GraphProto => ({
    ...g,
    node: g.node.map(this.node),
    initializer: g.initializer.map(this.tensor),
    sparseInitializer: g.sparseInitializer.map((s) => ({ ...s, values: s.values && this.tensor(s.values) })),
    input: g.input.map(this.value),
    output: g.output.map(this.value),
    valueInfo: g.valueInfo.map(this.value),
  });
}

function functionKey(f: FunctionProto): string {
  return `${f.domain ?? ""}:${f.name ?? ""}:${f.overload ?? ""}`;
}

function stableJson(value: unknown): string {
  return JSON.stringify(value, (_k, v) =>
    Long.isLong(v) ? v.toString() : v instanceof Uint8Array ? Array.from(v) : v,
  );
}

export interface EnsembleOptions {
  /** Name prefix of each member's nodes and values; default "m0/", "m1/"… */
  prefixes?: string[];
  graphName?: string;
}

/** One model whose outputs are the mean of the members' outputs on the same inputs. */
export function ensembleModels(members: readonly ModelProto[], options: EnsembleOptions = {}): ModelProto {
  if (members.length < 2)
    throw new EnsembleError(`an ensemble needs at least 2 models, got ${members.length}`);
  members.forEach((m, i) => {
    if (!m.graph) throw new EnsembleError(`member ${i} has no graph`);
  });
  const prefixes = options.prefixes ?? members.map((_, i) => `m${i}/`);
  if (
    prefixes.length !== members.length ||
    new Set(prefixes).size !== prefixes.length ||
    prefixes.includes("")
  )
    throw new EnsembleError("give one distinct, non-empty prefix per member");
  checkCompatible(members);

  // One default-domain opset for all: members below the highest are raised to it (refused,
  // with the operator named, when an operator changed meaning in between).
  const defaultVersion = (m: ModelProto) =>
    m.opsetImport.find((o) => (o.domain ?? "") === "" || o.domain === "ai.onnx")?.version?.toNumber() ?? 0;
  const target = Math.max(...members.map(defaultVersion));
  const aligned = members.map((m) => (defaultVersion(m) < target ? upgradeOpset(m, target) : m));

  const first = aligned[0]?.graph as GraphProto;
  const shared = new Set(runtimeInputs(first).map((i) => i.name ?? ""));
  const nodes: NodeProto[] = [];
  const initializer: TensorProto[] = [];
  const sparseInitializer: GraphProto["sparseInitializer"] = [];
  const valueInfo: ValueInfoProto[] = [];
  const memberOutputs: string[][] = first.output.map(() => []);
  aligned.forEach((m, i) => {
    const renamer = new Renamer(prefixes[i] as string, shared);
    const g = renamer.graph(m.graph as GraphProto);
    nodes.push(...g.node);
    initializer.push(...g.initializer);
    sparseInitializer.push(...g.sparseInitializer);
    valueInfo.push(...g.valueInfo);
    g.output.forEach((o, k) => {
      memberOutputs[k]?.push(o.name ?? "");
      valueInfo.push(o);
    });
  });
  first.output.forEach((o, k) => {
    nodes.push(makeNode("Mean", memberOutputs[k] as string[], [o.name ?? ""], `ensemble/${o.name}_Mean`));
  });

  const opsets = new Map<string, number>();
  const functions = new Map<string, FunctionProto>();
  for (const m of aligned) {
    for (const o of m.opsetImport) {
      const domain = o.domain === "ai.onnx" ? "" : (o.domain ?? "");
      opsets.set(domain, Math.max(opsets.get(domain) ?? 0, o.version?.toNumber() ?? 0));
    }
    for (const f of m.functions) {
      const key = functionKey(f);
      const seen = functions.get(key);
      if (seen && stableJson(seen) !== stableJson(f))
        throw new EnsembleError(`members define different model-local functions named ${key}`);
      functions.set(key, f);
    }
  }
  const irVersion = Math.max(...aligned.map((m) => m.irVersion?.toNumber() ?? 0));
  const base = aligned[0] as ModelProto;
  return {
    ...base,
    irVersion: Long.fromNumber(irVersion),
    producerName: "edgetune-ensemble",
    opsetImport: [...opsets].map(([domain, version]) => ({ domain, version: Long.fromNumber(version) })),
    functions: [...functions.values()],
    metadataProps: [{ key: "edgetune.ensemble.members", value: String(members.length) }],
    graph: {
      ...first,
      name: options.graphName ?? "ensemble",
      node: nodes,
      initializer,
      sparseInitializer,
      input: runtimeInputs(first),
      output: first.output,
      valueInfo,
    },
  };
}
