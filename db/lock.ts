// The embedded database belongs to one process. PGlite keeps PostgreSQL's files in a folder with
// no server in between: a second process opening the same folder (a CLI next to the server, a
// second `npm start`) corrupts it. A lock directory beside the folder (proper-lockfile: an atomic
// mkdir, kept fresh while held) plus an owner note (pid, host, command) next to it: a refusal says
// who holds the folder, and a lock left by a process that died on this machine is taken over at
// once instead of blocking the next start. PostgreSQL needs none of this: it has its own server.
import { mkdirSync, readFileSync, renameSync, rmdirSync, rmSync, writeFileSync } from "node:fs";
import { hostname } from "node:os";
import lockfile from "proper-lockfile";

/** Who holds a database folder, as its owner note says. */
export interface LockOwner {
  pid: number;
  hostname: string;
  startedAt: string;
  command: string;
}

export class DatabaseInUseError extends Error {
  readonly code = "DATABASE_IN_USE";
  constructor(
    readonly dir: string,
    readonly owner: LockOwner | undefined,
  ) {
    super(
      `The embedded database in ${dir} is in use by ${describeOwner(owner)}. Only one process may open it: ` +
        "stop that one first, or set DATABASE_URL to a PostgreSQL database, which several processes can share.",
    );
    this.name = "DatabaseInUseError";
  }
}

export function isDatabaseInUse(error: unknown): error is DatabaseInUseError {
  return error instanceof DatabaseInUseError;
}

export interface FolderLock {
  /** Removes the owner note and the lock; idempotent. */
  release(): Promise<void>;
}

/**
 * A lock nobody refreshed for this long counts as abandoned (a process on another machine that
 * died, where its pid cannot be checked). Refreshed every tenth of it, so an event loop blocked
 * for many seconds (a long migration) does not lose the lock to a second process.
 */
const STALE_MS = 60_000;
const UPDATE_MS = 6_000;

/** Folders this process holds: a second open from the same process is refused too. */
const held = new Set<string>();

const lockDirOf = (dir: string) => `${dir}.lock`;
const ownerFileOf = (dir: string) => `${dir}.owner.json`;

/**
 * Takes the folder for this process, or throws DatabaseInUseError naming its holder.
 * `onLost` runs if the lock is taken away while held (its directory deleted, or another process
 * took it over); by default that throws, ending the process rather than writing beside another.
 */
export async function lockDatabaseFolder(
  dir: string,
  options: { onLost?: (error: Error) => void } = {},
): Promise<FolderLock> {
  mkdirSync(dir, { recursive: true });
  if (held.has(dir)) throw new DatabaseInUseError(dir, readOwner(dir));
  const onLost =
    options.onLost ??
    ((error: Error) => {
      throw new Error(
        `Lost the lock on the embedded database in ${dir} (${error.message}); stopping so that two processes never write it.`,
      );
    });
  const lock = () =>
    lockfile.lock(dir, {
      lockfilePath: lockDirOf(dir),
      stale: STALE_MS,
      update: UPDATE_MS,
      realpath: false,
      onCompromised: (error) => {
        held.delete(dir);
        onLost(error);
      },
    });

  let unlock: () => Promise<void>;
  try {
    unlock = await lock();
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== "ELOCKED") throw error;
    unlock = await takeOverFromDeadOwner(dir, lock);
  }
  held.add(dir);
  writeOwner(dir);

  let released = false;
  return {
    async release() {
      if (released) return;
      released = true;
      held.delete(dir);
      rmSync(ownerFileOf(dir), { force: true });
      await unlock().catch(() => {}); // already gone (compromised): nothing left to release
    },
  };
}

/** The owner note of a folder, if there is a readable one. */
export function readOwner(dir: string): LockOwner | undefined {
  try {
    const owner = JSON.parse(readFileSync(ownerFileOf(dir), "utf8")) as Partial<LockOwner>;
    return typeof owner.pid === "number" && typeof owner.hostname === "string" ? (owner as LockOwner) : undefined;
  } catch {
    return undefined;
  }
}

/**
 * A held lock whose owner note names a process of this machine that no longer runs (killed with
 * SIGKILL, out of memory, power cut: exit handlers never ran) is removed and taken. Takeovers go
 * one at a time under a second, short lock, and re-read the note, so two starting processes
 * never both take the same abandoned lock.
 */
async function takeOverFromDeadOwner(dir: string, lock: () => Promise<() => Promise<void>>) {
  if (!ownerIsGone(readOwner(dir))) throw new DatabaseInUseError(dir, readOwner(dir));
  // Its own path, not `dir` with another lockfilePath: proper-lockfile keys what it holds by path.
  const releaseTakeover = await lockfile
    .lock(`${dir}.takeover`, {
      stale: 5_000,
      realpath: false,
      retries: { retries: 10, minTimeout: 50, maxTimeout: 200 },
    })
    .catch((error: NodeJS.ErrnoException) => {
      throw error.code === "ELOCKED" ? new DatabaseInUseError(dir, readOwner(dir)) : error;
    });
  try {
    const owner = readOwner(dir);
    if (!ownerIsGone(owner)) throw new DatabaseInUseError(dir, owner);
    rmdirSync(lockDirOf(dir));
    try {
      return await lock();
    } catch (error) {
      // Someone else took it in between: they hold it now.
      if ((error as NodeJS.ErrnoException).code === "ELOCKED") throw new DatabaseInUseError(dir, readOwner(dir));
      throw error;
    }
  } finally {
    await releaseTakeover().catch(() => {});
  }
}

function ownerIsGone(owner: LockOwner | undefined): boolean {
  // No note (a crash between taking the lock and writing it), or another machine's process:
  // nothing to check here; the lock goes stale after STALE_MS without refreshes instead.
  if (!owner || owner.hostname !== hostname()) return false;
  // A pid this process has, without holding the folder: a former process's (containers reuse pids).
  if (owner.pid === process.pid) return true;
  try {
    process.kill(owner.pid, 0);
    return false;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === "ESRCH"; // EPERM: alive, another user's
  }
}

function writeOwner(dir: string) {
  const owner: LockOwner = {
    pid: process.pid,
    hostname: hostname(),
    startedAt: new Date().toISOString(),
    command: process.env.npm_lifecycle_event
      ? `npm run ${process.env.npm_lifecycle_event}`
      : process.argv.slice(1).join(" "),
  };
  // Written aside and renamed: a reader sees the old note or the new one, never half of one.
  const file = ownerFileOf(dir);
  writeFileSync(`${file}.tmp`, JSON.stringify(owner) + "\n");
  renameSync(`${file}.tmp`, file);
}

function describeOwner(owner: LockOwner | undefined): string {
  if (!owner) return "another process";
  const where = owner.hostname === hostname() ? "" : ` on ${owner.hostname}`;
  const since = owner.startedAt && `since ${owner.startedAt.slice(0, 19).replace("T", " ")} UTC`;
  const about = [owner.command, since].filter(Boolean).join(", ");
  return `process ${owner.pid}${where}${about ? ` (${about})` : ""}`;
}
