import assert from "node:assert/strict";
import { test } from "node:test";
import { formatBytes } from "./format";

test("formatBytes uses binary units with at most two decimals", () => {
  assert.equal(formatBytes(0), "0 bytes");
  assert.equal(formatBytes(1023), "1023 bytes");
  assert.equal(formatBytes(1536), "1.5 KiB");
  assert.equal(formatBytes(5 * 1024 * 1024), "5 MiB");
  assert.equal(formatBytes(20 * 1024 ** 3), "20 GiB");
  assert.equal(formatBytes(1.234567 * 1024 ** 2), "1.23 MiB");
  assert.equal(formatBytes(3 * 1024 ** 4), "3 TiB");
});
