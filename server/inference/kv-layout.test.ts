// The appended KV layout (decision 032): the engine's paged cache on its own (synthetic data, both
// dtypes), layout detection from output names, and the shipped models converted by
// training/kv_layout.py against golden logits taken from their graphs before the conversion.

import assert from "node:assert/strict";
import { existsSync, readFileSync } from "node:fs";
import path from "node:path";
import { describe, it } from "node:test";
import * as ort from "onnxruntime-node";
import type { KvDataType, KvLayout } from "./kv-cache";
import { decodeLogits, goldenRun, openRunner, type KvGolden } from "./kv-golden";
import { kvOutputsOf } from "./kv-layout";
import { PagedKv } from "./kv-paged";
import { fixturesDir, repoRoot } from "./test-helpers";

const H = 2;
const D = 3;
const layoutOf = (dtype: KvDataType): KvLayout => ({ numLayers: 1, numKvHeads: H, headDim: D, dtype });

/** present_new-shaped outputs [B, H, n, D] whose value at (b, h, t, d) encodes row id, head, position and dim. */
function fresh(dtype: KvDataType, rows: ReadonlyArray<{ id: number; from: number }>, n: number): ort.Tensor[] {
  const data =
    dtype === "float16" ? new Uint16Array(rows.length * H * n * D) : new Float32Array(rows.length * H * n * D);
  rows.forEach(({ id, from }, b) => {
    for (let h = 0; h < H; h++)
      for (let t = 0; t < n; t++)
        for (let d = 0; d < D; d++) data[((b * H + h) * n + t) * D + d] = valueAt(id, h, from + t, d);
  });
  return [0, 1].map(() => new ort.Tensor(dtype, data.slice(), [rows.length, H, n, D]));
}
// Under 2^16, so the same numbers fit float16's raw 16-bit words.
const valueAt = (id: number, h: number, t: number, d: number) => id * 10000 + h * 1000 + t * 10 + d + 1;

/** What row b's entries must be: every position 0…length-1 of sequence `id`, per head. */
function expected(id: number, length: number): number[][] {
  return Array.from({ length: H }, (_, h) =>
    Array.from({ length: length * D }, (_, i) => valueAt(id, h, Math.floor(i / D), i % D)),
  );
}
const entriesOf = (kv: PagedKv, b: number) => kv.entries(0, b).map((a) => Array.from(a));

describe("paged KV cache (appended layout)", () => {
  for (const dtype of ["float32", "float16"] as const)
    it(`appends in place, grows by pages past its capacity and keeps every entry (${dtype})`, () => {
      const kv = PagedKv.empty(layoutOf(dtype), [{ id: 1, length: 0 }], 4);
      assert.equal(kv.pastLength, 0);
      assert.equal(kv.advanced(fresh(dtype, [{ id: 1, from: 0 }], 3), 3), kv, "updated in place");
      assert.equal(kv.pastLength, 4, "one 4-step page");
      const feed = kv.tensors[0]!;
      assert.equal(kv.advanced(fresh(dtype, [{ id: 1, from: 3 }], 1), 1), kv);
      assert.equal(kv.tensors[0], feed, "no reallocation while the page has room");
      assert.deepEqual(entriesOf(kv, 0), expected(1, 4));
      kv.advanced(fresh(dtype, [{ id: 1, from: 4 }], 1), 1); // 5 > 4: a second page
      assert.equal(kv.pastLength, 8);
      assert.notEqual(kv.tensors[0], feed);
      assert.deepEqual(kv.tensors[0]!.dims, [1, H, 8, D]);
      assert.equal(kv.tensors[0]!.type, dtype);
      assert.deepEqual(entriesOf(kv, 0), expected(1, 5));
      assert.deepEqual(kv.rows, [{ id: 1, length: 5 }]);
      // Mask: the 5 entries, 3 spare slots, then the new token.
      assert.deepEqual(Array.from(kv.attentionMask(1).data as BigInt64Array), [1n, 1n, 1n, 1n, 1n, 0n, 0n, 0n, 1n]);
      assert.deepEqual(Array.from(kv.nextPositionIds().data as BigInt64Array), [5n]);
    });

  it("merges sequences left-aligned, steps them together, and repacks only when one leaves", async () => {
    const layout = layoutOf("float32");
    const one = (id: number, length: number) => {
      const kv = PagedKv.empty(layout, [{ id, length: 0 }], 4);
      return kv.advanced(fresh("float32", [{ id, from: 0 }], length), length);
    };
    const batch = PagedKv.merge(layout, [{ kv: one(1, 2) }, { kv: one(2, 6) }, { kv: one(3, 1) }])!;
    assert.equal(batch.pastLength, 8, "room for the longest row plus one, in pages");
    assert.deepEqual(
      Array.from(batch.attentionMask(1).data as BigInt64Array).map(Number),
      [1, 1, 0, 0, 0, 0, 0, 0, 1, 1, 1, 1, 1, 1, 1, 0, 0, 1, 1, 0, 0, 0, 0, 0, 0, 0, 1],
    );
    assert.deepEqual(Array.from(batch.nextPositionIds().data as BigInt64Array), [2n, 6n, 1n]);
    const starts = [
      { id: 1, from: 2 },
      { id: 2, from: 6 },
      { id: 3, from: 1 },
    ];
    for (let step = 0; step < 3; step++) {
      const feed = batch.tensors[0];
      batch.advanced(
        fresh(
          "float32",
          starts.map((r) => ({ ...r, from: r.from + step })),
          1,
        ),
        1,
      );
      // Row 2 passes 8 entries at the third step: only then does the whole batch grow (to 12).
      assert.equal(batch.tensors[0] === feed, step < 2, `step ${step}`);
    }
    assert.equal(batch.pastLength, 12);
    assert.deepEqual(entriesOf(batch, 0), expected(1, 5));
    assert.deepEqual(entriesOf(batch, 1), expected(2, 9));
    assert.deepEqual(entriesOf(batch, 2), expected(3, 4));
    assert.equal(batch.bytes.used, (5 + 9 + 4) * 2 * H * D * 4);
    assert.equal(await batch.without(new Set()), batch, "nobody left: the same buffers");
    const rest = (await batch.without(new Set([2])))!;
    assert.deepEqual(
      rest.rows.map((r) => r.id),
      [1, 3],
    );
    assert.equal(rest.pastLength, 8, "trimmed to the survivors");
    assert.deepEqual(entriesOf(rest, 0), expected(1, 5));
    assert.deepEqual(entriesOf(rest, 1), expected(3, 4));
    const alone = await rest.extract(3);
    assert.deepEqual(entriesOf(alone, 0), expected(3, 4));
    assert.equal(await PagedKv.merge(layout, [{ kv: rest, rows: [] }]), undefined);
    assert.throws(() => rest.advanced(fresh("float32", [{ id: 1, from: 5 }], 1), 1), /dims \[1, 2, 1, 3\]/);
  });

  it("tells the layout from the output names, and names what is missing", () => {
    const present = ["logits", "present.0.key", "present.0.value", "present.1.key", "present.1.value"];
    assert.deepEqual(kvOutputsOf(present, 2), { layout: "present", names: present.slice(1) });
    const appended = present.map((n) => n.replace("present.", "present_new."));
    assert.deepEqual(kvOutputsOf(appended, 2), { layout: "appended", names: appended.slice(1) });
    assert.deepEqual(kvOutputsOf(appended.slice(0, 4), 2), { missing: "present_new.1.value" });
    assert.deepEqual(kvOutputsOf(["logits"], 2), { missing: "present.0.key" });
  });
});

const goldenPath = path.join(fixturesDir, "shipped-kv-golden.json");
const shipped = existsSync(goldenPath)
  ? (JSON.parse(readFileSync(goldenPath, "utf8")) as Record<string, KvGolden & { kvLayout: string }>)
  : {};

function maxAbsDiff(a: Float32Array, b: Float32Array): number {
  assert.equal(a.length, b.length);
  let m = 0;
  for (let i = 0; i < a.length; i++) m = Math.max(m, Math.abs(a[i]! - b[i]!));
  return m;
}

describe("shipped models in the appended layout give the logits their standard-layout graphs gave", () => {
  for (const [name, golden] of Object.entries(shipped)) {
    const dir = path.join(repoRoot, "models", name);
    it(
      `${name}: prefill and ${golden.fedIds.length} decode steps within 1e-5, alone and in a batch`,
      {
        skip: existsSync(dir) ? undefined : `${dir} is not here`,
      },
      async () => {
        assert.equal(golden.kvLayout, "present", "the golden logits come from the graph before conversion");
        const { graph, runner, session } = await openRunner(dir, 8); // small pages: growth within the run
        try {
          assert.equal(graph.kvLayout, "appended", `${name}'s graph has been converted (training/kv_layout.py)`);
          const alone = await goldenRun(runner, golden.promptIds, golden.fedIds.length);
          assert.deepEqual(alone.fedIds, golden.fedIds);
          alone.logits.forEach((row, i) => {
            const diff = maxAbsDiff(decodeLogits(row), decodeLogits(golden.logits[i]!));
            assert.ok(diff < 1e-5, `${name} row ${i}: max abs diff ${diff}`);
          });
          // In a batch with a longer and a shorter neighbour (the spare slots differ per row).
          const a = await runner.prefill(1, golden.promptIds);
          const b = await runner.prefill(2, [...golden.promptIds, ...golden.promptIds]);
          const c = await runner.prefill(3, golden.promptIds.slice(0, 3));
          let kv = (await runner.merge([{ kv: b.kv }, { kv: a.kv }, { kv: c.kv }]))!;
          for (const [i, token] of golden.fedIds.entries()) {
            const out = await runner.decode(kv, [0, token, 0]);
            kv = out.kv;
            const diff = maxAbsDiff(out.logits[1]!, decodeLogits(golden.logits[i + 1]!));
            assert.ok(diff < 1e-5, `${name} batched step ${i}: max abs diff ${diff}`);
          }
          kv.dispose();
        } finally {
          await session.release();
        }
      },
    );
  }
});
