// Loom's OpenAI-compatible API under /v1, an Express router mounted before the web app's guards
// (decision 021): a request is authenticated by its bearer key alone (cookies are never read, so
// the same-origin CSRF check has nothing to protect), bodies have their own limit, and every
// answer, errors included, is in OpenAI's shape. The work is in generation.ts; this is glue.
import express, { type NextFunction, type Request, type Response } from "express";
import type { z } from "zod";
import type { PublicUser } from "../auth/auth-service";
import type { ApiKeys } from "../auth/api-keys";
import { bodyDeadline } from "../http/body-timeout";
import { clientGoneSignal } from "../http/client-gone";
import { logger } from "../logger";
import type { Registry } from "../registry/registry";
import { fromZodError, OpenAiError, toOpenAiError } from "./errors";
import { ClientGoneError, startApiGeneration, type ApiGenerationServices, type GenerationPart } from "./generation";
import { chatCompletionRequest, completionRequest, type CompletionRequest } from "./requests";
import { streamChunks, wholeResponse, type Endpoint } from "./responses";
import { createDeltaCoalescer } from "./delta-coalescer";
import type { ApiMessage } from "./model-call";
import { listApiModels } from "./models";

export interface OpenAiRouterOptions {
  services: ApiGenerationServices & {
    apiKeys: Pick<ApiKeys, "authenticate">;
    registry: Pick<Registry, "listModels">;
  };
  maxBodyBytes: number;
  /** How often a stream writes the text it holds (delta-coalescer.ts); 0 = every delta at once. */
  streamIntervalMs: number;
}

type Authenticated = Response<unknown, { user: PublicUser }>;

export function createOpenAiRouter({ services, maxBodyBytes, streamIntervalMs }: OpenAiRouterOptions) {
  const router = express.Router();

  router.use(async (req, res: Authenticated, next) => {
    try {
      res.locals.user = await authenticate(req);
      next();
    } catch (error) {
      next(error);
    }
  });
  router.use(
    bodyDeadline(() => ({ idleMs: 30_000, totalMs: 60_000 })),
    express.json({ limit: maxBodyBytes, type: () => true }),
  );

  router.get("/models", async (_req, res, next) => {
    try {
      res.json({ object: "list", data: await listApiModels(services.registry) });
    } catch (error) {
      next(error);
    }
  });
  router.get("/models/:id", async (req, res, next) => {
    try {
      const model = (await listApiModels(services.registry)).find((m) => m.id === req.params.id);
      if (!model)
        throw new OpenAiError(404, `The model '${req.params.id}' does not exist.`, "model_not_found", "model");
      res.json(model);
    } catch (error) {
      next(error);
    }
  });

  router.post("/chat/completions", async (req, res: Authenticated, next) => {
    try {
      const body = parse(chatCompletionRequest, req.body);
      const messages: ApiMessage[] = body.messages.map((m) => ({
        role: m.role === "developer" ? "system" : m.role,
        content: typeof m.content === "string" ? m.content : (m.content ?? []).map((p) => p.text).join(""),
      }));
      await respond(res, "chat", body, messages, body.max_completion_tokens ?? body.max_tokens);
    } catch (error) {
      next(error);
    }
  });
  router.post("/completions", async (req, res: Authenticated, next) => {
    try {
      const body = parse(completionRequest, req.body);
      const prompt = Array.isArray(body.prompt) ? body.prompt[0]! : body.prompt;
      await respond(res, "completion", body, [{ role: "user", content: prompt }], body.max_tokens);
    } catch (error) {
      next(error);
    }
  });

  router.use((req, _res, next) =>
    next(new OpenAiError(404, `Unknown endpoint: ${req.method} /v1${req.path}.`, "unknown_url")),
  );
  router.use((error: unknown, _req: Request, res: Response, _next: NextFunction) => sendApiError(res, error));

  /** Runs the generation and answers it, whole or as server-sent events. */
  async function respond(
    res: Authenticated,
    endpoint: Endpoint,
    body: Omit<CompletionRequest, "prompt" | "echo" | "suffix">,
    messages: ApiMessage[],
    maxTokens: number | null | undefined,
  ) {
    const stop = typeof body.stop === "string" ? [body.stop] : (body.stop ?? undefined);
    const generation = await startApiGeneration(
      services,
      {
        userId: res.locals.user.id,
        // Chat completions run as the Chat app, raw completions as Code: the models assigned there.
        app: endpoint === "chat" ? "chat" : "code",
        modelId: body.model,
        messages,
        raw: endpoint === "completion",
        decoding: {
          temperature: body.temperature ?? undefined,
          topP: body.top_p ?? undefined,
          maxOutputTokens: maxTokens ?? undefined,
          stopSequences: stop?.length ? stop : undefined,
          seed: body.seed ?? undefined,
          frequencyPenalty: body.frequency_penalty ?? undefined,
          presencePenalty: body.presence_penalty ?? undefined,
        },
      },
      clientGoneSignal(res),
    );
    if (body.stream)
      return streamAnswer(res, endpoint, generation, body.stream_options?.include_usage ?? false, streamIntervalMs);

    let text = "";
    for await (const part of generation.parts) {
      if (part.type === "text") text += part.text;
      else if (part.type === "error") throw part.error;
      else return res.json(wholeResponse(endpoint, generation, text, part.finishReason, part.usage));
    }
    res.end(); // stopped: the client went away, or the shutdown cut it
  }

  async function authenticate(req: Request): Promise<PublicUser> {
    const header = req.get("authorization");
    const match = header ? /^Bearer\s+(\S+)\s*$/i.exec(header) : null;
    if (!match) {
      const hint = req.get("cookie") ? " Cookies are not accepted here." : "";
      throw new OpenAiError(
        401,
        `Send your API key as "Authorization: Bearer <key>" (create one in Settings › API keys).${hint}`,
        "missing_api_key",
      );
    }
    const outcome = await services.apiKeys.authenticate(match[1]!);
    if ("user" in outcome) return outcome.user;
    if (outcome.refused === "disabled") throw new OpenAiError(403, "This account is disabled.", "account_disabled");
    throw new OpenAiError(401, "Incorrect API key provided.", "invalid_api_key");
  }
  return router;
}

function parse<S extends z.ZodType>(schema: S, body: unknown): z.output<S> {
  if (typeof body !== "object" || body === null || Array.isArray(body))
    throw new OpenAiError(400, "Send a JSON object as the request body.", "invalid_request");
  const parsed = schema.safeParse(body);
  if (!parsed.success) throw fromZodError(parsed.error);
  return parsed.data;
}

/** Server-sent events, one JSON chunk each, ending with `data: [DONE]`; an error after the first token is a last `error` event. */
async function streamAnswer(
  res: Response,
  endpoint: Endpoint,
  generation: { runId: string; modelId: string; created: number; parts: AsyncGenerator<GenerationPart> },
  includeUsage: boolean,
  intervalMs: number,
) {
  res.writeHead(200, {
    "Content-Type": "text/event-stream; charset=utf-8",
    "Cache-Control": "no-store",
    Connection: "keep-alive",
    "X-Accel-Buffering": "no",
  });
  const send = (data: unknown) => res.write(`data: ${JSON.stringify(data)}\n\n`);
  const chunks = streamChunks(endpoint, generation, includeUsage);
  const deltas = createDeltaCoalescer(intervalMs, (text) => {
    if (!res.destroyed) send(chunks.text(text));
  });
  try {
    for await (const part of generation.parts) {
      if (res.destroyed) break;
      if (part.type === "text") deltas.push(part.text);
      else if (part.type === "error") {
        deltas.drain();
        send(errorBody(part.error));
        break;
      } else {
        deltas.drain();
        send(chunks.finish(part.finishReason));
        if (includeUsage) send(chunks.usage(part.usage));
        res.write("data: [DONE]\n\n");
      }
    }
  } finally {
    deltas.close();
    await generation.parts.return(undefined);
    res.end();
  }
}

function errorBody(error: unknown) {
  const known = toOpenAiError(error);
  if (known) return known.body;
  logger.error("unexpected error in the OpenAI API", { error });
  return new OpenAiError(500, "The model failed to answer.", "server_error").body;
}

function sendApiError(res: Response, error: unknown) {
  if (error instanceof ClientGoneError) return res.end();
  const bodyParser = error as { type?: string; limit?: number };
  let known = toOpenAiError(error);
  if (!known && bodyParser.type === "entity.too.large")
    known = new OpenAiError(
      413,
      `The request body is too large: the limit is ${Math.floor((bodyParser.limit ?? 0) / 1024)} KiB.`,
      "request_too_large",
    );
  else if (!known && bodyParser.type === "entity.parse.failed")
    known = new OpenAiError(400, "The request body is not valid JSON.", "invalid_json");
  if (res.headersSent) return res.end();
  const answer = known ?? new OpenAiError(500, "Something went wrong on our side.", "server_error");
  if (!known) logger.error("unexpected error in the OpenAI API", { error });
  if (answer.retryAfterSeconds !== undefined) res.set("Retry-After", String(Math.ceil(answer.retryAfterSeconds)));
  res.status(answer.status).json(answer.body);
}
