// The calibration probe for static quantization: a copy of the model that also outputs every
// activation the static pass will quantize (the activation input of each MatMul/Gemm weight site,
// found the same way the pass finds them). Worker-safe: the caller runs the probe with whatever
// onnxruntime build it has (node, web, inside a Worker) and hands the outputs to ActivationRanges.
// A graph input cannot also be a graph output, so one read directly is passed through an Identity.

import { CompressionError } from "../graph/errors.ts";
import { indexGraph, makeNode, NameScope } from "../graph/graph.ts";
import { DataType } from "../onnx-io/data-types.ts";
import type { ModelProto, ValueInfoProto } from "../onnx-io/onnx-types.ts";
import { findWeightSites } from "../quantize/sites.ts";

export interface CalibrationTap {
  /** The activation's name in the model (the key of the static pass's `ranges`). */
  tensor: string;
  /** The probe's output that carries it. */
  output: string;
}

export interface CalibrationProbe {
  model: ModelProto;
  taps: CalibrationTap[];
}

export function staticCalibrationProbe(
  model: ModelProto,
  options: { exclude?: string[]; minElements?: number } = {},
): CalibrationProbe {
  const graph = model.graph;
  if (!graph) throw new CompressionError("invalid-model", "the model has no graph");
  const { sites } = findWeightSites(graph, indexGraph(graph), {
    exclude: options.exclude ?? [],
    minElements: options.minElements ?? 16,
  });
  const tensors = [...new Set(sites.map((s) => s.node.input[0] ?? ""))].filter(Boolean);
  if (tensors.length === 0)
    throw new CompressionError("unsupported", "no MatMul/Gemm with a constant weight to calibrate");
  const inputs = new Set(graph.input.map((i) => i.name));
  const outputs = new Set(graph.output.map((o) => o.name));
  const names = new NameScope(graph);
  const extraNodes = [];
  const taps: CalibrationTap[] = [];
  for (const tensor of tensors) {
    if (inputs.has(tensor)) {
      const output = names.fresh(`${tensor}_calibration`);
      extraNodes.push(
        makeNode("Identity", [tensor], [output], names.fresh(`${tensor}_calibration_Identity`)),
      );
      taps.push({ tensor, output });
    } else taps.push({ tensor, output: tensor });
  }
  const extraOutputs: ValueInfoProto[] = taps
    .filter((t) => !outputs.has(t.output))
    .map((t) => ({ name: t.output, type: { tensorType: { elemType: DataType.FLOAT } }, metadataProps: [] }));
  return {
    model: {
      ...model,
      graph: { ...graph, node: [...graph.node, ...extraNodes], output: [...graph.output, ...extraOutputs] },
    },
    taps,
  };
}
