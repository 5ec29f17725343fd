import assert from "node:assert/strict";
import { test } from "node:test";
import { formatCompact, formatCount, formatMs, formatRate, formatUtc } from "./format";

test("formatCompact keeps small numbers and shortens large ones", () => {
  assert.equal(formatCompact(999.4), "999");
  assert.equal(formatCompact(1234), "1.2 K");
  assert.equal(formatCompact(3_200_000), "3.2 M");
  assert.equal(formatCompact(123_000_000_000), "123 B");
  assert.equal(formatCompact(2e12), "2.0 T");
});

test("formatCount groups digits the same in every locale", () => {
  assert.equal(formatCount(1234567), "1,234,567");
});

test("formatMs and formatRate show a dash when there is no value", () => {
  assert.equal(formatMs(null), "—");
  assert.equal(formatMs(Number.NaN), "—");
  assert.equal(formatMs(412.6), "413 ms");
  assert.equal(formatMs(1234), "1.23 s");
  assert.equal(formatRate(undefined), "—");
  assert.equal(formatRate(12.34), "12.3 tok/s");
  assert.equal(formatRate(132.4), "132 tok/s");
});

test("formatUtc writes minutes in UTC", () => {
  assert.equal(formatUtc("2026-03-01T14:05:59.000Z"), "2026-03-01 14:05 UTC");
  assert.equal(formatUtc(new Date(Date.UTC(2026, 0, 2))), "2026-01-02 00:00 UTC");
});
