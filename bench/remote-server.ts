// The /v1 end of `npm run bench:remote` as its own process, as a remote engine is deployed: a Loom
// server (server/openai/test-server.ts) on a fresh data folder, with a bench user and an API key.
// Prints `LOOM_BENCH_READY {v1, key, modelId}` on a line of its own when it is ready (the server's
// log lines share stdout). Then each line on stdin, `{"concurrency": n, "maxTokens": t}`, runs one
// round on the server's own in-process model (the same engine /v1 serves) and is answered with
// `LOOM_BENCH_ROUND {streams, wallS}`. It stops when its stdin closes.
// Environment: as startTestServer (LOOM_MODELS_DIR, DATABASE_URL, LOOM_MAX_CONCURRENT, …), plus
// LOOM_BENCH_CHAT_MODEL: a model id to make Chat's default first (a folder that declares no tasks).
import { createInterface } from "node:readline";
import { startTestServer } from "../server/openai/test-server";
import { benchUserKey, makeChatDefault, READY, ROUND } from "./remote-setup";
import { round } from "./remote-streams";

// Loom's settings from the environment, except the data folder: the server takes a fresh one.
const settings = Object.fromEntries(
  Object.entries(process.env).filter(
    (entry): entry is [string, string] =>
      (entry[0].startsWith("LOOM_") || entry[0] === "DATABASE_URL") &&
      entry[0] !== "LOOM_DATA_DIR" &&
      entry[1] !== undefined,
  ),
);
const server = await startTestServer(settings);
const modelId = await makeChatDefault(server.services, process.env.LOOM_BENCH_CHAT_MODEL);
const key = await benchUserKey(server.services);
const inProcess = await server.services.registry.languageModel("chat");
process.stdout.write(`${READY} ${JSON.stringify({ v1: server.v1, key, modelId })}\n`);

// One round at a time: the bench waits for each answer before it asks again.
const lines = createInterface({ input: process.stdin });
for await (const line of lines) {
  const { concurrency, maxTokens } = JSON.parse(line) as { concurrency: number; maxTokens: number };
  const result = await round(inProcess.model, concurrency, maxTokens);
  process.stdout.write(`${ROUND} ${JSON.stringify(result)}\n`);
}
await server.stop();
process.exit(0);
