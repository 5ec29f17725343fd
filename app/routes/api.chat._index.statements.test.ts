// What one chat request costs the database: every statement from the session check to the start
// of the answer's stream, counted as PostgreSQL's log_statement = all lists them (a transaction's
// begin and commit included). Under load each of them queues on PGlite's one connection or the
// pool's ten (docs/performance.md, "Server under load"); decision 034 reads each row once. Real
// services on the shipped models, the embedded database or DATABASE_URL's.
import assert from "node:assert/strict";
import { randomUUID } from "node:crypto";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { after, before, describe, test } from "node:test";
import type { AppLoadContext } from "@remix-run/node";
import { recordStatements } from "../../db/count-statements";
import { loadConfig } from "../../server/config";
import { createServices, type AppServices } from "../../server/services";
import { action as send } from "./api.chat._index";

/**
 * The bound: 13 today (session, quota, chat, running answers, model, messages, the question and
 * its answer in one transaction of four, generation, run, the stream's first read); 25 before.
 */
const MOST_STATEMENTS = 13;

describe("a chat request's statements", { timeout: 120_000 }, () => {
  const dataDir = mkdtempSync(path.join(tmpdir(), "loom-statements-"));
  let services: AppServices;
  let cookie: string;
  let userId: string;

  before(async () => {
    services = await createServices(
      loadConfig({
        LOOM_DATA_DIR: dataDir,
        LOOM_MODELS_DIR: path.resolve("models"),
        LOOM_DEVICE: "cpu",
        LOG_LEVEL: "warn",
        ...(process.env.DATABASE_URL && { DATABASE_URL: process.env.DATABASE_URL }),
      }),
    );
    const user = await services.auth.createUser({
      email: `statements-${randomUUID()}@example.com`,
      name: "S",
      password: "a-long-password",
    });
    userId = user.id;
    const { token } = await services.auth.createSession(user.id, "test");
    cookie = await services.sessionCookie.serialize(token);
  });
  after(async () => {
    await services?.close();
    rmSync(dataDir, { recursive: true, force: true });
  });

  /** The statements from the request's arrival to its response (the answer's stream started). */
  async function statementsOf(body: unknown) {
    const request = new Request("http://loom.test/api/chat", {
      method: "POST",
      headers: { Cookie: cookie, "Content-Type": "application/json" },
      body: JSON.stringify(body),
    });
    const context = { services, clientAddress: "127.0.0.1", clientGone: new AbortController().signal };
    const recording = recordStatements(services.database.db);
    let response: Response;
    try {
      response = (await send({ request, context: context as unknown as AppLoadContext, params: {} })) as Response;
    } finally {
      recording.restore();
    }
    assert.equal(response.status, 200);
    await response.text(); // the answer, to its end, before the next turn
    return recording.sql;
  }

  test(`a first message and a follow-up each run at most ${MOST_STATEMENTS} statements`, async () => {
    const chat = await services.chats.createChat(userId);
    const first = randomUUID();
    const firstTurn = await statementsOf({ chatId: chat.id, parentId: null, message: { id: first, text: "Hello" } });
    const leaf = (await services.chats.ownedChat(userId, chat.id)).currentLeafId;
    const followUp = await statementsOf({
      chatId: chat.id,
      parentId: leaf,
      message: { id: randomUUID(), text: "Tell me more" },
    });
    for (const [name, sql] of [
      ["first message", firstTurn],
      ["follow-up", followUp],
    ] as const) {
      assert.ok(sql.length <= MOST_STATEMENTS, `${name}: ${sql.length} statements:\n${sql.join("\n")}`);
      // Each row is read once: the chat and the model's rows appear in one select each.
      assert.equal(sql.filter((s) => /^select .* from "chats"/s.test(s)).length, 1, `${name}: the chat read once`);
      assert.equal(sql.filter((s) => /from "quotas"/.test(s)).length, 1, `${name}: the quota read once`);
      assert.equal(sql.filter((s) => /from "task_assignments"/.test(s)).length, 1, `${name}: the model read once`);
    }
    // Stored together, the question still sorts before its answer (the database's order).
    const stored = await services.chats.allMessages(userId, chat.id);
    assert.deepEqual(
      stored.map((m) => m.role),
      ["user", "assistant", "user", "assistant"],
    );
    assert.equal(stored[0]!.id, first);
  });
});
