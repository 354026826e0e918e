/**
 * The reference gateway's lock per spec revision (`--lock-revision`): which lock files it takes
 * before it binds, where, what they say, what the opt-out variable skips, and how often a bind
 * that finds the port taken is retried. 2025-12-11 takes none: the listener is the lock.
 * The numbers and names are those of spec/revisions/<id>.json.
 */
import { createHash } from 'node:crypto';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { GatewayLockError } from './gateway.js';
import { acquireLockFile, LockTimeoutError, type HeldLock } from './lock-file.js';

export const LOCK_REVISIONS = ['2025-12-11', 'file-lock-2026-02', 'openclaw-2026.9'] as const;
export type LockRevision = (typeof LOCK_REVISIONS)[number];
export const DEFAULT_LOCK_REVISION: LockRevision = '2025-12-11';

/** How long a second instance waits for a held lock (`lockWaitMs`). */
export const LOCK_WAIT_MS = 5000;

/** Where a gateway of one profile keeps its lock files. */
export interface LockContext {
  stateDir: string;
  port: number;
  env: NodeJS.ProcessEnv;
}

interface LockFileSpec {
  path: string;
  payload: { pid: number } & Record<string, unknown>;
  /** The revision's opt-out variable turns this lock off. */
  optional: boolean;
}

export interface LockMode {
  /** NAME=VALUE that, in the gateway's environment, turns the optional locks off. */
  optOut?: { name: string; value: string };
  /** EADDRINUSE binds retried this often, this far apart, before the LOCK message. */
  bindRetries: number;
  bindRetryIntervalMs: number;
  locks(context: LockContext): LockFileSpec[];
}

/** The config file the gateway would read: the lock of file-lock-2026-02 is keyed by its path. */
export const configPath = (stateDir: string): string => join(stateDir, 'gateway.json');

/** The first 8 hex digits of the SHA-1 of the config path: `gateway.<h>.lock`. */
export const configLockName = (stateDir: string): string => `gateway.${createHash('sha1').update(configPath(stateDir)).digest('hex').slice(0, 8)}.lock`;

/** A per-user directory name, as both revisions put one in their temp dirs. */
const userDir = (): string => `reference-gateway-${process.getuid?.() ?? 0}`;

export const LOCK_MODES: Record<LockRevision, LockMode> = {
  '2025-12-11': { bindRetries: 0, bindRetryIntervalMs: 0, locks: () => [] },

  // One config lock in a per-user directory of the temp dir, then the bind as in 2025-12-11.
  'file-lock-2026-02': {
    optOut: { name: 'CLAWDBOT_ALLOW_MULTI_GATEWAY', value: '1' },
    bindRetries: 0,
    bindRetryIntervalMs: 0,
    locks: ({ stateDir }) => [
      {
        path: join(tmpdir(), userDir(), configLockName(stateDir)),
        payload: { pid: process.pid, configPath: configPath(stateDir), startTime: new Date().toISOString() },
        optional: true,
      },
    ],
  },

  // State ownership, then the config lock, both in the state dir's lock tree, then the bind with
  // its documented retries. The opt-out skips the config lock only: two gateways on one state dir
  // corrupt it, opt-out or not.
  'openclaw-2026.9': {
    optOut: { name: 'OPENCLAW_ALLOW_MULTI_GATEWAY', value: '1' },
    bindRetries: 20,
    bindRetryIntervalMs: 500,
    locks: ({ stateDir, port }) => {
      const tree = join(stateDir, 'tmp', userDir());
      const startTime = new Date().toISOString();
      return [
        { path: join(tree, 'gateway.state.lock'), payload: { pid: process.pid, port, stateDir, startTime }, optional: false },
        { path: join(tree, configLockName(stateDir)), payload: { pid: process.pid, port, configPath: configPath(stateDir), startTime }, optional: true },
      ];
    },
  },
};

export interface HeldLocks {
  readonly paths: readonly string[];
  /** Removes every lock file this process holds. Synchronous, so that an 'exit' handler can call it. */
  release(): void;
}

/**
 * Takes the revision's lock files in order, each waited for up to LOCK_WAIT_MS. A lock held by a
 * live gateway past the wait rejects with a GatewayLockError carrying the documented message
 * (`gateway already running (pid N); lock timeout after 5000ms`); the locks taken so far are
 * released first. `signal` ends a wait early (LockWaitAborted).
 */
export async function takeLocks(mode: LockMode, context: LockContext, signal?: AbortSignal): Promise<HeldLocks> {
  const optedOut = mode.optOut !== undefined && context.env[mode.optOut.name] === mode.optOut.value;
  const held: HeldLock[] = [];
  const release = () => {
    for (const lock of held.splice(0).reverse()) lock.release();
  };
  try {
    for (const spec of mode.locks(context)) {
      if (spec.optional && optedOut) continue;
      held.push(await acquireLockFile(spec.path, spec.payload, { waitMs: LOCK_WAIT_MS, ...(signal ? { signal } : {}) }));
    }
  } catch (error) {
    release();
    throw error instanceof LockTimeoutError ? new GatewayLockError(error.message, { cause: error }) : error;
  }
  return { paths: held.map((lock) => lock.path), release };
}

export function parseLockRevision(text: string): LockRevision {
  const found = LOCK_REVISIONS.find((revision) => revision === text);
  if (!found) throw new Error(`--lock-revision must be one of ${LOCK_REVISIONS.join(', ')}, got '${text}'`);
  return found;
}
