// Accounts, sessions and sign-in throttling, over the database. Knows nothing of HTTP: the Remix
// glue (app/session.server.ts) turns its results into cookies, redirects and status codes.
import { createHash, randomBytes } from "node:crypto";
import { and, count, eq, gt, lt, sql } from "drizzle-orm";
import type { Db } from "../../db/client";
import { sessions, users, type Role, type User } from "../../db/schema";
import { dummyPasswordHash, hashPassword, verifyPassword, type ScryptCost } from "./passwords";
import { AuthError, emailSchema, nameSchema, passwordSchema } from "./rules";
import { createSignInThrottle, DEFAULT_THROTTLE_LIMITS, type ThrottleLimits } from "./sign-in-throttle";

export { AuthError, isAuthError } from "./rules";

export type PublicUser = Pick<User, "id" | "email" | "name" | "role" | "createdAt">;

const toPublicUser = ({ id, email, name, role, createdAt }: User): PublicUser => ({ id, email, name, role, createdAt });
const hashToken = (token: string) => createHash("sha256").update(token).digest("hex");

export interface AuthOptions {
  sessionTtlMs?: number;
  /** Sign-in throttling caps and window (sign-in-throttle.ts says how they apply). */
  throttle?: Partial<ThrottleLimits>;
  /** scrypt cost of new password hashes; tests pass a cheap one. */
  passwordCost?: ScryptCost;
  now?: () => Date;
  /** Called after an account is disabled (services.ts stops its running generations). */
  onDisabled?: (userId: string) => Promise<void>;
}

export function createAuthService(db: Db, options: AuthOptions = {}) {
  const sessionTtlMs = options.sessionTtlMs ?? 30 * 24 * 3600 * 1000;
  const now = options.now ?? (() => new Date());
  const hash = (password: string) => hashPassword(password, options.passwordCost);
  const throttle = createSignInThrottle(db, { ...DEFAULT_THROTTLE_LIMITS, ...options.throttle }, now);

  async function findByEmail(email: string) {
    const [user] = await db.select().from(users).where(eq(users.email, email.toLowerCase()));
    return user;
  }

  async function createUser(input: { email: string; name: string; password: string; role?: Role }) {
    const email = emailSchema.parse(input.email);
    const passwordHash = await hash(passwordSchema.parse(input.password));
    const [user] = await db
      .insert(users)
      .values({ email, name: nameSchema.parse(input.name), passwordHash, role: input.role ?? "user" })
      .onConflictDoNothing()
      .returning();
    if (!user) throw new AuthError("EMAIL_TAKEN", "An account with this email already exists.");
    return toPublicUser(user);
  }

  /** Creates the admin, or makes an existing account admin with this password (start-up bootstrap). */
  async function ensureAdmin(input: { email: string; password: string }) {
    const existing = await findByEmail(emailSchema.parse(input.email));
    if (!existing) return createUser({ ...input, name: "Administrator", role: "admin" });
    const passwordHash = await hash(passwordSchema.parse(input.password));
    const [user] = await db
      .update(users)
      .set({ role: "admin", passwordHash, disabledAt: null })
      .where(eq(users.id, existing.id))
      .returning();
    return toPublicUser(user!);
  }

  /**
   * Checks credentials, throttled per account and client address and per address (sign-in-throttle.ts).
   * Every admitted attempt costs one scrypt, so response time does not reveal whether an email has
   * an account; an unknown email is a failure under its own key and locks no one else.
   */
  async function signIn(input: { email: string; password: string; clientAddress: string }) {
    const email = input.email.trim().toLowerCase();
    const attempt = await throttle.begin(email, input.clientAddress);
    const user = await findByEmail(email);
    const valid = await verifyPassword(
      input.password,
      user?.passwordHash ?? (await dummyPasswordHash(options.passwordCost)),
    );
    if (!user || !valid) throw new AuthError("INVALID_CREDENTIALS", "Email or password is incorrect.");
    if (user.disabledAt) {
      await attempt.discard();
      throw new AuthError("DISABLED", "This account has been disabled.");
    }
    await attempt.succeeded();
    return toPublicUser(user);
  }

  /** Returns the cookie token; the database keeps only its hash. */
  async function createSession(userId: string, userAgent?: string | null) {
    const token = randomBytes(32).toString("base64url");
    const expiresAt = new Date(now().getTime() + sessionTtlMs);
    await db.insert(sessions).values({ id: hashToken(token), userId, expiresAt, userAgent: userAgent?.slice(0, 300) });
    return { token, expiresAt };
  }

  /** The signed-in user for a session token, or null when it is unknown, expired or disabled. */
  async function userForSession(token: string) {
    const [row] = await db
      .select({ user: users })
      .from(sessions)
      .innerJoin(users, eq(users.id, sessions.userId))
      .where(and(eq(sessions.id, hashToken(token)), gt(sessions.expiresAt, now())));
    if (!row || row.user.disabledAt) return null;
    return toPublicUser(row.user);
  }

  async function deleteSession(token: string) {
    await db.delete(sessions).where(eq(sessions.id, hashToken(token)));
  }

  async function setRole(userId: string, role: Role) {
    await db.update(users).set({ role }).where(eq(users.id, userId));
  }

  /** Disabling ends every session of the account at once. */
  async function setDisabled(userId: string, disabled: boolean) {
    await db.transaction(async (tx) => {
      await tx
        .update(users)
        .set({ disabledAt: disabled ? now() : null })
        .where(eq(users.id, userId));
      if (disabled) await tx.delete(sessions).where(eq(sessions.userId, userId));
    });
    if (disabled) await options.onDisabled?.(userId);
  }

  async function listUsers() {
    const rows = await db.select().from(users).orderBy(users.createdAt);
    return rows.map((u) => ({ ...toPublicUser(u), disabled: u.disabledAt !== null }));
  }

  async function countAdmins() {
    const [row] = await db
      .select({ n: count() })
      .from(users)
      .where(and(eq(users.role, "admin"), sql`${users.disabledAt} is null`));
    return row?.n ?? 0;
  }

  /** Housekeeping, run at start and hourly: expired sessions and old throttle entries. */
  async function purgeExpired() {
    await db.delete(sessions).where(lt(sessions.expiresAt, now()));
    await throttle.purgeExpired();
  }

  return {
    createUser,
    ensureAdmin,
    signIn,
    createSession,
    userForSession,
    deleteSession,
    setRole,
    setDisabled,
    listUsers,
    countAdmins,
    purgeExpired,
  };
}

export type AuthService = ReturnType<typeof createAuthService>;
