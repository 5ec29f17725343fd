import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { applyPenalties, argmax, createRandom, Sampler, sampleFromLogits, topKIndices } from "./sampler";

const logits = Float32Array.from([1.0, 3.0, 2.5, -1.0, 0.0, 2.9]);

describe("sampler", () => {
  it("greedy picks the largest logit, the first one on ties", () => {
    assert.equal(argmax(logits), 1);
    assert.equal(argmax(Float32Array.from([0, 5, 5, 1])), 1);
    assert.equal(new Sampler({}).sample(logits), 1);
    assert.equal(new Sampler({ temperature: 0 }).sample(logits), 1);
    // do_sample false in generation_config wins over a temperature from the same config
    assert.equal(new Sampler({ doSample: false, temperature: 5, seed: 1 }).sample(logits), 1);
  });

  it("the same seed gives the same draws; another seed other draws", () => {
    const draw = (seed: number) => {
      const s = new Sampler({ temperature: 1.5, seed });
      return Array.from({ length: 50 }, () => s.sample(logits));
    };
    assert.deepEqual(draw(42), draw(42));
    assert.notDeepEqual(draw(42), draw(43));
    const r = createRandom(7);
    for (let i = 0; i < 1000; i++) {
      const x = r();
      assert.ok(x >= 0 && x < 1);
    }
  });

  it("top-k only ever returns the k most likely tokens", () => {
    assert.deepEqual(topKIndices(logits, 3), [1, 5, 2]);
    const s = new Sampler({ temperature: 10, topK: 2, seed: 3 });
    const seen = new Set(Array.from({ length: 300 }, () => s.sample(logits)));
    assert.deepEqual([...seen].sort(), [1, 5]);
  });

  it("top-p keeps the smallest set reaching the mass", () => {
    // probabilities ≈ [0.9, 0.09, 0.01]: p = 0.5 keeps only the first
    const peaked = Float32Array.from([Math.log(0.9), Math.log(0.09), Math.log(0.01)]);
    const random = createRandom(5);
    for (let i = 0; i < 200; i++) assert.equal(sampleFromLogits(peaked, { temperature: 1, topP: 0.5 }, random), 0);
    const seen = new Set<number>();
    for (let i = 0; i < 2000; i++) seen.add(sampleFromLogits(peaked, { temperature: 1, topP: 0.95 }, random));
    assert.deepEqual([...seen].sort(), [0, 1]);
  });

  it("top-p without top-k chooses what sorting the whole vocabulary chooses", () => {
    // The reference: every index sorted, the shortest prefix reaching the mass, a draw from it.
    const reference = (row: Float32Array, temperature: number, topP: number, random: () => number) => {
      const order = Array.from(row, (_, i) => i).sort((a, b) => row[b]! - row[a]! || a - b);
      const weights = order.map((i) => Math.exp((row[i]! - row[order[0]!]!) / temperature));
      const total = weights.reduce((a, b) => a + b, 0);
      let keep = order.length;
      for (let j = 0, mass = 0; j < order.length; j++) {
        mass += weights[j]! / total;
        if (mass >= topP) {
          keep = j + 1;
          break;
        }
      }
      let r = random() * weights.slice(0, keep).reduce((a, b) => a + b, 0);
      for (let j = 0; j < keep; j++) if ((r -= weights[j]!) < 0) return order[j]!;
      return order[keep - 1]!;
    };
    const shape = createRandom(99);
    for (let trial = 0; trial < 300; trial++) {
      // Flat, peaked and tied rows: scale 0.1 to 20, a few repeated values, vocabulary 2 to 4096.
      const vocab = 2 + Math.floor(shape() * 4095);
      const scale = 0.1 + shape() * 20;
      const tied = trial % 2 === 0;
      const row = Float32Array.from({ length: vocab }, () =>
        tied ? Math.round(shape() * 8) * 0.25 * scale : shape() * scale,
      );
      const temperature = 0.2 + shape() * 1.5;
      const topP = 0.05 + shape() * 0.94;
      const [a, b] = [createRandom(trial), createRandom(trial)];
      for (let draw = 0; draw < 5; draw++) {
        assert.equal(sampleFromLogits(row, { temperature, topP }, a), reference(row, temperature, topP, b));
      }
    }
  });

  it("sampling frequencies follow the softmax", () => {
    const two = Float32Array.from([0, Math.log(3)]); // p = 0.25 / 0.75
    const random = createRandom(11);
    let ones = 0;
    const n = 20000;
    for (let i = 0; i < n; i++) ones += sampleFromLogits(two, { temperature: 1 }, random);
    assert.ok(Math.abs(ones / n - 0.75) < 0.02, `got ${ones / n}`);
  });

  it("repetition penalty divides positive and multiplies negative logits of seen tokens", () => {
    const out = applyPenalties(Float32Array.from([2, -2, 1]), { repetitionPenalty: 2 }, [0, 1], new Map());
    assert.deepEqual(Array.from(out), [1, -4, 1]);
    // With a strong penalty greedy moves off the repeated token.
    const s = new Sampler({ repetitionPenalty: 10 }, [1]);
    assert.equal(s.sample(logits), 5);
  });

  it("frequency and presence penalties subtract per output occurrence", () => {
    const out = applyPenalties(
      Float32Array.from([5, 5, 5]),
      { frequencyPenalty: 1, presencePenalty: 0.5 },
      [],
      new Map([
        [0, 2],
        [2, 1],
      ]),
    );
    assert.deepEqual(Array.from(out), [2.5, 5, 3.5]);
    const s = new Sampler({ frequencyPenalty: 1 });
    s.accept(1);
    assert.equal(s.sample(logits), 5); // 3 - 1 < 2.9
  });

  it("does not modify the logits it is given", () => {
    const copy = new Float32Array(logits);
    new Sampler({ repetitionPenalty: 3, frequencyPenalty: 1, temperature: 1, topK: 2, seed: 1 }, [1, 2]).sample(logits);
    assert.deepEqual(logits, copy);
  });
});
