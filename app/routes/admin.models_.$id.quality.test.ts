// Admin › Models › Quality: admins only; the card's quality file, absent or present, and a remote
// engine without one; the model's ratings per app and day. A real registry and PGlite database;
// the model rows are inserted directly (registering a folder would load and smoke-run it).
import assert from "node:assert/strict";
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { after, before, describe, it } from "node:test";
import type { Database } from "../../db/client";
import { models, users } from "../../db/schema";
import { openTestDatabase } from "../../db/test-database";
import { createChatStore } from "../../server/chat/chat-store";
import { createRegistry, type Registry } from "../../server/registry/registry";
import { answerOf, contextFor, signedInRequest, testAdmin, testUser } from "~/test-helpers";
import { loader } from "./admin.models_.$id.quality";

const quiet = { info() {}, warn() {}, error() {}, debug() {} };
const text = (t: string) => [{ type: "text", text: t }];

const quality = {
  version: 1,
  evaluation: [{ metric: "accuracy (English)", value: 0.734, baseline: { name: "majority", value: 0.517 } }],
  bias: {
    generated_at: "2026-12-02T04:00:00.000Z",
    probe_sets: [{ id: "gender-words-en", language: "en", attribute: "gender", pairs: 216 }],
    results: [
      {
        probe_set: "gender-words-en",
        attribute: "gender",
        language: "en",
        kind: "sentiment",
        pairs: 216,
        flip_rate: 0.125,
        mean_score_gap: 0.057,
      },
    ],
  },
  finetune: {
    base: { path: "models/loom-chat", name: "loom-chat" },
    steps: 200,
    before: { ppl: 57.4 },
    after: { ppl: 40.1 },
  },
};

describe("/admin/models/:id/quality", () => {
  let database: Database;
  let registry: Registry;
  let modelsDir: string;

  before(async () => {
    database = await openTestDatabase();
    modelsDir = mkdtempSync(path.join(tmpdir(), "loom-quality-route-"));
    for (const id of ["tuned", "plain"]) mkdirSync(path.join(modelsDir, id));
    writeFileSync(path.join(modelsDir, "tuned", "loom-quality.json"), JSON.stringify(quality));
    registry = createRegistry({ db: database.db, modelsDir, logger: quiet });
    await database.db.insert(models).values([
      { id: "tuned", displayName: "Tuned", kind: "causal-lm", status: "ready" },
      { id: "plain", displayName: "Plain", kind: "classifier", status: "ready" },
      { id: "far", displayName: "Far", kind: "causal-lm", status: "ready", source: "remote" },
    ]);
    await database.db
      .insert(users)
      .values({ id: testUser.id, email: testUser.email, name: testUser.name, passwordHash: "x" });
    const chats = createChatStore(database.db);
    const chatId = (await chats.createChat(testUser.id, "Rated")).id;
    const q = await chats.addMessage(testUser.id, chatId, { role: "user", parts: text("Hi"), parentId: null });
    const a = await chats.addMessage(testUser.id, chatId, {
      role: "assistant",
      parts: text("Hello"),
      parentId: q.id,
      modelId: "tuned",
    });
    await chats.setFeedback(testUser.id, a.id, 1);
  });
  after(async () => {
    await database.close();
    rmSync(modelsDir, { recursive: true, force: true });
  });

  const get = async (id: string, user = testAdmin, signedIn = true) => {
    const url = `/admin/models/${id}/quality`;
    const request = signedIn ? await signedInRequest(url, { method: "GET" }) : new Request(`http://loom.test${url}`);
    return answerOf(() => loader({ request, context: contextFor({ registry, database }, user), params: { id } }));
  };

  it("sends an anonymous visitor to sign in and refuses a user who is not an admin", async () => {
    const anonymous = await get("tuned", testAdmin, false);
    assert.equal(anonymous.status, 302);
    assert.equal((await get("tuned", testUser)).status, 403);
  });

  it("answers 400 for a malformed id and 404 for an unknown model", async () => {
    assert.equal((await get("..")).status, 400);
    assert.equal((await get("Not An Id")).status, 400);
    assert.equal((await get("missing")).status, 404);
  });

  it("gives a card's evaluation, bias, fine-tuning and the ratings", async () => {
    const { status, body } = await get("tuned");
    assert.equal(status, 200);
    const page = body as { quality: { status: string; quality: unknown }; feedback: { app: string; up: number }[] };
    assert.deepEqual(page.quality, { status: "ok", quality, problems: [] });
    assert.deepEqual(
      page.feedback.map((f) => [f.app, f.up]),
      [["chat", 1]],
    );
  });

  it("says absent for a folder without a quality file, and has no card for a remote engine", async () => {
    const plain = (await get("plain")).body as { quality: unknown; feedback: unknown[] };
    assert.deepEqual(plain.quality, { status: "absent" });
    assert.deepEqual(plain.feedback, []);
    const far = (await get("far")).body as { quality: unknown; model: { source: string } };
    assert.equal(far.quality, null);
    assert.equal(far.model.source, "remote");
  });
});
