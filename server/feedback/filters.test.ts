// The filters as the page, the download and the CLI read them: empty fields are absent, and a bad
// value is a 400 that says what is wrong.
import assert from "node:assert/strict";
import { test } from "node:test";
import { isPublicError } from "../http-error";
import { dateBounds, filtersFromQuery, formatFromQuery, pageFromQuery } from "./filters";

const query = (s: string) => new URLSearchParams(s);

test("filters from a query: known keys, empty ones dropped", () => {
  assert.deepEqual(filtersFromQuery(query("model=loom-chat&app=chat&rating=up&since=2026-01-02&until=&x=1")), {
    model: "loom-chat",
    app: "chat",
    rating: "up",
    since: "2026-01-02",
  });
  assert.deepEqual(pageFromQuery(query("page=3&pageSize=")), { page: 3, pageSize: 25 });
  assert.equal(formatFromQuery(null), "messages");
  assert.equal(formatFromQuery("preference"), "preference");
});

test("bad values are 400s that name the problem", () => {
  const refused = (fn: () => unknown, message: RegExp) =>
    assert.throws(fn, (error) => isPublicError(error) && error.httpStatus === 400 && message.test(error.message));
  refused(() => filtersFromQuery(query("rating=meh")), /rating is up or down/);
  refused(() => filtersFromQuery(query("app=mail")), /app is one of/);
  refused(() => filtersFromQuery(query("since=2026-02-30")), /not a real date/);
  refused(() => filtersFromQuery(query("since=yesterday")), /YYYY-MM-DD/);
  refused(() => filtersFromQuery(query("since=2026-03-02&until=2026-03-01")), /since is after until/);
  refused(() => filtersFromQuery(query(`model=${"a".repeat(200)}`)), /128|model/);
  refused(() => filtersFromQuery(query("model=../etc")), /model id/);
  refused(() => pageFromQuery(query("pageSize=1000")), /at most 100/);
  refused(() => pageFromQuery(query("page=0")), /starts at 1/);
  refused(() => formatFromQuery("csv"), /format is one of/);
});

test("date bounds cover whole UTC days", () => {
  assert.deepEqual(dateBounds({ since: "2026-03-01", until: "2026-03-01" }), {
    from: new Date("2026-03-01T00:00:00Z"),
    before: new Date("2026-03-02T00:00:00Z"),
  });
});
