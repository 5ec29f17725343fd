// The engine through the AI SDK: streamText / generateText from `ai` on the fixture model.

import assert from "node:assert/strict";
import { cpSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { after, before, describe, it } from "node:test";
import { generateText, streamText, type ModelMessage } from "ai";
import { loadCausalLM } from "./engine";
import type { GenerationEvent, LoadedCausalLM } from "./loaded-model";
import { createLoomLanguageModel } from "./provider";
import { fixtureMissing, tinyLlamaDir } from "./test-helpers";

type Finish = Extract<GenerationEvent, { type: "finish" }>;
const quiet = { logger: { info() {}, warn() {} }, session: { device: "cpu" as const } };

async function engineRun(
  model: LoadedCausalLM,
  messages: Array<{ role: "system" | "user" | "assistant"; content: string }>,
  maxNewTokens: number,
) {
  let finish: Finish | undefined;
  for await (const e of model.generate({ messages, maxNewTokens })) if (e.type === "finish") finish = e;
  return finish!;
}

describe("AI SDK provider", { skip: fixtureMissing(tinyLlamaDir) }, () => {
  let model: LoadedCausalLM;
  const temps: string[] = [];
  before(async () => {
    model = await loadCausalLM(tinyLlamaDir, quiet);
  });
  after(async () => {
    await model?.dispose();
    for (const t of temps) rmSync(t, { recursive: true, force: true });
  });

  const messages: ModelMessage[] = [
    { role: "system", content: "You are a weaver." },
    { role: "user", content: "Hello! 你好" },
  ];
  const plain = [
    { role: "system" as const, content: "You are a weaver." },
    { role: "user" as const, content: "Hello! 你好" },
  ];

  it("streamText: deltas concatenate to the engine's output; usage and finish reason are honest", async () => {
    const reference = await engineRun(model, plain, 16);
    const result = streamText({ model: createLoomLanguageModel(model), messages, maxOutputTokens: 16 });
    const deltas: string[] = [];
    for await (const d of result.textStream) deltas.push(d);
    assert.ok(deltas.length > 1, "the text arrives in several deltas");
    assert.equal(deltas.join(""), reference.text);
    const usage = await result.usage;
    assert.equal(usage.inputTokens, model.encodePrompt({ messages: plain }).length);
    assert.equal(usage.inputTokens, reference.promptTokens);
    assert.equal(usage.outputTokens, 16);
    assert.equal(usage.outputTokens, reference.tokenIds.length);
    assert.equal(usage.totalTokens, reference.promptTokens + 16);
    assert.equal(await result.finishReason, "length");
    const meta = (await result.providerMetadata)?.loom;
    assert.ok(meta && typeof meta.timeToFirstTokenMs === "number" && typeof meta.tokensPerSecond === "number");
  });

  it("finish reason stop on an end-of-sequence token, which is counted but not shown", async () => {
    // A copy of the fixture whose generation_config declares the 4th greedy token as EOS.
    const reference = await engineRun(model, plain, 8);
    const eos = reference.tokenIds[3]!;
    const stopAt = reference.tokenIds.indexOf(eos);
    const root = mkdtempSync(path.join(os.tmpdir(), "loom-eos-"));
    temps.push(root);
    const dir = path.join(root, "tiny-llama");
    cpSync(tinyLlamaDir, dir, { recursive: true });
    const genFile = path.join(dir, "generation_config.json");
    const gen = JSON.parse(readFileSync(genFile, "utf8"));
    writeFileSync(genFile, JSON.stringify({ ...gen, eos_token_id: [eos] }));
    const eosModel = await loadCausalLM(dir, quiet);
    try {
      const result = streamText({ model: createLoomLanguageModel(eosModel), messages, maxOutputTokens: 8 });
      const text = await result.text;
      assert.equal(await result.finishReason, "stop");
      assert.equal((await result.usage).outputTokens, stopAt + 1);
      assert.equal(text, eosModel.tokenizer.decode(reference.tokenIds.slice(0, stopAt)));
    } finally {
      await eosModel.dispose();
    }
  });

  it("finish reason stop on a stop sequence", async () => {
    const reference = await engineRun(model, plain, 20);
    const stop = reference.text.slice(4, 6);
    const { text, finishReason } = await generateText({
      model: createLoomLanguageModel(model),
      messages,
      maxOutputTokens: 20,
      stopSequences: [stop],
    });
    assert.equal(finishReason, "stop");
    assert.equal(text, reference.text.slice(0, reference.text.indexOf(stop)));
  });

  it("generateText returns the same text and usage", async () => {
    const reference = await engineRun(model, plain, 10);
    const result = await generateText({ model: createLoomLanguageModel(model), messages, maxOutputTokens: 10 });
    assert.equal(result.text, reference.text);
    assert.equal(result.usage.outputTokens, 10);
    assert.equal(result.finishReason, "length");
  });

  it("an abortSignal stops the generation and frees the slot", async () => {
    const controller = new AbortController();
    const before = model.stats().aborted;
    let aborted = false;
    const result = streamText({
      model: createLoomLanguageModel(model),
      messages,
      maxOutputTokens: 200,
      providerOptions: { loom: { ignoreEos: true } },
      abortSignal: controller.signal,
      onAbort: () => {
        aborted = true;
      },
    });
    let n = 0;
    try {
      for await (const _ of result.textStream) if (++n === 2) controller.abort();
    } catch {
      // depending on timing the stream may end with the abort error
    }
    assert.ok(aborted, "streamText reported the abort");
    assert.equal(model.stats().aborted, before + 1);
    assert.equal(model.stats().active, 0);
  });

  it("maps sampling settings; warns about what a local text model cannot do", async () => {
    const lm = createLoomLanguageModel(model);
    const { request, warnings } = lm.toRequest({
      prompt: [
        {
          role: "user",
          content: [
            { type: "text", text: "hi" },
            { type: "file", data: "AAAA", mediaType: "image/png" },
          ],
        },
      ],
      temperature: 0.7,
      topP: 0.9,
      topK: 40,
      seed: 3,
      frequencyPenalty: 0.5,
      presencePenalty: 0.2,
      maxOutputTokens: 33,
      responseFormat: { type: "json" },
      providerOptions: { loom: { repetitionPenalty: 1.1 } },
    });
    assert.deepEqual(
      { ...request, signal: undefined },
      {
        messages: [{ role: "user", content: "hi" }],
        maxNewTokens: 33,
        temperature: 0.7,
        topK: 40,
        topP: 0.9,
        seed: 3,
        stopSequences: undefined,
        frequencyPenalty: 0.5,
        presencePenalty: 0.2,
        repetitionPenalty: 1.1,
        timeoutMs: undefined,
        ignoreEos: undefined,
        signal: undefined,
      },
    );
    assert.deepEqual(warnings.map((w) => (w.type === "unsupported" ? w.feature : w.type)).sort(), [
      "file parts",
      "responseFormat",
    ]);
    // Seeded sampling through the provider is reproducible.
    const a = await generateText({ model: lm, prompt: "Once", maxOutputTokens: 12, temperature: 1, seed: 5 });
    const b = await generateText({ model: lm, prompt: "Once", maxOutputTokens: 12, temperature: 1, seed: 5 });
    assert.equal(a.text, b.text);
  });
});
