// The test helper empties every table of DATABASE_URL's database: it must refuse one that is not
// plainly a test database (a URL exported for `npm start` and left in the shell).
import assert from "node:assert/strict";
import { test } from "node:test";
import { assertTestDatabaseName } from "./test-database";

test("test and CI databases are accepted", () => {
  for (const name of ["loom_ci", "loom_test", "loomtest", "test", "ci", "loom-tests", "CI_loom"])
    assert.doesNotThrow(() => assertTestDatabaseName(`postgres://u:p@127.0.0.1:5432/${name}`), name);
});

test("any other database is refused before anything is emptied, its password never shown", () => {
  for (const url of [
    "postgres://loom:secret@127.0.0.1:5432/loom",
    "postgres://loom:secret@db.example.com/production",
    "postgres://loom:secret@127.0.0.1:5432/specific", // "ci" inside a word is not a test name
    "postgres://loom:secret@127.0.0.1:5432",
  ])
    assert.throws(
      () => assertTestDatabaseName(url),
      (error: Error) => /does not look like a test database/.test(error.message) && !error.message.includes("secret"),
      url,
    );
});
