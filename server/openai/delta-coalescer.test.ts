// The /v1 stream's text deltas joined per interval, on node:test's mock clock: the first delta
// goes out at once, those within the interval wait for it to end, nothing is lost or reordered.
import assert from "node:assert/strict";
import { describe, test } from "node:test";
import { createDeltaCoalescer } from "./delta-coalescer";

describe("createDeltaCoalescer", () => {
  test("the first delta at once; the next ones joined until the interval ends", (t) => {
    t.mock.timers.enable({ apis: ["setTimeout", "Date"] });
    const written: string[] = [];
    const deltas = createDeltaCoalescer(40, (text) => written.push(text));
    deltas.push("Once");
    assert.deepEqual(written, ["Once"], "time to first token is unchanged");
    deltas.push(" upon");
    t.mock.timers.tick(10);
    deltas.push(" a");
    assert.deepEqual(written, ["Once"]);
    t.mock.timers.tick(30);
    assert.deepEqual(written, ["Once", " upon a"], "one write at the interval's end");
    t.mock.timers.tick(100);
    deltas.push(" time");
    assert.deepEqual(written, ["Once", " upon a", " time"], "after a quiet interval, at once again");
  });

  test("drain writes what is held before a finish; close drops the timer", (t) => {
    t.mock.timers.enable({ apis: ["setTimeout", "Date"] });
    const written: string[] = [];
    const deltas = createDeltaCoalescer(40, (text) => written.push(text));
    deltas.push("a");
    deltas.push("b");
    deltas.drain();
    assert.deepEqual(written, ["a", "b"]);
    deltas.drain();
    assert.deepEqual(written, ["a", "b"], "nothing held, nothing written");
    deltas.push("c");
    deltas.close();
    t.mock.timers.tick(100);
    assert.deepEqual(written, ["a", "b"], "a closed stream writes nothing more");
  });

  test("interval 0: every delta is written as it comes", () => {
    const written: string[] = [];
    const deltas = createDeltaCoalescer(0, (text) => written.push(text));
    for (const text of ["a", "b", "c"]) deltas.push(text);
    assert.deepEqual(written, ["a", "b", "c"]);
  });
});
