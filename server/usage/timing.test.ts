import assert from "node:assert/strict";
import { describe, test } from "node:test";
import { startRunTimer } from "./timing";

/** A clock that reads the times it is given, in order. */
function clock(...times: number[]) {
  return () => {
    const t = times.shift();
    if (t === undefined) throw new Error("the clock was read more often than expected");
    return t;
  };
}

describe("run timing", () => {
  test("duration, time to first token and decode rate, in whole milliseconds", () => {
    const timer = startRunTimer(clock(1000.4, 1250.6, 3250.6));
    timer.token();
    // 41 tokens: the first after 250 ms of prefill, 40 more in 2 s of decoding.
    assert.deepEqual(timer.read(41), { durationMs: 2250, timeToFirstTokenMs: 250, tokensPerSecond: 20 });
  });

  test("only the first token is timed", () => {
    const timer = startRunTimer(clock(0, 100, 400));
    timer.token();
    timer.token();
    assert.equal(timer.read().timeToFirstTokenMs, 100);
  });

  test("no token: a duration only", () => {
    const timer = startRunTimer(clock(0, 12.7));
    assert.deepEqual(timer.read(5), { durationMs: 13 });
  });

  test("one token has no decode rate", () => {
    const timer = startRunTimer(clock(0, 50, 80));
    timer.token();
    assert.deepEqual(timer.read(1), { durationMs: 80, timeToFirstTokenMs: 50 });
  });

  test("the decode rate has one decimal", () => {
    const timer = startRunTimer(clock(0, 10, 310));
    timer.token();
    assert.equal(timer.read(4).tokensPerSecond, 10);
    const slow = startRunTimer(clock(0, 10, 3010));
    slow.token();
    assert.equal(slow.read(8).tokensPerSecond, 2.3);
  });
});
