// The throttle matrix, through the auth service: who is refused after whose failures, for how long.
import assert from "node:assert/strict";
import { after, before, describe, test } from "node:test";
import type { Database } from "../../db/client";
import { openTestDatabase } from "../../db/test-database";
import { AuthError, createAuthService, type AuthService } from "./auth-service";

const PER_ACCOUNT_AND_ADDRESS = 3;
const PER_ADDRESS = 8;
const WINDOW_S = 15 * 60;

describe("sign-in throttle (database: " + (process.env.DATABASE_URL ? "postgres" : "pglite") + ")", () => {
  let database: Database;
  let auth: AuthService;
  let clock = new Date("2026-01-01T00:00:00Z");
  const wait = (seconds: number) => (clock = new Date(clock.getTime() + seconds * 1000));

  const signIn = (email: string, password: string, clientAddress: string) =>
    auth.signIn({ email, password, clientAddress });
  const signsIn = async (email: string, password: string, clientAddress: string) =>
    assert.equal((await signIn(email, password, clientAddress)).email, email, `${email} from ${clientAddress}`);
  const isRefused = (code: string) => (e: unknown) => e instanceof AuthError && e.code === code;
  const fails = (email: string, clientAddress: string) =>
    assert.rejects(signIn(email, "wrong-password", clientAddress), isRefused("INVALID_CREDENTIALS"));
  /** Refused with THROTTLED; returns its Retry-After. */
  async function throttled(email: string, password: string, clientAddress: string) {
    let retryAfter: number | undefined;
    await assert.rejects(signIn(email, password, clientAddress), (e: unknown) => {
      assert.ok(e instanceof AuthError && e.code === "THROTTLED", `${email} from ${clientAddress}: ${String(e)}`);
      assert.equal(e.httpStatus, 429);
      retryAfter = e.retryAfterSeconds;
      return true;
    });
    assert.ok(retryAfter !== undefined && Number.isInteger(retryAfter) && retryAfter > 0, "Retry-After in seconds");
    return retryAfter;
  }

  before(async () => {
    database = await openTestDatabase();
    auth = createAuthService(database.db, {
      throttle: { maxFailuresPerAccountAndAddress: PER_ACCOUNT_AND_ADDRESS, maxFailuresPerAddress: PER_ADDRESS },
      passwordCost: { N: 2 ** 10, r: 8, p: 1 },
      now: () => clock,
    });
    await auth.createUser({ email: "ada@example.com", name: "Ada", password: "right-password" });
    await auth.createUser({ email: "bob@example.com", name: "Bob", password: "bobs-password" });
  });
  after(() => database.close());

  test("same email from the same address: locked after N failures, the right password too, with Retry-After", async () => {
    for (let i = 0; i < PER_ACCOUNT_AND_ADDRESS; i++) await fails("ada@example.com", "10.0.0.1");
    assert.equal(await throttled("ada@example.com", "wrong-password", "10.0.0.1"), WINDOW_S);
    assert.equal(await throttled("ada@example.com", "right-password", "10.0.0.1"), WINDOW_S);
  });

  test("the right password from another address signs in while the first is locked", async () => {
    await throttled("ada@example.com", "right-password", "10.0.0.1");
    await signsIn("ada@example.com", "right-password", "10.0.0.2");
    await fails("ada@example.com", "10.0.0.2");
    await signsIn("bob@example.com", "bobs-password", "10.0.0.1");
  });

  test("failures expire after the window, when Retry-After said", async () => {
    await fails("ada@example.com", "10.1.0.1");
    wait(60);
    await fails("ada@example.com", "10.1.0.1");
    wait(60);
    await fails("ada@example.com", "10.1.0.1");
    wait(60);
    const retryAfter = await throttled("ada@example.com", "right-password", "10.1.0.1");
    assert.equal(retryAfter, WINDOW_S - 180, "until the oldest failure leaves the window");
    wait(retryAfter - 1);
    assert.equal(await throttled("ada@example.com", "right-password", "10.1.0.1"), 1);
    wait(1);
    await signsIn("ada@example.com", "right-password", "10.1.0.1");
  });

  test("a successful sign-in clears that pair's failures", async () => {
    for (let i = 0; i < PER_ACCOUNT_AND_ADDRESS - 1; i++) await fails("ada@example.com", "10.2.0.1");
    await signsIn("ada@example.com", "right-password", "10.2.0.1");
    for (let i = 0; i < PER_ACCOUNT_AND_ADDRESS; i++) await fails("ada@example.com", "10.2.0.1");
    await throttled("ada@example.com", "right-password", "10.2.0.1");
  });

  test("many emails from one address hit the per-address cap; a sign-in there does not reset it", async () => {
    for (let i = 0; i < PER_ADDRESS - 1; i++) await fails(`guess-${i}@example.com`, "10.3.0.1");
    await signsIn("bob@example.com", "bobs-password", "10.3.0.1");
    await fails("guess-last@example.com", "10.3.0.1");
    assert.equal(await throttled("someone-new@example.com", "whatever-pw", "10.3.0.1"), WINDOW_S);
    await throttled("ada@example.com", "right-password", "10.3.0.1");
    await signsIn("ada@example.com", "right-password", "10.3.0.2");
    await fails("someone-new@example.com", "10.3.0.2");
  });

  test("an email with no account locks no one else", async () => {
    for (let i = 0; i < PER_ACCOUNT_AND_ADDRESS; i++) await fails("nobody@example.com", "10.4.0.1");
    await throttled("nobody@example.com", "whatever-pw", "10.4.0.1");
    await signsIn("ada@example.com", "right-password", "10.4.0.1");
    await fails("bob@example.com", "10.4.0.1");
    await fails("nobody@example.com", "10.4.0.2");
  });

  test("parallel guesses cannot slip under the cap", async () => {
    const results = await Promise.allSettled(
      Array.from({ length: 10 }, () => signIn("parallel@example.com", "wrong-password", "10.5.0.1")),
    );
    const codes = results.map((r) => (r.status === "rejected" && r.reason instanceof AuthError ? r.reason.code : "?"));
    assert.ok(
      codes.every((code) => code === "INVALID_CREDENTIALS" || code === "THROTTLED"),
      codes.join(),
    );
    assert.ok(codes.filter((code) => code === "INVALID_CREDENTIALS").length <= PER_ACCOUNT_AND_ADDRESS, codes.join());
  });

  test("the addresses of one IPv6 /64 count as one address", async () => {
    for (let i = 1; i <= PER_ACCOUNT_AND_ADDRESS; i++) await fails("ada@example.com", `2001:db8:0:1::${i}`);
    await throttled("ada@example.com", "right-password", "2001:db8:0:1::99");
    await signsIn("ada@example.com", "right-password", "2001:db8:0:2::1");
  });

  test("housekeeping removes failures that left the window, and only those", async () => {
    for (let i = 0; i < PER_ACCOUNT_AND_ADDRESS; i++) await fails("bob@example.com", "10.6.0.1");
    wait(WINDOW_S - 1);
    await auth.purgeExpired();
    await throttled("bob@example.com", "bobs-password", "10.6.0.1");
    wait(1);
    await auth.purgeExpired();
    await signsIn("bob@example.com", "bobs-password", "10.6.0.1");
  });
});
