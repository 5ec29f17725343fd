import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { collectEosTokenIds, StopSequenceFilter } from "./stopping";

function run(stops: string[], deltas: string[]) {
  const f = new StopSequenceFilter(stops);
  let shown = "";
  for (const d of deltas) {
    const r = f.push(d);
    shown += r.text;
    if (r.stopped) return { shown, stopped: true };
  }
  return { shown: shown + f.flush(), stopped: false };
}

describe("stop sequences", () => {
  it("passes text through when there are none", () => {
    assert.deepEqual(run([], ["a", "b"]), { shown: "ab", stopped: false });
  });

  it("stops at a sequence split across deltas and never shows any of it", () => {
    const f = new StopSequenceFilter(["\nUser:"]);
    assert.deepEqual(f.push("Hello"), { text: "Hello", stopped: false });
    assert.deepEqual(f.push(" there\nUs"), { text: " there", stopped: false }); // "\nUs" held
    assert.deepEqual(f.push("er: hi"), { text: "", stopped: true });
  });

  it("releases held text that turned out not to be a stop sequence", () => {
    assert.deepEqual(run(["END"], ["the E", "N", "d"]), { shown: "the ENd", stopped: false });
    assert.deepEqual(run(["END"], ["the EN"]), { shown: "the EN", stopped: false });
  });

  it("stops at the earliest of several sequences", () => {
    assert.deepEqual(run(["bb", "a"], ["xxbba"]), { shown: "xx", stopped: true });
    assert.deepEqual(run(["###", "\n\n"], ["one\n", "\ntwo ###"]), { shown: "one", stopped: true });
  });

  it("gathers end-of-sequence ids from every source", () => {
    assert.deepEqual([...collectEosTokenIds(2, [2, 7], undefined, null)].sort(), [2, 7]);
  });
});
