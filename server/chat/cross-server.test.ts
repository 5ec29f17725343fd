// Two Loom server processes on one PostgreSQL and one model store (server/http/route-test-server.ts:
// the real services, HTTP guards and chat routes; the tiny fixture model through the real engine).
// B starts before the model exists; A registers it from the shared store; the CLI assigns it; B
// serves it, no restart. A session made by signing in on A works on B. An answer started on A is
// followed from B after the last event A delivered (no token lost or repeated) and stopped from
// B; the saved answer is exactly what the two streams carried. Needs a PostgreSQL (DATABASE_URL).
import assert from "node:assert/strict";
import { spawn, type ChildProcess } from "node:child_process";
import { randomBytes, randomUUID } from "node:crypto";
import { cpSync, mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { after, before, describe, test } from "node:test";
import { fileURLToPath } from "node:url";
import { eq } from "drizzle-orm";
import { openDatabase, type Database } from "../../db/client";
import { createFreshPostgres, NO_POSTGRES, type FreshPostgres } from "../../db/fresh-postgres";
import { generations, messages } from "../../db/schema";
import { createAuthService } from "../auth/auth-service";

const fixture = fileURLToPath(new URL("../inference/__fixtures__/tiny-llama/", import.meta.url));
const PASSWORD = "a-long-password";

interface ServerProcess {
  url: string;
  child: ChildProcess;
  stop(): Promise<void>;
}

/** One SSE event of the UI message stream. */
interface StreamEvent {
  /** The SSE id: the event's sequence number in the generation's log. */
  seq?: number;
  type: string;
  delta?: string;
  messageMetadata?: { status?: string };
}

/** Reads SSE events from a response body; `until` says when to stop reading (and leave). */
async function readEvents(response: Response, until: (events: StreamEvent[]) => boolean) {
  const events: StreamEvent[] = [];
  const reader = response.body!.pipeThrough(new TextDecoderStream()).getReader();
  let buffer = "";
  while (!until(events)) {
    const { value, done } = await reader.read();
    if (done) break;
    buffer += value;
    let end: number;
    while ((end = buffer.indexOf("\n\n")) >= 0) {
      const block = buffer.slice(0, end);
      buffer = buffer.slice(end + 2);
      const id = /^id: (\d+)$/m.exec(block)?.[1];
      const data = /^data: (.*)$/m.exec(block)?.[1];
      if (!data || data === "[DONE]") continue;
      events.push({ ...(JSON.parse(data) as StreamEvent), ...(id && { seq: Number(id) }) });
    }
  }
  await reader.cancel().catch(() => {});
  return events;
}

const textOf = (events: StreamEvent[]) =>
  events
    .filter((e) => e.type === "text-delta")
    .map((e) => e.delta)
    .join("");

describe("two Loom servers on one PostgreSQL", { timeout: 240_000 }, () => {
  let fresh: FreshPostgres | undefined;
  let database: Database;
  let root: string;
  let store: string;
  let a: ServerProcess;
  let b: ServerProcess;
  let env: Record<string, string>;
  let cookie: string;

  function startServer(name: string): Promise<ServerProcess> {
    const child = spawn(process.execPath, ["--import", "tsx", "server/http/route-test-server.ts"], {
      env: { ...process.env, ...env, LOOM_DATA_DIR: path.join(root, name) },
      stdio: ["ignore", "pipe", "pipe"],
    });
    let output = "";
    child.stderr!.on("data", (chunk: Buffer) => (output += chunk.toString()));
    const exited = new Promise<void>((resolve) => child.on("exit", () => resolve()));
    return new Promise((resolve, reject) => {
      child.stdout!.on("data", (chunk: Buffer) => {
        output += chunk.toString();
        const port = /listening (\d+)/.exec(output)?.[1];
        if (port)
          resolve({
            url: `http://127.0.0.1:${port}`,
            child,
            async stop() {
              child.kill("SIGTERM");
              await exited;
            },
          });
      });
      child.on("exit", (code) => reject(new Error(`server ${name} exited (${code}) before listening: ${output}`)));
    });
  }

  /** A request as the browser sends it to `server`: the session cookie, its own origin. */
  const call = (server: ServerProcess, route: string, init: { method?: string; body?: unknown } = {}) =>
    fetch(server.url + route, {
      method: init.method ?? "GET",
      headers: {
        Cookie: cookie,
        Origin: server.url,
        ...(init.body !== undefined && { "Content-Type": "application/json" }),
      },
      body: init.body === undefined ? undefined : JSON.stringify(init.body),
    });

  before(async () => {
    fresh = await createFreshPostgres("loom_servers");
    if (!fresh) return;
    root = mkdtempSync(path.join(tmpdir(), "loom-servers-"));
    store = path.join(root, "store");
    env = {
      DATABASE_URL: fresh.url,
      LOOM_MODELS_DIR: store,
      // Every server of one database signs cookies and seals keys alike (docs/deploy.md).
      SESSION_SECRET: randomBytes(32).toString("base64url"),
      LOOM_SECRET_KEY: randomBytes(32).toString("base64url"),
      LOOM_DEVICE: "cpu",
      // Paced, so that the answer is still being written when B takes over and when A reads B's
      // stop with its next heartbeat (up to 2 s later): the fixture's answers end at half its
      // context, so at 80 ms a token one could finish first on a fast machine.
      LOOM_STREAM_DELAY_MS: "200",
      LOOM_REQUESTS_PER_MINUTE: "1000",
      LOG_LEVEL: "warn",
    };
    b = await startServer("b"); // before the model exists anywhere
    cpSync(fixture, path.join(store, "tiny-llama"), { recursive: true });
    a = await startServer("a"); // registers the new folder of the shared store
    database = await openDatabase({ url: fresh.url });
    await createAuthService(database.db).createUser({ email: "u@example.com", name: "U", password: PASSWORD });
  });
  after(async () => {
    await Promise.all([a?.stop(), b?.stop()]);
    await database?.close();
    await fresh?.drop();
    if (root) rmSync(root, { recursive: true, force: true });
  });

  test("a session made on A works on B", async (t) => {
    if (!fresh) return t.skip(NO_POSTGRES);
    const signedIn = await fetch(`${a.url}/login`, {
      method: "POST",
      redirect: "manual",
      headers: { "Content-Type": "application/x-www-form-urlencoded", Origin: a.url },
      body: new URLSearchParams({ email: "u@example.com", password: PASSWORD }),
    });
    assert.equal(signedIn.status, 302, await signedIn.text());
    cookie = signedIn.headers.getSetCookie()[0]!.split(";")[0]!;
    const listed = await call(b, "/api/chats");
    assert.equal(listed.status, 200);
    assert.deepEqual(await listed.json(), { chats: [] });
  });

  test("the model A registered and the CLI assigned is served by B, which started before it existed", async (t) => {
    if (!fresh) return t.skip(NO_POSTGRES);
    const assign = spawn(
      process.execPath,
      ["--import", "tsx", "scripts/models.ts", "assign", "tiny-llama", "chat", "--default"],
      { env: { ...process.env, ...env, LOOM_DATA_DIR: path.join(root, "cli") }, stdio: "inherit" },
    );
    assert.equal(await new Promise((resolve) => assign.on("exit", resolve)), 0);
    const created = await call(b, "/api/chats", { method: "POST", body: { firstMessage: "Hello" } });
    assert.equal(created.status, 201, await created.clone().text());
    const { chat } = (await created.json()) as { chat: { id: string } };
    const answer = await call(b, "/api/chat", {
      method: "POST",
      body: { chatId: chat.id, parentId: null, message: { id: randomUUID(), text: "Hello" } },
    });
    assert.equal(answer.status, 200);
    const events = await readEvents(answer, (e) => e.some((x) => x.type === "text-delta"));
    assert.ok(textOf(events).length > 0, "B streams the model's answer");
    assert.equal((await call(b, `/api/chat/${chat.id}/stop`, { method: "POST" })).status, 200); // B runs it
  });

  test("an answer started on A is followed and stopped from B: nothing lost, nothing repeated", async (t) => {
    if (!fresh) return t.skip(NO_POSTGRES);
    const chatId = randomUUID();
    const created = await call(a, "/api/chats", { method: "POST", body: { id: chatId, firstMessage: "Tell me" } });
    assert.equal(created.status, 201);
    const onA = await call(a, "/api/chat", {
      method: "POST",
      body: { chatId, parentId: null, message: { id: randomUUID(), text: "Tell me a long story" } },
    });
    assert.equal(onA.status, 200);
    // The reader on A leaves after a few tokens (a closed tab); the answer goes on, on A.
    const fromA = await readEvents(onA, (e) => e.filter((x) => x.type === "text-delta").length >= 3);
    const lastSeen = Math.max(...fromA.filter((e) => e.seq !== undefined).map((e) => e.seq!));

    const followed = await fetch(`${b.url}/api/chat/${chatId}/stream`, {
      headers: { Cookie: cookie, "Last-Event-ID": String(lastSeen) },
    });
    assert.equal(followed.status, 200);
    let stopping: Promise<Response> | undefined;
    const fromB = await readEvents(followed, (e) => {
      // Stop from B once B has carried a few tokens of its own; then read on to the end.
      if (!stopping && e.filter((x) => x.type === "text-delta").length >= 3)
        stopping = call(b, `/api/chat/${chatId}/stop`, { method: "POST" });
      return e.some((x) => x.type === "finish");
    });
    // The stop's answer and the stream's last event race: the finish may be read first.
    assert.ok(stopping, "B carried three tokens before the answer ended");
    assert.equal((await stopping).status, 202, "B asked A, the instance writing it, to stop");
    assert.equal(fromB.at(-1)?.messageMetadata?.status, "stopped");
    const seqs = fromB.filter((e) => e.type === "text-delta").map((e) => e.seq!);
    assert.ok(seqs[0]! > lastSeen, "B starts after the last event A delivered");
    assert.deepEqual(
      seqs,
      [...seqs].sort((x, y) => x - y),
    );
    assert.equal(new Set(seqs).size, seqs.length);

    const [generation] = await database.db.select().from(generations).where(eq(generations.chatId, chatId));
    assert.equal(generation?.status, "stopped");
    const [saved] = await database.db.select().from(messages).where(eq(messages.id, generation!.messageId));
    const savedText = (saved!.parts as { type: string; text?: string }[])
      .filter((p) => p.type === "text")
      .map((p) => p.text)
      .join("");
    assert.equal(textOf(fromA) + textOf(fromB), savedText, "the saved answer is exactly what A and B carried");
  });
});
