// The shared path of every generation API route (app/routes/api.*): a signed-in user, a bounded
// JSON body validated with zod, the burst limit and the daily quota, the one-shot apps' stream,
// and errors as JSON with the status that fits. The five applications differ only in their task
// module and page.
import type { AppLoadContext } from "@remix-run/node";
import { createUIMessageStreamResponse } from "ai";
import type { z } from "zod";
import type { PublicUser } from "../server/auth/auth-service";
import { streamOneShot, type OneShotRequest } from "../server/generation/one-shot";
import { codeForStatus, publicErrorOf } from "../server/http-error";
import { logger } from "../server/logger";
import { getUser } from "./session.server";

/**
 * Thrown as a response: `{ error, code }` JSON with a status and, for 429/503, Retry-After. The
 * code is the public error's own, or the status's generic one (server/http-error.ts).
 */
export function apiError(
  status: number,
  message: string,
  extra: { code?: string; retryAfterSeconds?: number } = {},
): never {
  const { code = codeForStatus(status), retryAfterSeconds } = extra;
  throw Response.json(
    { error: message, code },
    { status, headers: retryAfterSeconds ? { "Retry-After": String(Math.ceil(retryAfterSeconds)) } : undefined },
  );
}

export async function requireApiUser(request: Request, context: AppLoadContext): Promise<PublicUser> {
  const user = await getUser(request, context);
  if (!user) apiError(401, "Sign in to use this application.");
  return user;
}

/** Reads a JSON body of at most `maxBytes` and validates it; 413 and 400 name what is wrong. */
export async function readJson<S extends z.ZodType>(
  request: Request,
  schema: S,
  maxBytes = 1024 * 1024,
): Promise<z.output<S>> {
  if (!request.headers.get("Content-Type")?.includes("application/json")) apiError(415, "Send the request as JSON.");
  const text = await request.text();
  if (Buffer.byteLength(text) > maxBytes)
    apiError(413, `Request too large: the limit is ${Math.floor(maxBytes / 1024)} KiB.`);
  let body: unknown;
  try {
    body = JSON.parse(text);
  } catch {
    apiError(400, "The request body is not valid JSON.");
  }
  const parsed = schema.safeParse(body);
  if (!parsed.success) {
    const issue = parsed.error.issues[0]!;
    // Over-long inputs are 413 with the limit in the message; every other problem is a 400.
    const tooBig = issue.code === "too_big";
    apiError(tooBig ? 413 : 400, issue.message);
  }
  return parsed.data;
}

/** Burst limit, then daily quota; both 429 with Retry-After. */
export async function admitGeneration(context: AppLoadContext, user: PublicUser) {
  try {
    context.services.rateLimiter.take(user.id);
    await context.services.quotas.assertWithinQuota(user.id);
  } catch (error) {
    rethrowAsApiError(error);
  }
}

/**
 * A one-shot app's answer (summarise, translate, code): the AI SDK's UI message stream, which
 * proxies must not buffer, ending when the client goes away (`context.clientGone`, never
 * `request.signal`: see server/http/client-gone.ts); a refusal before it starts is JSON.
 */
export async function oneShotResponse(context: AppLoadContext, oneShot: OneShotRequest): Promise<Response> {
  try {
    const stream = await streamOneShot(context.services, oneShot, context.clientGone);
    return createUIMessageStreamResponse({ stream, headers: { "X-Accel-Buffering": "no" } });
  } catch (error) {
    rethrowAsApiError(error);
  }
}

/** Known errors keep their status and message; anything else is logged and becomes a plain 500. */
export function rethrowAsApiError(error: unknown): never {
  if (error instanceof Response) throw error;
  const known = publicErrorOf(error);
  if (known) apiError(known.status, known.message, known);
  logger.error("unexpected error in an API route", { error });
  apiError(500, "Something went wrong on our side.");
}

/** Admin APIs: 401 signed out, 403 for users; checked in every admin loader and action. */
export async function requireApiAdmin(request: Request, context: AppLoadContext): Promise<PublicUser> {
  const user = await requireApiUser(request, context);
  if (user.role !== "admin") apiError(403, "This is for administrators.");
  return user;
}
