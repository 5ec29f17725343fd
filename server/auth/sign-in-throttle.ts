// Sign-in throttling that slows password guessing without locking people out. Failures are rows in
// login_attempts (in the database, so every web instance sees them), counted over a sliding window
// under two keys:
//
// - the account email together with the client network: a small cap (5). It stops guessing one
//   account's password from one place, and only there: the right password from another network
//   still signs in, so failures from elsewhere (a NAT, a proxy, an attacker) lock nobody out.
// - the client network alone, whatever the email: a much higher cap (100). It stops one place from
//   trying many accounts; a NAT full of people who mistype their passwords stays far below it.
//
// A key over its cap refuses every attempt from there, the right password included: if a correct
// password still got through, the refusal would tell a guesser which guess was right. The person at
// that place waits Retry-After seconds, until enough of the failures have aged out of the window.
// A successful sign-in clears its account-and-network failures (the person there knows the
// password), never the network's: signing in to one's own account must not reset the count of
// guesses at other accounts.
//
// An attempt is recorded before its password is checked and counted with the others, so parallel
// requests cannot all slip under the cap; a refused or successful attempt removes its record.
import { and, desc, eq, gt, inArray, lt } from "drizzle-orm";
import type { Db } from "../../db/client";
import { loginAttempts } from "../../db/schema";
import { clientNetwork } from "./client-network";
import { AuthError } from "./rules";

export interface ThrottleLimits {
  /** Failures allowed per account email + client network within the window. */
  maxFailuresPerAccountAndAddress: number;
  /** Failures allowed per client network, whatever the email, within the window. */
  maxFailuresPerAddress: number;
  windowMs: number;
}

export const DEFAULT_THROTTLE_LIMITS: ThrottleLimits = {
  maxFailuresPerAccountAndAddress: 5,
  maxFailuresPerAddress: 100,
  windowMs: 15 * 60 * 1000,
};

/** A recorded attempt whose password is being checked. Left alone, it stays recorded as a failure. */
export interface SignInAttempt {
  /** The password was right: forget this attempt and the account-and-network failures. */
  succeeded(): Promise<void>;
  /** Not a failed guess (the right password for a disabled account): forget this attempt only. */
  discard(): Promise<void>;
}

export function createSignInThrottle(db: Db, limits: ThrottleLimits, now: () => Date) {
  const windowStart = () => new Date(now().getTime() - limits.windowMs);

  /** The moment when enough of a key's failures have aged out for the next attempt to pass, if it is over its cap. */
  async function lockedUntil(key: string, cap: number): Promise<Date | undefined> {
    // Newest first, this attempt included: when the row after the first `cap` leaves the window,
    // at most cap - 1 failures are left and the next attempt gets in.
    const [row] = await db
      .select({ attemptedAt: loginAttempts.attemptedAt })
      .from(loginAttempts)
      .where(and(eq(loginAttempts.key, key), gt(loginAttempts.attemptedAt, windowStart())))
      .orderBy(desc(loginAttempts.attemptedAt))
      .limit(1)
      .offset(cap);
    return row && new Date(row.attemptedAt.getTime() + limits.windowMs);
  }

  /** Records an attempt, or refuses it with THROTTLED and Retry-After when a key is over its cap. */
  async function begin(email: string, clientAddress: string): Promise<SignInAttempt> {
    const network = clientNetwork(clientAddress);
    // The network comes first and never holds a space, so no email can forge another pair's key.
    const accountKey = `account:${network} ${email}`;
    const networkKey = `ip:${network}`;
    const rows = await db
      .insert(loginAttempts)
      .values([accountKey, networkKey].map((key) => ({ key, attemptedAt: now() })))
      .returning({ id: loginAttempts.id });
    const ids = rows.map((row) => row.id);
    const forget = () => db.delete(loginAttempts).where(inArray(loginAttempts.id, ids));

    const until = [
      await lockedUntil(accountKey, limits.maxFailuresPerAccountAndAddress),
      await lockedUntil(networkKey, limits.maxFailuresPerAddress),
    ].filter((date) => date !== undefined);
    if (until.length > 0) {
      await forget();
      const latest = Math.max(...until.map((date) => date.getTime()));
      const seconds = Math.max(1, Math.ceil((latest - now().getTime()) / 1000));
      const minutes = Math.ceil(seconds / 60);
      throw new AuthError(
        "THROTTLED",
        `Too many failed sign-in attempts. Try again in ${minutes} minute${minutes === 1 ? "" : "s"}.`,
        seconds,
      );
    }
    return {
      async succeeded() {
        await forget();
        await db.delete(loginAttempts).where(eq(loginAttempts.key, accountKey));
      },
      async discard() {
        await forget();
      },
    };
  }

  /** Housekeeping: failures that have left the window count for nothing. */
  async function purgeExpired() {
    await db.delete(loginAttempts).where(lt(loginAttempts.attemptedAt, windowStart()));
  }

  return { begin, purgeExpired };
}
