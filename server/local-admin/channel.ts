// How `npm run admin:create` and `npm run models` reach a running server that holds the embedded
// database (no other process may open it: db/lock.ts). A Unix socket inside the data folder, in
// a directory only the server's user can enter: whoever can connect could read the database
// files anyway, so the file system's permissions are the authentication. Nothing listens on a
// network port, and a reverse proxy cannot forward to it.
import { chmodSync, mkdirSync, rmSync } from "node:fs";
import http from "node:http";
import path from "node:path";
import type { Logger } from "../logger";
import { adminRequest, type AdminRequest } from "./commands";

/** sun_path holds 108 bytes on Linux (104 on macOS): longer data folder paths get no channel. */
const MAX_SOCKET_PATH = 100;
const MAX_BODY_BYTES = 64 * 1024;

export function localAdminSocketPath(dataDir: string) {
  return path.join(dataDir, "local-admin", "server.sock");
}

export interface LocalAdminChannel {
  close(): Promise<void>;
}

/**
 * A streamed answer: an error before the first chunk (a bad request) is a 422 with its message; one
 * after it cuts the response, which the CLI reports as an incomplete answer. Writes wait for the
 * CLI to read (backpressure): a large export never piles up in memory.
 */
async function streamAnswer(
  stream: (body: unknown) => AsyncIterable<string>,
  body: string,
  res: http.ServerResponse,
  reply: (status: number, body: { error: string }) => void,
) {
  let chunks: AsyncIterator<string>;
  let first: IteratorResult<string>;
  try {
    chunks = stream(JSON.parse(body))[Symbol.asyncIterator]();
    first = await chunks.next();
  } catch (error) {
    return reply(422, { error: error instanceof Error ? error.message : String(error) });
  }
  res.writeHead(200, { "Content-Type": "application/x-ndjson" });
  for (let next = first; !next.done; next = await chunks.next()) {
    if (res.destroyed) return void (await chunks.return?.());
    if (!res.write(next.value)) await new Promise((resolve) => res.once("drain", resolve).once("close", resolve));
  }
  res.end();
}

/** Only for a server that holds its data folder's lock: an old socket there is then a dead server's. */
export async function startLocalAdminChannel(options: {
  dataDir: string;
  run: (request: AdminRequest) => Promise<string[]>;
  /** Answers streamed as they are made (`npm run feedback -- export`): path → chunks for a JSON body. */
  streams?: Record<string, (body: unknown) => AsyncIterable<string>>;
  logger: Logger;
}): Promise<LocalAdminChannel | undefined> {
  const { logger } = options;
  const socketPath = localAdminSocketPath(options.dataDir);
  if (Buffer.byteLength(socketPath) > MAX_SOCKET_PATH) {
    logger.warn("data folder path too long for the local admin socket: stop the server to run the CLIs", {
      socketPath,
    });
    return undefined;
  }
  const dir = path.dirname(socketPath);
  mkdirSync(dir, { recursive: true, mode: 0o700 });
  chmodSync(dir, 0o700); // also when it existed with other permissions
  rmSync(socketPath, { force: true });

  // A CLI that goes away mid-request makes reading its body reject: that ends its request only.
  const server = http.createServer((req, res) =>
    handle(req, res).catch((error: unknown) => {
      logger.warn("local admin request failed", { error: String(error) });
      res.destroy();
    }),
  );
  async function handle(req: http.IncomingMessage, res: http.ServerResponse) {
    const reply = (status: number, body: { output?: string[]; error?: string }) =>
      res.writeHead(status, { "Content-Type": "application/json" }).end(JSON.stringify(body));
    const stream = req.url ? options.streams?.[req.url] : undefined;
    if (req.method !== "POST" || (req.url !== "/run" && !stream)) return reply(404, { error: "Not found." });
    let body = "";
    for await (const chunk of req) {
      body += String(chunk);
      if (body.length > MAX_BODY_BYTES) return reply(413, { error: "Request too large." });
    }
    if (stream) return streamAnswer(stream, body, res, reply);
    let request: AdminRequest;
    try {
      const parsed = adminRequest.safeParse(JSON.parse(body));
      if (!parsed.success) return reply(400, { error: parsed.error.issues[0]!.message });
      request = parsed.data;
    } catch {
      return reply(400, { error: "The request is not valid JSON." });
    }
    logger.info("local admin command", { command: request.command }); // never its arguments: a password
    try {
      reply(200, { output: await options.run(request) });
    } catch (error) {
      reply(422, { error: error instanceof Error ? error.message : String(error) });
    }
  }

  await new Promise<void>((resolve, reject) => {
    server.once("error", reject);
    server.listen(socketPath, () => {
      server.off("error", reject);
      resolve();
    });
  });
  chmodSync(socketPath, 0o600);
  return {
    async close() {
      await new Promise<void>((resolve) => server.close(() => resolve()));
      rmSync(socketPath, { force: true });
    },
  };
}
