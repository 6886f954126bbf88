// One process per provider home. Two daemons sharing a home would each keep their own in-memory view of
// the sign journal and could sign different blocks at one height, so the journal refuses to open without
// this lock. The lock file holds the owner's pid; a lock whose pid is no longer running (the owner was
// killed with SIGKILL) is taken over. The take-over itself is serialised by a second short-lived file, so
// two starters that both see the same stale lock cannot both win.
import { closeSync, fsyncSync, openSync, readFileSync, statSync, unlinkSync, writeSync } from "node:fs";

export class HomeLockedError extends Error {
  constructor(
    readonly lockPath: string,
    readonly ownerPid: number | null,
  ) {
    super(
      ownerPid === null
        ? `${lockPath} is held by another process that is starting up; try again in a few seconds`
        : `${lockPath} is held by running process ${ownerPid}; only one provider process may use a home`,
    );
    this.name = "HomeLockedError";
  }
}

/** A half-written lock or take-over file older than this belonged to a process that died while writing it. */
const UNFINISHED_LOCK_MS = 10_000;

function isRunning(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    // EPERM: the process exists but belongs to another user.
    return (err as NodeJS.ErrnoException).code === "EPERM";
  }
}

function readPid(path: string): number | null {
  let text: string;
  try {
    text = readFileSync(path, "utf8");
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === "ENOENT") return null;
    throw err;
  }
  const pid = Number.parseInt(text.trim(), 10);
  return Number.isSafeInteger(pid) && pid > 0 ? pid : null;
}

function ageMs(path: string): number {
  try {
    return Date.now() - statSync(path).mtimeMs;
  } catch {
    return 0;
  }
}

function createExclusive(path: string, content: string): boolean {
  let fd: number;
  try {
    fd = openSync(path, "wx", 0o600);
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === "EEXIST") return false;
    throw err;
  }
  try {
    writeSync(fd, content);
    fsyncSync(fd);
  } finally {
    closeSync(fd);
  }
  return true;
}

function removeIfExists(path: string): void {
  try {
    unlinkSync(path);
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== "ENOENT") throw err;
  }
}

export class HomeLock {
  private released = false;

  private constructor(readonly path: string) {}

  static acquire(path: string): HomeLock {
    const mine = `${process.pid}\n`;
    for (let attempt = 0; attempt < 3; attempt++) {
      if (createExclusive(path, mine)) return new HomeLock(path);
      const owner = readPid(path);
      if (owner === process.pid) throw new HomeLockedError(path, owner);
      if (owner === null) {
        // Created but not yet written by its owner, or left half-written by an owner that died then.
        if (ageMs(path) < UNFINISHED_LOCK_MS) throw new HomeLockedError(path, null);
      } else if (isRunning(owner)) {
        throw new HomeLockedError(path, owner);
      }
      HomeLock.takeOverStale(path, owner);
    }
    throw new HomeLockedError(path, readPid(path));
  }

  private static takeOverStale(path: string, stalePid: number | null): void {
    const guard = `${path}.takeover`;
    if (!createExclusive(guard, `${process.pid}\n`)) {
      if (ageMs(guard) < UNFINISHED_LOCK_MS) throw new HomeLockedError(path, null);
      removeIfExists(guard);
      return;
    }
    try {
      // Re-check under the take-over guard: another starter may have replaced the stale lock already.
      if (readPid(path) === stalePid) removeIfExists(path);
    } finally {
      removeIfExists(guard);
    }
  }

  release(): void {
    if (this.released) return;
    this.released = true;
    if (readPid(this.path) === process.pid) removeIfExists(this.path);
  }
}
