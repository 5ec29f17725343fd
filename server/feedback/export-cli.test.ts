// `npm run feedback -- export` end to end on a temporary data folder: the CLI opens the embedded
// database itself when no one holds it, and goes through the running server (this test process
// plays it) when one does. JSONL on stdout only, messages on stderr, opted-out users never.
import assert from "node:assert/strict";
import { spawn, spawnSync } from "node:child_process";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { after, before, describe, test } from "node:test";
import { openDatabase } from "../../db/client";
import { users } from "../../db/schema";
import { createChatStore } from "../chat/chat-store";
import type { Logger } from "../logger";
import { startLocalAdminChannel } from "../local-admin/channel";
import { PYTHON, pythonTorchMissing } from "../inference/test-helpers";
import { FEEDBACK_EXPORT_PATH, feedbackExportOverChannel } from "./export-cli";
import type { MessagesRow, PreferenceRow } from "./export-rows";
import { createFeedbackStore } from "./rated-answers";
import { createTrainingConsent } from "./training-consent";

const quiet: Logger = { debug() {}, info() {}, warn() {}, error() {} };
const text = (t: string) => [{ type: "text", text: t }];

describe("npm run feedback -- export", () => {
  const dataDir = mkdtempSync(path.join(tmpdir(), "loom-feedback-"));
  const pgliteDir = path.join(dataDir, "pglite");

  function cli(args: string[]) {
    const child = spawn(process.execPath, ["--import", "tsx", "scripts/feedback.ts", ...args], {
      env: { ...process.env, LOOM_DATA_DIR: dataDir, DATABASE_URL: "" },
      stdio: ["ignore", "pipe", "pipe"],
    });
    let stdout = "";
    let stderr = "";
    child.stdout.on("data", (chunk: Buffer) => (stdout += chunk.toString()));
    child.stderr.on("data", (chunk: Buffer) => (stderr += chunk.toString()));
    return new Promise<{ code: number | null; stdout: string; stderr: string }>((resolve) =>
      child.on("exit", (code) => resolve({ code, stdout, stderr })),
    );
  }
  const lines = <Row>(stdout: string) =>
    stdout
      .split("\n")
      .filter(Boolean)
      .map((line) => JSON.parse(line) as Row);

  before(async () => {
    const database = await openDatabase({ pgliteDir });
    const chats = createChatStore(database.db);
    const [kept, hidden] = await database.db
      .insert(users)
      .values([
        { email: "kept@example.com", name: "Kept", passwordHash: "x" },
        { email: "hidden@example.com", name: "Hidden", passwordHash: "x" },
      ])
      .returning();
    for (const [user, question] of [
      [kept!.id, "Two plus two?"],
      [hidden!.id, "Hidden question?"],
    ] as const) {
      const chat = (await chats.createChat(user, question)).id;
      const q = (await chats.addMessage(user, chat, { role: "user", parts: text(question), parentId: null })).id;
      for (const [answer, rating] of [
        ["Four.", 1],
        ["Five.", -1],
      ] as const) {
        const a = await chats.addMessage(user, chat, {
          role: "assistant",
          parts: text(answer),
          parentId: q,
          modelId: "loom-chat",
        });
        await chats.setFeedback(user, a.id, rating);
      }
    }
    await createTrainingConsent(database.db).setOptedOut(hidden!.id, true);
    await database.close();
  });
  after(() => rmSync(dataDir, { recursive: true, force: true }));

  test("on the database itself: rows on stdout, a summary on stderr; bad options refused", async () => {
    const run = await cli(["export", "--model", "loom-chat", "--rating", "up"]);
    assert.equal(run.code, 0, run.stderr);
    const rows = lines<MessagesRow>(run.stdout);
    assert.deepEqual(
      rows.map((r) => [r.rating, r.model, r.app, r.messages.map((m) => m.content)]),
      [[1, "loom-chat", "chat", ["Two plus two?", "Four."]]],
    );
    assert.match(run.stderr, /Exported 1 rated answers\./);

    const bad = await cli(["export", "--since", "last week"]);
    assert.equal(bad.code, 2);
    assert.equal(bad.stdout, "");
    assert.match(bad.stderr, /--since is a date: YYYY-MM-DD[\s\S]*Usage: npm run feedback/);
  });

  test("through the running server that holds the database, streamed", async () => {
    const database = await openDatabase({ pgliteDir });
    const store = createFeedbackStore(database.db);
    const channel = await startLocalAdminChannel({
      dataDir,
      run: async () => [],
      streams: { [FEEDBACK_EXPORT_PATH]: (body) => feedbackExportOverChannel(store, body) },
      logger: quiet,
    });
    try {
      const run = await cli(["export", "--format", "preference"]);
      assert.equal(run.code, 0, run.stderr);
      assert.deepEqual(lines<PreferenceRow>(run.stdout), [
        {
          messages: [{ role: "user", content: "Two plus two?" }],
          chosen: "Four.",
          rejected: "Five.",
          model: "loom-chat",
          app: "chat",
          created_at: lines<PreferenceRow>(run.stdout)[0]!.created_at,
          chat_id: lines<PreferenceRow>(run.stdout)[0]!.chat_id,
        },
      ]);
      assert.doesNotMatch(run.stdout, /Hidden/);
      const all = await cli(["export"]);
      assert.equal(all.code, 0, all.stderr);
      assert.equal(lines(all.stdout).length, 2);
    } finally {
      await channel?.close();
      await database.close();
    }
  });

  test(
    "the fine-tuning recipe reads both exports as they are (training/finetune_data.py)",
    { skip: pythonTorchMissing() },
    async () => {
      // One after the other: each CLI takes the embedded database's folder for itself.
      const messages = await cli(["export"]);
      const pairs = await cli(["export", "--format", "preference"]);
      assert.equal(messages.code, 0, messages.stderr);
      const file = path.join(dataDir, "export.jsonl");
      writeFileSync(file, messages.stdout + pairs.stdout);
      const read = spawnSync(
        PYTHON,
        [
          "-c",
          "import sys; sys.path.insert(0, 'training'); import finetune_data as d; " +
            "print(' '.join(sorted(r['kind'] for r in d.read_export(sys.argv[1]))))",
          file,
        ],
        { encoding: "utf8" },
      );
      assert.equal(read.status, 0, read.stderr);
      assert.equal(read.stdout.trim(), "pair rated rated");
    },
  );
});
