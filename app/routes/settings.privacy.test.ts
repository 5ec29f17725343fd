// Settings › Privacy: the user's own opt-out, read and saved on the real database; signed-out
// visitors go to sign in; a bad form is a 400.
import assert from "node:assert/strict";
import { after, before, describe, test } from "node:test";
import type { Database } from "../../db/client";
import { users } from "../../db/schema";
import { openTestDatabase } from "../../db/test-database";
import { createTrainingConsent, type TrainingConsent } from "../../server/feedback/training-consent";
import { answerOf, contextFor, signedInRequest, testUser } from "~/test-helpers";
import { action, loader } from "./settings.privacy";

describe("Settings › Privacy", () => {
  let database: Database;
  let consent: TrainingConsent;

  before(async () => {
    database = await openTestDatabase();
    consent = createTrainingConsent(database.db);
    await database.db
      .insert(users)
      .values({ id: testUser.id, email: testUser.email, name: testUser.name, passwordHash: "x" });
  });
  after(() => database.close());

  const context = () => contextFor({ trainingConsent: consent });
  const post = async (optOut: string) =>
    answerOf(async () =>
      action({
        request: await signedInRequest("/settings/privacy", { body: new URLSearchParams({ optOut }) }),
        context: context(),
        params: {},
      }),
    );
  const shown = async () =>
    (
      await answerOf(async () =>
        loader({
          request: await signedInRequest("/settings/privacy", { method: "GET" }),
          context: context(),
          params: {},
        }),
      )
    ).body;

  test("not opted out by default; opting out and back in is saved", async () => {
    assert.deepEqual(await shown(), { optedOut: false });
    assert.deepEqual((await post("true")).body, { ok: true, optedOut: true });
    assert.equal(await consent.isOptedOut(testUser.id), true);
    assert.deepEqual(await shown(), { optedOut: true });
    await post("false");
    assert.equal(await consent.isOptedOut(testUser.id), false);
  });

  test("a bad form is a 400; a signed-out visitor is sent to sign in", async () => {
    assert.equal((await post("maybe")).status, 400);
    const signedOut = await answerOf(async () =>
      loader({ request: new Request("http://loom.test/settings/privacy"), context: context(), params: {} }),
    );
    assert.equal(signedOut.status, 302);
  });
});
