// `npm run feedback -- export …`: the same export as Admin › Feedback's download, to stdout, on the
// server's database. Like the other CLIs it opens the database itself when it may, and otherwise
// asks the running server that holds the embedded one, through its local admin socket
// (server/local-admin/channel.ts), which streams the lines back. Data on stdout, the rest on stderr.
import { existsSync } from "node:fs";
import http from "node:http";
import { Readable, type Writable } from "node:stream";
import { pipeline } from "node:stream/promises";
import { parseArgs } from "node:util";
import { z } from "zod";
import { openDatabase } from "../../db/client";
import { isDatabaseInUse } from "../../db/lock";
import { loadConfig } from "../config";
import { localAdminSocketPath } from "../local-admin/channel";
import { exportJsonl } from "./export-rows";
import { EXPORT_FORMATS, feedbackFilters, type ExportFormat } from "./filters";
import { createFeedbackStore, type FeedbackStore } from "./rated-answers";

export const FEEDBACK_EXPORT_PATH = "/feedback-export";

export const USAGE = `Usage: npm run feedback -- export [--model ID] [--app chat] [--rating up|down]
                     [--since YYYY-MM-DD] [--until YYYY-MM-DD] [--format messages|preference] > file.jsonl
Rated answers as JSONL (one conversation a line; preference: liked/disliked answer pairs).
Users who opted out of training data are left out. The file may contain personal data.`;

const exportRequest = z.object({ filters: feedbackFilters, format: z.enum(EXPORT_FORMATS) });
type ExportRequest = z.infer<typeof exportRequest>;

/** The server's side of the socket: the request checked, then the export's lines. */
export async function* feedbackExportOverChannel(store: FeedbackStore, body: unknown): AsyncGenerator<string> {
  const parsed = exportRequest.safeParse(body);
  if (!parsed.success) throw new Error(parsed.error.issues[0]!.message);
  yield* exportJsonl(store, parsed.data.filters, parsed.data.format);
}

export interface CliIo {
  stdout: Writable;
  stderr: Writable;
  env?: NodeJS.ProcessEnv;
}

/** Runs the command line `argv` (after `npm run feedback --`); resolves to the exit code. */
export async function runFeedbackCli(argv: string[], io: CliIo): Promise<number> {
  const say = (line: string) => void io.stderr.write(`${line}\n`);
  let request: ExportRequest;
  try {
    request = parseCommandLine(argv);
  } catch (error) {
    say(error instanceof Error ? error.message : String(error));
    say(USAGE);
    return 2;
  }
  try {
    const rows = await exportTo(request, io.stdout, io.env);
    say(`Exported ${rows} ${request.format === "preference" ? "preference pairs" : "rated answers"}.`);
    return 0;
  } catch (error) {
    say(error instanceof Error ? error.message : String(error));
    return 1;
  }
}

function parseCommandLine(argv: string[]): ExportRequest {
  const { positionals, values } = parseArgs({
    args: argv,
    allowPositionals: true,
    options: {
      model: { type: "string" },
      app: { type: "string" },
      rating: { type: "string" },
      since: { type: "string" },
      until: { type: "string" },
      format: { type: "string", default: "messages" },
    },
  });
  if (positionals.length !== 1 || positionals[0] !== "export") throw new Error("The only command is export.");
  const { format, ...given } = values;
  const filters = feedbackFilters.safeParse(given);
  if (!filters.success) throw new Error(`--${filters.error.issues[0]!.message}`);
  if (!(EXPORT_FORMATS as readonly string[]).includes(format))
    throw new Error(`--format is one of: ${EXPORT_FORMATS.join(", ")}.`);
  return { filters: filters.data, format: format as ExportFormat };
}

/** Writes the export to `out`; resolves to the number of lines. */
async function exportTo(request: ExportRequest, out: Writable, env = process.env): Promise<number> {
  const config = loadConfig(env);
  let database;
  try {
    database = await openDatabase({ url: config.databaseUrl, pgliteDir: config.pgliteDir });
  } catch (error) {
    if (!isDatabaseInUse(error)) throw error;
    const socketPath = localAdminSocketPath(config.dataDir);
    if (!existsSync(socketPath)) throw new Error(`${error.message}\nStop it first, then run this command again.`);
    return copyLines(await throughServer(socketPath, request), out);
  }
  try {
    return await copyLines(
      Readable.from(exportJsonl(createFeedbackStore(database.db), request.filters, request.format)),
      out,
    );
  } finally {
    await database.close();
  }
}

/** Copies with backpressure, counting lines; `out` stays open (it is stdout). */
async function copyLines(lines: Readable, out: Writable): Promise<number> {
  let count = 0;
  lines.on("data", (chunk: string | Buffer) => {
    for (const c of String(chunk)) if (c === "\n") count++;
  });
  await pipeline(lines, out, { end: false });
  return count;
}

/** The export streamed by the running server; a refusal becomes an error with its message. */
function throughServer(socketPath: string, request: ExportRequest): Promise<Readable> {
  return new Promise((resolve, reject) => {
    const req = http.request(
      { socketPath, path: FEEDBACK_EXPORT_PATH, method: "POST", headers: { "Content-Type": "application/json" } },
      (res) => {
        if (res.statusCode === 200) {
          // A response cut mid-way (the server failed or stopped) must not pass for a whole file.
          res.on("aborted", () => res.destroy(new Error("The server stopped before the export was complete.")));
          return resolve(res);
        }
        let text = "";
        res.setEncoding("utf8");
        res.on("data", (chunk: string) => (text += chunk));
        res.on("end", () => {
          let message = `The server answered ${res.statusCode}.`;
          try {
            message = (JSON.parse(text) as { error?: string }).error ?? message;
          } catch {
            // not JSON: keep the status
          }
          reject(new Error(message));
        });
      },
    );
    req.on("error", () => reject(new Error("The running server could not be reached. Stop it, then run this again.")));
    req.end(JSON.stringify(request));
  });
}
