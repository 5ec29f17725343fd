import assert from "node:assert/strict";
import { test } from "node:test";
import { safeRedirect } from "./session.server";

test("safeRedirect keeps same-site paths", () => {
  assert.equal(safeRedirect("/chat/123?tab=2#end"), "/chat/123?tab=2#end");
  assert.equal(safeRedirect("/"), "/");
});

test("safeRedirect refuses anything that could leave the site (no open redirect)", () => {
  for (const to of [
    "//evil.example",
    "/\\evil.example",
    "/\t/evil.example",
    "/\n/evil.example",
    "/a\\b",
    "https://evil.example/",
    "evil",
    "",
    "javascript:alert(1)",
  ]) {
    assert.equal(safeRedirect(to), "/", to);
  }
});

test("safeRedirect falls back when there is nothing usable", () => {
  assert.equal(safeRedirect(null), "/");
  assert.equal(safeRedirect(undefined, "/chat"), "/chat");
  assert.equal(safeRedirect(new File(["x"], "x.txt")), "/");
  assert.equal(safeRedirect("//evil.example", "/login"), "/login");
});
