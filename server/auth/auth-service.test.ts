import assert from "node:assert/strict";
import { after, before, describe, test } from "node:test";
import type { Database } from "../../db/client";
import { openTestDatabase } from "../../db/test-database";
import { AuthError, createAuthService, type AuthService } from "./auth-service";
import { hashPassword, verifyPassword } from "./passwords";
import { isEmailTaken } from "./rules";

const cheap = { N: 2 ** 10, r: 8, p: 1 };

describe("passwords", () => {
  test("verify accepts the right password and rejects others", async () => {
    const hash = await hashPassword("correct horse battery", cheap);
    assert.match(hash, /^scrypt\$1024\$8\$1\$/);
    assert.equal(await verifyPassword("correct horse battery", hash), true);
    assert.equal(await verifyPassword("correct horse batterY", hash), false);
  });
  test("two hashes of one password differ (salted)", async () => {
    assert.notEqual(await hashPassword("same password", cheap), await hashPassword("same password", cheap));
  });
  test("malformed stored hashes never verify", async () => {
    for (const stored of ["", "plain", "bcrypt$x$y", "scrypt$NaN$8$1$abc$def"]) {
      assert.equal(await verifyPassword("anything", stored), false, stored);
    }
  });
});

describe("auth service (database: " + (process.env.DATABASE_URL ? "postgres" : "pglite") + ")", () => {
  let database: Database;
  let auth: AuthService;
  let clock = new Date("2026-01-01T00:00:00Z");

  before(async () => {
    database = await openTestDatabase();
    auth = createAuthService(database.db, { sessionTtlMs: 60_000, passwordCost: cheap, now: () => clock });
  });
  after(() => database.close());

  test("sign-up normalises the email and refuses a duplicate", async () => {
    const user = await auth.createUser({ email: " Ada@Example.COM ", name: "Ada", password: "analytical-engine" });
    assert.equal(user.email, "ada@example.com");
    assert.equal(user.role, "user");
    await assert.rejects(
      auth.createUser({ email: "ada@example.com", name: "Ada 2", password: "analytical-engine" }),
      (e: unknown) => e instanceof AuthError && isEmailTaken(e),
    );
    assert.equal(isEmailTaken(new AuthError("INVALID_CREDENTIALS", "No.")), false);
  });

  test("sign-up validates its input", async () => {
    await assert.rejects(auth.createUser({ email: "not-an-email", name: "x", password: "long enough pw" }));
    await assert.rejects(auth.createUser({ email: "short@example.com", name: "x", password: "short" }));
  });

  test("sign-in checks the password and creates a session that expires", async () => {
    await auth.createUser({ email: "grace@example.com", name: "Grace", password: "compiler-1952" });
    const user = await auth.signIn({ email: "GRACE@example.com", password: "compiler-1952", clientAddress: "1.1.1.1" });
    const { token } = await auth.createSession(user.id);
    assert.equal((await auth.userForSession(token))?.email, "grace@example.com");
    assert.equal(await auth.userForSession(token + "x"), null, "a forged token is no session");

    clock = new Date(clock.getTime() + 61_000);
    assert.equal(await auth.userForSession(token), null, "an expired session is no session");
  });

  test("sign-out deletes the session", async () => {
    const user = await auth.signIn({ email: "grace@example.com", password: "compiler-1952", clientAddress: "1.1.1.2" });
    const { token } = await auth.createSession(user.id);
    await auth.deleteSession(token);
    assert.equal(await auth.userForSession(token), null);
  });

  test("an unknown email fails like a wrong password", async () => {
    await assert.rejects(
      auth.signIn({ email: "nobody@example.com", password: "whatever-pw", clientAddress: "2.2.2.2" }),
      (e: unknown) => e instanceof AuthError && e.code === "INVALID_CREDENTIALS",
    );
  });

  test("roles: bootstrap admin, promotion, and disabling ends sessions", async () => {
    const admin = await auth.ensureAdmin({ email: "root@example.com", password: "bootstrap-secret" });
    assert.equal(admin.role, "admin");
    assert.equal(await auth.countAdmins(), 1);

    // Re-running the bootstrap for an existing user promotes it and resets its password.
    const grace = await auth.ensureAdmin({ email: "grace@example.com", password: "new-password-1" });
    assert.equal(grace.role, "admin");
    await auth.setRole(grace.id, "user");

    const signedIn = await auth.signIn({
      email: "grace@example.com",
      password: "new-password-1",
      clientAddress: "3.3.3.3",
    });
    assert.equal(signedIn.role, "user");
    const { token } = await auth.createSession(grace.id);
    await auth.setDisabled(grace.id, true);
    assert.equal(await auth.userForSession(token), null, "sessions end at once");
    await assert.rejects(
      auth.signIn({ email: "grace@example.com", password: "new-password-1", clientAddress: "3.3.3.3" }),
      (e: unknown) => e instanceof AuthError && e.code === "DISABLED",
    );
    const listed = await auth.listUsers();
    assert.equal(listed.find((u) => u.id === grace.id)?.disabled, true);
    assert.ok(
      listed.every((u) => !("passwordHash" in u)),
      "hashes never leave the service",
    );
  });
});
