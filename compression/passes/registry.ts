// Recipe step names → passes. Adding a technique = adding its module and one line here.
import { convertFp16 } from "./convert-fp16.ts";
import type { CompressionPass } from "./pass.ts";
import { quantize4bit } from "./quantize-4bit.ts";
import { quantizeDynamicInt8 } from "./quantize-dynamic-int8.ts";
import { quantizeWeight8bit } from "./quantize-weight-8bit.ts";

export const passes: readonly CompressionPass[] = [
  quantizeDynamicInt8,
  quantizeWeight8bit,
  quantize4bit,
  convertFp16,
];

/** The pass a recipe step names, or undefined. */
export function findPass(name: string): CompressionPass | undefined {
  return passes.find((p) => p.name === name);
}

export function passNames(): string[] {
  return passes.map((p) => p.name);
}
