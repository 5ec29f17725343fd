// Admin › Feedback and its download: admins only (anonymous → sign-in, users → 403) on both
// paths; the page lists and filters rated answers; the download streams format A or B rows for
// the same filters, without users who opted out; bad filters are a 400.
import assert from "node:assert/strict";
import { after, before, describe, test } from "node:test";
import type { Database } from "../../db/client";
import { users } from "../../db/schema";
import { openTestDatabase } from "../../db/test-database";
import { createChatStore } from "../../server/chat/chat-store";
import { createFeedbackStore } from "../../server/feedback/rated-answers";
import { createTrainingConsent } from "../../server/feedback/training-consent";
import { answerOf, contextFor, signedInRequest, testAdmin, testUser } from "~/test-helpers";
import { loader as exportLoader } from "./admin.feedback.export";
import { loader as pageLoader } from "./admin.feedback";

const text = (t: string) => [{ type: "text", text: t }];

describe("Admin › Feedback", () => {
  let database: Database;
  let services: Record<string, unknown>;
  let optedOutUser: string;

  before(async () => {
    database = await openTestDatabase();
    const chats = createChatStore(database.db);
    const consent = createTrainingConsent(database.db);
    services = { feedback: createFeedbackStore(database.db), trainingConsent: consent };
    const [owner, other] = await database.db
      .insert(users)
      .values([
        { id: testUser.id, email: testUser.email, name: testUser.name, passwordHash: "x" },
        { email: "private@example.com", name: "Private", passwordHash: "x" },
      ])
      .returning();
    optedOutUser = other!.id;
    for (const [user, question, answers] of [
      [owner!.id, "Capital of France?", ["Paris.", "Lyon."]],
      [other!.id, "My secret plan?", ["Keep it.", "Tell all."]],
    ] as const) {
      const chat = (await chats.createChat(user, question)).id;
      const q = (await chats.addMessage(user, chat, { role: "user", parts: text(question), parentId: null })).id;
      for (const [i, answer] of answers.entries()) {
        const { id } = await chats.addMessage(user, chat, {
          role: "assistant",
          parts: text(answer),
          parentId: q,
          modelId: "loom-chat",
        });
        await chats.setFeedback(user, id, i === 0 ? 1 : -1);
      }
    }
    await consent.setOptedOut(optedOutUser, true);
  });
  after(() => database.close());

  const anonymous = (url: string) => new Request(new URL(url, "http://loom.test"));
  const as = async (user: typeof testUser | null, url: string, route: typeof pageLoader | typeof exportLoader) =>
    answerOf(async () =>
      route({
        request: user ? await signedInRequest(url, { method: "GET" }) : anonymous(url),
        context: contextFor(services, user ?? testUser),
        params: {},
      }),
    );

  test("admins only, on the page and the download", async () => {
    for (const [url, route] of [
      ["/admin/feedback", pageLoader],
      ["/admin/feedback/export?format=preference", exportLoader],
    ] as const) {
      let thrown: unknown;
      try {
        await route({ request: anonymous(url), context: contextFor(services), params: {} });
      } catch (error) {
        thrown = error;
      }
      assert.ok(thrown instanceof Response, url);
      assert.equal(thrown.status, 302);
      assert.match(thrown.headers.get("Location") ?? "", /^\/login\?redirectTo=/);
      assert.equal((await as(testUser, url, route)).status, 403, url);
    }
  });

  test("the page lists rated answers with their conversations, filtered", async () => {
    const page = (await as(testAdmin, "/admin/feedback?rating=down&app=", pageLoader)).body as {
      total: number;
      rows: { rating: number; conversation: { content: string }[] }[];
      filters: unknown;
    };
    assert.deepEqual(page.filters, { rating: "down" });
    assert.equal(page.total, 1);
    assert.deepEqual(
      page.rows[0]!.conversation.map((turn) => turn.content),
      ["Capital of France?", "Lyon."],
    );
    const bad = await as(testAdmin, "/admin/feedback?since=03/01/2026", pageLoader);
    assert.equal(bad.status, 400);
    assert.match(JSON.stringify(bad.body), /YYYY-MM-DD/);
    assert.equal((await as(testAdmin, "/admin/feedback?pageSize=5000", pageLoader)).status, 400);
  });

  test("the download: JSONL rows of either format, no opted-out user", async () => {
    const download = async (query: string) => {
      const response = (await exportLoader({
        request: await signedInRequest(`/admin/feedback/export?${query}`, { method: "GET" }),
        context: contextFor(services, testAdmin),
        params: {},
      })) as Response;
      assert.match(response.headers.get("Content-Disposition") ?? "", /attachment; filename="loom-feedback-/);
      assert.equal(response.headers.get("Cache-Control"), "no-store");
      const body = await response.text();
      assert.doesNotMatch(body, /secret|Keep it|Tell all/);
      return body
        .trim()
        .split("\n")
        .map((line) => JSON.parse(line) as Record<string, unknown>);
    };
    const rows = await download("format=messages&model=loom-chat");
    assert.deepEqual(
      rows.map((r) => [r.rating, (r.messages as { content: string }[]).at(-1)!.content]),
      [
        [1, "Paris."],
        [-1, "Lyon."],
      ],
    );
    assert.deepEqual(
      (await download("rating=up")).map((r) => r.rating),
      [1],
    );
    const pairs = await download("format=preference");
    assert.deepEqual(
      pairs.map((p) => [p.chosen, p.rejected]),
      [["Paris.", "Lyon."]],
    );
    assert.equal((await as(testAdmin, "/admin/feedback/export?format=csv", exportLoader)).status, 400);
  });
});
