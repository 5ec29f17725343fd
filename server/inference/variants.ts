// Which ONNX file of a model folder to load. Exports come with several precisions side by side
// (transformers.js / Optimum names: model.onnx, model_fp16.onnx, model_int8.onnx or
// model_quantized.onnx, model_uint8.onnx, model_q4.onnx, model_q4f16.onnx); the one loaded is the
// best for the device asked for, unless config.json names one (`"loom": {"onnx_variant": "q4"}`).
//
// Order by device (docs/decisions/033-decoder-families-and-onnx-variants.md):
//   cpu / auto    fp32 → int8 → uint8 → q4 → fp16 → q4f16
//                 (full precision first: it is the golden-exact one and the CPU provider's
//                 fastest kernels are fp32 and int8; float16 arithmetic on a CPU is emulated)
//   cuda / webgpu fp16 → fp32 → q4f16 → q4 → int8 → uint8
//                 (half precision is what GPUs are fast at and halves the memory)
// "auto" takes the CPU order: a graph that runs everywhere, whichever device the session ends on.

import { existsSync } from "node:fs";
import path from "node:path";
import { ModelFolderError } from "./errors";
import type { DeviceSetting } from "./session";

export const ONNX_VARIANTS = ["fp32", "fp16", "int8", "quantized", "uint8", "q4", "q4f16"] as const;
export type OnnxVariant = (typeof ONNX_VARIANTS)[number];

/** The file each variant is stored in, under onnx/. "int8" is also found as model_quantized.onnx. */
const FILES: Record<OnnxVariant, readonly string[]> = {
  fp32: ["model.onnx"],
  fp16: ["model_fp16.onnx"],
  int8: ["model_int8.onnx", "model_quantized.onnx"],
  quantized: ["model_quantized.onnx"],
  uint8: ["model_uint8.onnx"],
  q4: ["model_q4.onnx"],
  q4f16: ["model_q4f16.onnx"],
};

const CPU_ORDER: readonly OnnxVariant[] = ["fp32", "int8", "uint8", "q4", "fp16", "q4f16"];
const GPU_ORDER: readonly OnnxVariant[] = ["fp16", "fp32", "q4f16", "q4", "int8", "uint8"];

export function variantOrder(device: DeviceSetting): readonly OnnxVariant[] {
  return device === "cuda" || device === "webgpu" ? GPU_ORDER : CPU_ORDER;
}

export interface ChosenVariant {
  variant: OnnxVariant;
  /** Relative to the folder, "/"-separated: "onnx/model_q4.onnx". */
  file: string;
  /** Why this one: "config.json loom.onnx_variant" or "first present for cpu (fp32 → int8 → …)". */
  reason: string;
}

function isVariant(value: unknown): value is OnnxVariant {
  return typeof value === "string" && (ONNX_VARIANTS as readonly string[]).includes(value);
}

function present(dir: string, variant: OnnxVariant): string | undefined {
  return FILES[variant].map((f) => `onnx/${f}`).find((f) => existsSync(path.join(dir, f)));
}

/** The variants present in the folder, in no particular order (for Admin and messages). */
export function presentVariants(dir: string): OnnxVariant[] {
  return ONNX_VARIANTS.filter((v) => v !== "quantized" && present(dir, v) !== undefined);
}

/** config.json's `loom.onnx_variant`, checked; undefined when not set. */
export function declaredVariant(dir: string, config: Record<string, unknown>): OnnxVariant | undefined {
  const loom = config.loom;
  if (typeof loom !== "object" || loom === null || !("onnx_variant" in loom)) return undefined;
  const value = (loom as { onnx_variant?: unknown }).onnx_variant;
  if (!isVariant(value))
    throw new ModelFolderError(
      dir,
      "config.json",
      `"loom.onnx_variant" is ${JSON.stringify(value)}; expected one of ${ONNX_VARIANTS.join(", ")}`,
      "loom.onnx_variant",
    );
  return value;
}

/**
 * The file to load for `device`: the declared variant (which must be there), else the first
 * present in the device's order. Throws a ModelFolderError naming what was looked for.
 */
export function chooseVariant(
  dir: string,
  config: Record<string, unknown>,
  device: DeviceSetting = "cpu",
): ChosenVariant {
  const declared = declaredVariant(dir, config);
  if (declared) {
    const file = present(dir, declared);
    if (!file)
      throw new ModelFolderError(
        dir,
        `onnx/${FILES[declared][0]}`,
        `file is missing: config.json's "loom.onnx_variant" asks for ${declared} (${FILES[declared].map((f) => `onnx/${f}`).join(" or ")}); present: ${presentVariants(dir).join(", ") || "none"}`,
        "loom.onnx_variant",
      );
    return { variant: declared, file, reason: `config.json loom.onnx_variant = ${declared}` };
  }
  const order = variantOrder(device);
  for (const variant of order) {
    const file = present(dir, variant);
    if (file) return { variant, file, reason: `first present for ${device} (${order.join(" → ")})` };
  }
  const looked = order.flatMap((v) => FILES[v]).map((f) => `onnx/${f}`);
  throw new ModelFolderError(dir, "onnx/model.onnx", `file is missing (looked for ${[...new Set(looked)].join(", ")})`);
}
