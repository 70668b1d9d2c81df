// Recipe step names → passes. Adding a technique = adding its module and one line here.
import { compactNames } from "./compact-names.ts";
import { convertFp16 } from "./convert-fp16.ts";
import { nmPrune } from "./nm-prune.ts";
import type { CompressionPass } from "./pass.ts";
import { pruneImportance } from "./prune-importance.ts";
import { pruneMagnitude } from "./prune-magnitude.ts";
import { quantize4bit } from "./quantize-4bit.ts";
import { quantizeDynamicInt8 } from "./quantize-dynamic-int8.ts";
import { quantizeEmbedding } from "./quantize-embedding.ts";
import { quantizeDynamicFixedPoint } from "./quantize-fixed-point.ts";
import { quantizeStaticInt8 } from "./quantize-static-int8.ts";
import { quantizeTernary } from "./quantize-ternary.ts";
import { quantizeWeight8bit } from "./quantize-weight-8bit.ts";
import { structuredFfn } from "./structured-ffn.ts";
import { structuredHeads } from "./structured-heads.ts";

export const passes: readonly CompressionPass[] = [
  quantizeDynamicInt8,
  quantizeStaticInt8,
  quantizeWeight8bit,
  quantize4bit,
  quantizeTernary,
  quantizeDynamicFixedPoint,
  quantizeEmbedding,
  convertFp16,
  pruneMagnitude,
  pruneImportance,
  nmPrune,
  structuredFfn,
  structuredHeads,
  compactNames,
];

/** The pass a recipe step names, or undefined. */
export function findPass(name: string): CompressionPass | undefined {
  return passes.find((p) => p.name === name);
}

export function passNames(): string[] {
  return passes.map((p) => p.name);
}
