// Graph check: config.json against the ONNX graph's inputs and outputs, once the session is
// created. A graph that does not fit its folder fails at load time with a ModelFolderError naming
// the graph input or output, not in the middle of a chat.
import { ModelFolderError } from "./errors";
import { kvOutputsOf, type KvOutputLayout } from "./kv-layout";
import type { ModelFolder } from "./model-folder";

export interface GraphValue {
  name: string;
  isTensor: boolean;
  type?: string;
  shape?: ReadonlyArray<number | string>;
}

export interface GraphSignature {
  inputNames: readonly string[];
  outputNames: readonly string[];
  inputMetadata?: readonly GraphValue[];
  outputMetadata?: readonly GraphValue[];
}

/** What the runner needs to know about a decoder graph. */
export interface DecoderGraph {
  hasPositionIds: boolean;
  /** Optimum's merged decoders take a boolean "use_cache_branch". */
  hasUseCacheBranch: boolean;
  kvType: "float32" | "float16";
  pastNames: string[];
  /** The KV outputs, in pastNames' order: present.* or present_new.* (see kvLayout). */
  presentNames: string[];
  /** Whole cache back every step ("present", Optimum) or only the new positions ("appended"). */
  kvLayout: KvOutputLayout;
}

export interface ClassifierGraph {
  hasTokenTypeIds: boolean;
}

const PAST = /^past_key_values\.(\d+)\.(key|value)$/;

function metadataOf(list: readonly GraphValue[] | undefined, name: string): GraphValue | undefined {
  return list?.find((m) => m.name === name);
}

/** Check a causal LM's graph against config.json; throws ModelFolderError naming the input. */
export function checkDecoderGraph(folder: ModelFolder, graph: GraphSignature): DecoderGraph {
  const shape = folder.decoder!;
  const fail = (message: string, input: string): never => {
    throw new ModelFolderError(folder.dir, folder.onnxFile, message, input);
  };
  for (const name of ["input_ids", "attention_mask"])
    if (!graph.inputNames.includes(name))
      fail(`graph has no input "${name}" (inputs: ${graph.inputNames.join(", ")})`, name);
  if (!graph.outputNames.includes("logits"))
    fail(`graph has no output "logits" (outputs: ${graph.outputNames.join(", ")})`, "logits");

  const known = new Set(["input_ids", "attention_mask", "position_ids", "use_cache_branch"]);
  const pastLayers = new Set<number>();
  for (const name of graph.inputNames) {
    const m = PAST.exec(name);
    if (m) pastLayers.add(Number(m[1]));
    else if (!known.has(name)) fail(`graph input "${name}" is not one Loom knows how to feed`, name);
  }
  if (pastLayers.size === 0)
    fail(
      `graph has no "past_key_values.N.key|value" inputs: export it with past (optimum task text-generation-with-past)`,
      "past_key_values.0.key",
    );
  if (pastLayers.size !== shape.numLayers)
    fail(
      `graph has ${pastLayers.size} layers of past_key_values but config.json says num_hidden_layers = ${shape.numLayers}`,
      `past_key_values.${Math.min(pastLayers.size, shape.numLayers)}.key`,
    );

  const kvOutputs = kvOutputsOf(graph.outputNames, shape.numLayers);
  if ("missing" in kvOutputs) fail(`graph has no output "${kvOutputs.missing}"`, kvOutputs.missing);
  const { layout: kvLayout, names: presentNames } = kvOutputs as Exclude<typeof kvOutputs, { missing: string }>;
  const pastNames: string[] = [];
  let kvType: "float32" | "float16" | undefined;
  for (let i = 0; i < shape.numLayers; i++) {
    for (const kind of ["key", "value"]) {
      const past = `past_key_values.${i}.${kind}`;
      if (!graph.inputNames.includes(past)) fail(`graph has no input "${past}"`, past);
      pastNames.push(past);
      const meta = metadataOf(graph.inputMetadata, past);
      if (meta && meta.isTensor) {
        if (meta.type !== "float32" && meta.type !== "float16")
          fail(`input "${past}" has type ${meta.type}; Loom supports float32 and float16 caches`, past);
        kvType ??= meta.type as "float32" | "float16";
        const dims = meta.shape ?? [];
        if (dims.length !== 4)
          fail(`input "${past}" has rank ${dims.length}, expected 4 [batch, kv_heads, past, head_dim]`, past);
        if (typeof dims[1] === "number" && dims[1] !== shape.numKvHeads)
          fail(
            `input "${past}" has ${dims[1]} key/value heads but config.json gives num_key_value_heads = ${shape.numKvHeads}`,
            past,
          );
        if (typeof dims[3] === "number" && dims[3] !== shape.headDim)
          fail(
            `input "${past}" has head size ${dims[3]} but config.json gives head_dim = ${shape.headDim} (hidden_size / num_attention_heads or head_dim)`,
            past,
          );
      }
    }
  }
  const logits = metadataOf(graph.outputMetadata, "logits");
  const vocabDim = logits?.shape?.[logits.shape.length - 1];
  if (typeof vocabDim === "number" && vocabDim !== shape.vocabSize)
    fail(`output "logits" has ${vocabDim} classes but config.json says vocab_size = ${shape.vocabSize}`, "logits");
  return {
    hasPositionIds: graph.inputNames.includes("position_ids"),
    hasUseCacheBranch: graph.inputNames.includes("use_cache_branch"),
    kvType: kvType ?? "float32",
    pastNames,
    presentNames,
    kvLayout,
  };
}

/** Check a sequence classifier's graph against config.json. */
export function checkClassifierGraph(folder: ModelFolder, graph: GraphSignature): ClassifierGraph {
  const fail = (message: string, input: string): never => {
    throw new ModelFolderError(folder.dir, folder.onnxFile, message, input);
  };
  if (!graph.inputNames.includes("input_ids"))
    fail(`graph has no input "input_ids" (inputs: ${graph.inputNames.join(", ")})`, "input_ids");
  const known = new Set(["input_ids", "attention_mask", "token_type_ids"]);
  for (const name of graph.inputNames)
    if (!known.has(name)) fail(`graph input "${name}" is not one Loom knows how to feed to a classifier`, name);
  if (!graph.outputNames.includes("logits"))
    fail(`graph has no output "logits" (outputs: ${graph.outputNames.join(", ")})`, "logits");
  const logits = metadataOf(graph.outputMetadata, "logits");
  const classes = logits?.shape?.[logits.shape.length - 1];
  if (typeof classes === "number" && classes !== folder.labels!.length)
    fail(`output "logits" has ${classes} classes but config.json's id2label has ${folder.labels!.length}`, "logits");
  return { hasTokenTypeIds: graph.inputNames.includes("token_type_ids") };
}
