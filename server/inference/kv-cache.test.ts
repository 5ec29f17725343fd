import assert from "node:assert/strict";
import { describe, it } from "node:test";
import * as ort from "onnxruntime-node";
import { PackedKv, type KvLayout } from "./kv-cache";

const layout: KvLayout = { numLayers: 1, numKvHeads: 2, headDim: 3, dtype: "float32" };

/** A one-row cache whose value at (head h, time t, dim d) is id*1000 + h*100 + t*10 + d + 1. */
function sequence(id: number, length: number): PackedKv {
  const { numKvHeads: H, headDim: D } = layout;
  const data = new Float32Array(H * length * D);
  for (let h = 0; h < H; h++)
    for (let t = 0; t < length; t++)
      for (let d = 0; d < D; d++) data[(h * length + t) * D + d] = id * 1000 + h * 100 + t * 10 + d + 1;
  const tensors = [0, 1].map(() => new ort.Tensor("float32", data.slice(), [1, H, length, D]));
  return new PackedKv(layout, tensors, [{ id, length }], length);
}

/** Row `b` of a packed tensor as [head][time][dim] arrays. */
function rowOf(kv: PackedKv, b: number): number[][][] {
  const { numKvHeads: H, headDim: D } = layout;
  const L = kv.pastLength;
  const data = kv.tensors[0]!.data as Float32Array;
  return Array.from({ length: H }, (_, h) =>
    Array.from({ length: L }, (_, t) =>
      Array.from(data.subarray(((b * H + h) * L + t) * D, ((b * H + h) * L + t + 1) * D)),
    ),
  );
}

describe("packed KV cache", () => {
  it("packs sequences of different lengths left-padded, data right-aligned", async () => {
    const a = sequence(1, 2);
    const b = sequence(2, 4);
    const packed = (await PackedKv.merge(layout, [{ kv: a }, { kv: b }]))!;
    assert.equal(packed.pastLength, 4);
    assert.deepEqual(packed.tensors[0]!.dims, [2, 2, 4, 3]);
    const row0 = rowOf(packed, 0);
    assert.deepEqual(row0[0]![0], [0, 0, 0]); // padding
    assert.deepEqual(row0[0]![1], [0, 0, 0]);
    assert.deepEqual(row0[0]![2], [1001, 1002, 1003]); // a's t=0 at the end-aligned slot
    assert.deepEqual(row0[1]![3], [1111, 1112, 1113]); // head 1, t=1
    assert.deepEqual(rowOf(packed, 1)[1]![3], [2131, 2132, 2133]);

    assert.deepEqual(Array.from(packed.attentionMask(1).data as BigInt64Array), [
      0n,
      0n,
      1n,
      1n,
      1n,
      1n,
      1n,
      1n,
      1n,
      1n,
    ]);
    assert.deepEqual(Array.from(packed.nextPositionIds().data as BigInt64Array), [2n, 4n]);
  });

  it("drops a leaver, trims padding nobody needs, and extracts a row unchanged", async () => {
    const packed = (await PackedKv.merge(layout, [
      { kv: sequence(1, 2) },
      { kv: sequence(2, 5) },
      { kv: sequence(3, 3) },
    ]))!;
    const survivors = (await packed.without(new Set([2])))!;
    assert.deepEqual(survivors.rows, [
      { id: 1, length: 2 },
      { id: 3, length: 3 },
    ]);
    assert.equal(survivors.pastLength, 3); // the longest (5) left: padding shrinks with it
    const alone = await survivors.extract(3);
    assert.deepEqual(alone.tensors[0]!.data, sequence(3, 3).tensors[0]!.data);
    assert.equal(await survivors.without(new Set([1, 3])), undefined);
  });

  it("advances in place: present.* becomes the next past without copying", () => {
    const kv = sequence(1, 2);
    const present = [0, 1].map(() => new ort.Tensor("float32", new Float32Array(2 * 3 * 3), [1, 2, 3, 3]));
    const next = kv.advanced(present, 1);
    assert.equal(next.pastLength, 3);
    assert.deepEqual(next.rows, [{ id: 1, length: 3 }]);
    assert.equal(next.tensors[0], present[0]);
  });

  it("counts bytes for real tokens and with padding", async () => {
    const packed = (await PackedKv.merge(layout, [{ kv: sequence(1, 1) }, { kv: sequence(2, 3) }]))!;
    const perToken = 1 * 2 * 2 * 3 * 4; // layers × (k,v) × heads × dim × float32
    assert.deepEqual(packed.bytes, { used: 4 * perToken, allocated: 6 * perToken });
  });

  it("starts a prefill from zero-length past tensors", () => {
    const empty = PackedKv.empty(layout, [{ id: 9, length: 0 }]);
    assert.deepEqual(empty.tensors[0]!.dims, [1, 2, 0, 3]);
    assert.deepEqual(Array.from(empty.attentionMask(3).data as BigInt64Array), [1n, 1n, 1n]);
  });
});
