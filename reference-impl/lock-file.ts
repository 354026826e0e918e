/**
 * One exclusive lock file, as the file-lock spec revisions describe it: created with O_EXCL and
 * holding a JSON object that names its owner's pid; a live owner is waited for (polled) up to the
 * lock wait, a dead owner's file is reclaimed at once, and the owner removes it when it stops.
 */
import { closeSync, mkdirSync, openSync, readFileSync, rmSync, statSync, writeSync } from 'node:fs';
import { dirname } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';

/** How often a waiting instance looks at a held lock again. */
export const LOCK_POLL_MS = 100;

/** A lock held by a live process for longer than the lock wait, with the message both revisions document. */
export class LockTimeoutError extends Error {
  override readonly name = 'LockTimeoutError';
  constructor(
    readonly holderPid: number | undefined,
    readonly waitedMs: number,
  ) {
    super(`gateway already running (pid ${holderPid ?? 'unknown'}); lock timeout after ${waitedMs}ms`);
  }
}

/** Thrown when a stop was asked for while the lock was waited for. */
export class LockWaitAborted extends Error {}

export interface HeldLock {
  readonly path: string;
  /** Removes the file, unless another process owns it by now (only ours is ever removed). */
  release(): void;
}

/**
 * Takes the lock file at `path`, writing `payload` (which must name `pid: process.pid`). Waits at
 * most `waitMs` for a live owner, polling every LOCK_POLL_MS; rejects with
 * LockTimeoutError after that, or LockWaitAborted when `signal` aborts.
 */
export async function acquireLockFile(path: string, payload: { pid: number } & Record<string, unknown>, options: { waitMs: number; signal?: AbortSignal }): Promise<HeldLock> {
  mkdirSync(dirname(path), { recursive: true, mode: 0o700 });
  const text = `${JSON.stringify(payload)}\n`;
  const deadline = Date.now() + options.waitMs;
  for (;;) {
    if (tryCreate(path, text)) return { path, release: () => releaseIfOurs(path) };
    const holder = readHolder(path);
    if (holder === 'gone') continue; // removed between our create and our read: try again now
    if (isStale(holder)) {
      // Its owner was killed (a kill cannot remove the file): reclaim it without waiting. The
      // inode check keeps a second starter that reclaimed it a moment earlier from losing its
      // fresh file to us.
      if (sameFile(path, holder.ino)) rmSync(path, { force: true });
      continue;
    }
    if (Date.now() >= deadline) throw new LockTimeoutError(holder.pid, options.waitMs);
    if (options.signal?.aborted) throw new LockWaitAborted();
    await sleep(LOCK_POLL_MS);
  }
}

/** Creates `path` exclusively with `text`; false when it exists. */
function tryCreate(path: string, text: string): boolean {
  let fd: number;
  try {
    fd = openSync(path, 'wx', 0o600);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'EEXIST') return false;
    throw error;
  }
  try {
    writeSync(fd, text);
  } finally {
    closeSync(fd);
  }
  return true;
}

interface Holder {
  /** The pid the file names; undefined while it is being written, or when it is garbage. */
  pid: number | undefined;
  ino: number;
  mtimeMs: number;
}

/** A file without a readable pid this long after it was written is no lock being taken: garbage. */
const UNREADABLE_STALE_MS = 1000;

/** The owner is dead, or the file never became a lock. */
const isStale = (holder: Holder): boolean =>
  holder.pid === undefined ? Date.now() - holder.mtimeMs > UNREADABLE_STALE_MS : !isAlive(holder.pid);

/** The owner a lock file names, its inode and when it was written. */
function readHolder(path: string): Holder | 'gone' {
  try {
    const { ino, mtimeMs } = statSync(path);
    let pid: number | undefined;
    try {
      const value = (JSON.parse(readFileSync(path, 'utf8')) as { pid?: unknown }).pid;
      if (Number.isInteger(value) && (value as number) > 0) pid = value as number;
    } catch {
      // half-written: look again at the next poll
    }
    return { pid, ino, mtimeMs };
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return 'gone';
    throw error;
  }
}

const sameFile = (path: string, ino: number): boolean => {
  try {
    return statSync(path).ino === ino;
  } catch {
    return false;
  }
};

/**
 * Whether the pid names a live process. A zombie (killed, not yet reaped by its parent) holds
 * nothing any more, and a lock that names our own pid was left by an earlier process that had it.
 */
export function isAlive(pid: number): boolean {
  if (pid === process.pid) return false;
  try {
    process.kill(pid, 0);
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'EPERM';
  }
  try {
    return !/^\d+ \(.*\) Z /s.test(readFileSync(`/proc/${pid}/stat`, 'utf8'));
  } catch {
    return true; // no /proc: trust kill(0)
  }
}

function releaseIfOurs(path: string): void {
  try {
    const owner = (JSON.parse(readFileSync(path, 'utf8')) as { pid?: unknown }).pid;
    if (owner === process.pid) rmSync(path, { force: true });
  } catch {
    // already gone, or no longer a lock we wrote
  }
}
