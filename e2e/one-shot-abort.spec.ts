// A closed tab stops its one-shot generation (issue 12, item 3). The server runs with a full
// garbage collection every 200 ms (e2e/force-gc.ts), which is what lost Remix's request.signal:
// 20 translations are aborted after their first piece; every decode slot must be free at once
// and every run recorded stopped with the tokens that reached the client. API only, no browser.
import { expect, test } from "@playwright/test";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { eq } from "drizzle-orm";
import { openDatabase } from "../db/client";
import { runs, users } from "../db/schema";
import { newUser } from "./accounts";
import { startServer } from "./server";

const STREAMS = 20;
const TEXT =
  "The old lighthouse stood on the cliff for a hundred years. Every night its keeper climbed the stairs " +
  "and lit the lamp. The ships that passed in the storm saw the light and found their way home.";

test.describe.configure({ timeout: 240_000 });

/** Signs a new user up; returns the session cookie and the email. */
async function signUp(baseUrl: string) {
  const user = newUser();
  const response = await fetch(`${baseUrl}/signup`, {
    method: "POST",
    redirect: "manual",
    body: new URLSearchParams(user),
  });
  expect(response.status, "sign-up redirects").toBe(302);
  const cookie = response.headers
    .getSetCookie()
    .map((c) => c.split(";")[0])
    .join("; ");
  return { cookie, email: user.email };
}

/**
 * Starts a translation of a few sentences (paced, so it takes seconds) and leaves as soon as the
 * first text arrived, as a closed tab does; returns the text deltas that had arrived by then. (Not
 * a code completion: those end at their statement, often before a client could leave.)
 */
async function openAndLeave(baseUrl: string, cookie: string): Promise<number> {
  const leave = new AbortController();
  const response = await fetch(`${baseUrl}/api/translate`, {
    method: "POST",
    signal: leave.signal,
    headers: { "Content-Type": "application/json", Cookie: cookie },
    body: JSON.stringify({ text: TEXT, source: "en", target: "de" }),
  });
  expect(response.status).toBe(200);
  const decoder = new TextDecoder();
  let buffered = "";
  let deltas = 0;
  const reader = response.body!.getReader();
  for (;;) {
    const { done, value } = await reader.read();
    expect(done, "the answer is still being written when the client leaves").toBe(false);
    buffered += decoder.decode(value, { stream: true });
    const events = buffered.split("\n\n");
    buffered = events.pop()!;
    for (const event of events) {
      if (!event.startsWith("data: {")) continue;
      const chunk = JSON.parse(event.slice("data: ".length)) as { type: string };
      expect(chunk.type, "no error in the stream").not.toBe("error");
      if (chunk.type === "text-delta") deltas++;
    }
    if (deltas > 0) {
      leave.abort();
      return deltas;
    }
  }
}

// The runs are read once the server has stopped: its shutdown waits for every run's outcome
// (RunRecorder.settle), including those still being decided when the slots are already free.
test("aborted one-shot streams free their slots at once and are recorded stopped with what was delivered", async () => {
  const dataDir = mkdtempSync(path.join(tmpdir(), "loom-e2e-abort-"));
  // Paced, so that a piece is either delivered or not yet written when the client leaves; all 20
  // decode together.
  const server = await startServer(
    { LOOM_DATA_DIR: dataDir, LOOM_STREAM_DELAY_MS: "100", LOOM_MAX_CONCURRENT: String(STREAMS) },
    { nodeArgs: ["--expose-gc", "--import", "./e2e/force-gc.ts"] },
  );
  let stopped = false;
  try {
    const { cookie, email } = await signUp(server.baseUrl);
    const delivered = await Promise.all(Array.from({ length: STREAMS }, () => openAndLeave(server.baseUrl, cookie)));

    // The last client left just now: its slot, and every other, is free by the next decode step
    // (the bound allows for slow steps under forced GC; a lost abort holds them for minutes).
    const generating = async () =>
      ((await (await fetch(`${server.baseUrl}/healthz`)).json()) as { registry: { generating: unknown } }).registry
        .generating;
    await expect.poll(generating, { timeout: 5_000, intervals: [50] }).toEqual({ active: 0, waiting: 0 });

    await server.stop(); // the runs are read from the database the server wrote, once it is closed
    stopped = true;
    const database = await openDatabase({
      url: process.env.DATABASE_URL || undefined,
      pgliteDir: path.join(dataDir, "pglite"),
    });
    try {
      const rows = await database.db
        .select({ status: runs.status, completionTokens: runs.completionTokens })
        .from(runs)
        .innerJoin(users, eq(runs.userId, users.id))
        .where(eq(users.email, email));
      expect(rows.map((r) => r.status)).toEqual(Array(STREAMS).fill("stopped"));
      // Runs are not tied to their requests: pair them in order. Each counts what reached its client,
      // or one more (a piece already written when the close arrived).
      const recorded = rows.map((r) => r.completionTokens).sort((a, b) => a - b);
      const received = [...delivered].sort((a, b) => a - b);
      recorded.forEach((tokens, i) => {
        expect(
          tokens,
          `run ${i}: ${recorded.join(",")} recorded, ${received.join(",")} received`,
        ).toBeGreaterThanOrEqual(received[i]!);
        expect(tokens, `run ${i}: ${recorded.join(",")} recorded, ${received.join(",")} received`).toBeLessThanOrEqual(
          received[i]! + 1,
        );
      });
    } finally {
      await database.close();
    }
  } finally {
    if (!stopped) await server.stop();
    rmSync(dataDir, { recursive: true, force: true });
  }
});
