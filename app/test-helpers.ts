// Route tests: a load context holding only the services a route reaches, a signed-in request, and
// what a loader or action answered (a Response, thrown or returned, or Remix's `data()`), read
// the same way whichever it was. Used by the colocated *.test.ts of app/routes.
import { createCookie, type AppLoadContext } from "@remix-run/node";
import type { PublicUser } from "../server/auth/auth-service";

const sessionCookie = createCookie("loom_session", { secrets: ["test"] });
const TOKEN = "test-session";

export const testUser: PublicUser = {
  id: "00000000-0000-4000-8000-000000000001",
  email: "user@example.com",
  name: "User",
  role: "user",
  createdAt: new Date(0),
};

export const testAdmin: PublicUser = { ...testUser, id: "00000000-0000-4000-8000-000000000002", role: "admin" };

/** A context where the test session belongs to `user`; any other service is the test's. */
export function contextFor(services: Record<string, unknown>, user: PublicUser = testUser): AppLoadContext {
  const auth = { userForSession: async (token: string) => (token === TOKEN ? user : null), ...(services.auth ?? {}) };
  return { services: { sessionCookie, ...services, auth }, clientAddress: "127.0.0.1" } as unknown as AppLoadContext;
}

/** A request from the signed-in test user: `body` as JSON, or as a form when it is URLSearchParams. */
export async function signedInRequest(
  url: string,
  { method = "POST", body }: { method?: string; body?: unknown } = {},
): Promise<Request> {
  const headers = new Headers({ Cookie: await sessionCookie.serialize(TOKEN) });
  let payload: string | undefined;
  if (body instanceof URLSearchParams) {
    headers.set("Content-Type", "application/x-www-form-urlencoded");
    payload = body.toString();
  } else if (body !== undefined) {
    headers.set("Content-Type", "application/json");
    payload = JSON.stringify(body);
  }
  return new Request(new URL(url, "http://loom.test"), { method, headers, body: payload });
}

export interface RouteAnswer {
  status: number;
  body: unknown;
}

/** What a loader or action answered, returned or thrown; anything else thrown is rethrown. */
export async function answerOf(call: () => Promise<unknown>): Promise<RouteAnswer> {
  let value: unknown;
  try {
    value = await call();
  } catch (thrown) {
    if (!(thrown instanceof Response) && !isData(thrown)) throw thrown;
    value = thrown;
  }
  if (value instanceof Response) {
    const text = await value.text();
    return {
      status: value.status,
      body: text && value.headers.get("Content-Type")?.includes("json") ? JSON.parse(text) : text,
    };
  }
  if (isData(value)) return { status: value.init?.status ?? 200, body: value.data };
  return { status: 200, body: value };
}

/** Remix's `data(value, init)`: a plain object with its `type`, so it is recognised by shape. */
function isData(value: unknown): value is { data: unknown; init: ResponseInit | null } {
  return typeof value === "object" && value !== null && (value as { type?: unknown }).type === "DataWithResponseInit";
}
