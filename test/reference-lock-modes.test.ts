/**
 * The reference gateway's lock modes (--lock-revision file-lock-2026-02 and openclaw-2026.9),
 * tested from outside with real processes, real lock files and real sockets on 127.0.0.1: where
 * each lock file lies and what it says while the gateway runs, the refusal of a second instance
 * (message, timing, never listening), the opt-out variable, reclaim after SIGKILL, removal on
 * SIGTERM, the documented bind retries; and lock-file.ts's edge cases in process.
 *
 * Every gateway gets a TMPDIR and a state dir of the test's own (removed afterwards), and every
 * process it starts is killed by process group when its test ends (helpers/processes.ts).
 */
import { after, test, type TestContext } from 'node:test';
import assert from 'node:assert/strict';
import net from 'node:net';
import { createHash } from 'node:crypto';
import { existsSync, mkdtempSync, readFileSync, readdirSync, rmSync, utimesSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { tmpdir } from 'node:os';
import { fileURLToPath } from 'node:url';
import { performance } from 'node:perf_hooks';
import { acquireLockFile, isAlive, LockTimeoutError, LockWaitAborted } from '../reference-impl/lock-file.js';
import { killAll, spawnProcess, type Spawned } from './helpers/processes.js';
import { connectClients, freePort, isPortFree } from './helpers/net.js';

const CLI = fileURLToPath(new URL('../reference-impl/cli.js', import.meta.url));
const LISTENING_LINE = /^gateway listening on ws:\/\/127\.0\.0\.1:(\d+)$/;
const STARTUP_BUDGET_MS = 15_000;
const EXIT_BUDGET_MS = 5000;
/** The lock wait both revisions document, and what a loaded 2-core host may add to it. */
const LOCK_WAIT_MS = 5000;
const SLACK_MS = 3000;
const UID = process.getuid?.() ?? 0;

after(killAll);

const work = mkdtempSync(join(tmpdir(), 'glc-lock-modes-'));
process.on('exit', () => rmSync(work, { recursive: true, force: true }));

/** A TMPDIR and a state dir of this test's own. */
function profile(): { tmp: string; state: string } {
  const dir = mkdtempSync(join(work, 'p-'));
  return { tmp: mkdtempSync(join(dir, 'tmp-')), state: join(dir, 'state') };
}

function spawnGateway(t: TestContext, revision: string, port: number, where: { tmp: string; state: string }, env: NodeJS.ProcessEnv = {}): Spawned {
  return spawnProcess([process.execPath, CLI, '--lock-revision', revision, '--port', String(port), '--state-dir', where.state], {
    owner: t,
    env: { ...process.env, TMPDIR: where.tmp, ...env },
  });
}

async function startGateway(t: TestContext, revision: string, port: number, where: { tmp: string; state: string }, env: NodeJS.ProcessEnv = {}): Promise<Spawned> {
  const gateway = spawnGateway(t, revision, port, where, env);
  await gateway.waitForLine(LISTENING_LINE, STARTUP_BUDGET_MS);
  return gateway;
}

async function within<T>(promise: Promise<T>, ms: number, what: string): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  try {
    return await Promise.race([promise, new Promise<never>((_resolve, reject) => (timer = setTimeout(() => reject(new Error(`${what}: not within ${ms} ms`)), ms)))]);
  } finally {
    clearTimeout(timer);
  }
}

const sha8 = (text: string) => createHash('sha1').update(text).digest('hex').slice(0, 8);
const configLockName = (state: string) => `gateway.${sha8(join(state, 'gateway.json'))}.lock`;
const fileLockPath = (where: { tmp: string; state: string }) => join(where.tmp, `reference-gateway-${UID}`, configLockName(where.state));
const lockTree = (state: string) => join(state, 'tmp', `reference-gateway-${UID}`);
const readJson = (path: string) => JSON.parse(readFileSync(path, 'utf8')) as Record<string, unknown>;
const refusal = (pid: number) => `GatewayLockError: gateway already running (pid ${pid}); lock timeout after ${LOCK_WAIT_MS}ms\n`;

/** Spawns a second instance and checks that it is refused by the lock: the exact line, exit 1, after the wait, never listening. */
async function assertRefused(t: TestContext, revision: string, port: number, where: { tmp: string; state: string }, holder: number, env: NodeJS.ProcessEnv = {}): Promise<void> {
  const spawnedAt = performance.now();
  const second = spawnGateway(t, revision, port, where, env);
  assert.deepEqual(await within(second.closed, LOCK_WAIT_MS + SLACK_MS + 2000, 'refused instance exit'), { code: 1, signal: null });
  const waited = second.exitedAt()! - spawnedAt;
  assert.equal(second.stderr(), refusal(holder));
  assert.equal(second.stdout(), '', 'it never listened');
  assert.ok(waited >= LOCK_WAIT_MS, `refused after ${waited.toFixed(0)} ms: before the lock wait was over`);
  assert.ok(waited < LOCK_WAIT_MS + SLACK_MS, `refused after ${waited.toFixed(0)} ms: far past the lock wait`);
  assert.equal(await isPortFree(port), true, 'nothing listens on its port');
}

test('file-lock-2026-02: one lock file in $TMPDIR/reference-gateway-<uid>/ names the gateway; a same-config instance waits 5 s and is refused; SIGTERM removes it', { timeout: 60_000 }, async (t) => {
  const where = profile();
  const [p, q] = [await freePort(), await freePort()];
  const first = await startGateway(t, 'file-lock-2026-02', p, where);

  const lock = fileLockPath(where);
  assert.deepEqual(readdirSync(join(where.tmp, `reference-gateway-${UID}`)), [configLockName(where.state)]);
  const content = readJson(lock);
  assert.deepEqual(Object.keys(content), ['pid', 'configPath', 'startTime']);
  assert.equal(content.pid, first.pid);
  assert.equal(content.configPath, join(where.state, 'gateway.json'));
  assert.ok(!Number.isNaN(Date.parse(String(content.startTime))), `startTime ${content.startTime}`);
  assert.equal(existsSync(where.state), false, 'the file lock keeps nothing in the state dir');

  // On another port: it is the config lock that refuses it, not the listener.
  await assertRefused(t, 'file-lock-2026-02', q, where, first.pid);
  assert.equal(readJson(lock).pid, first.pid, 'the refused instance left the holder\'s lock alone');
  const clients = await connectClients(`ws://127.0.0.1:${p}`, 1);
  t.after(() => clients.terminate());

  first.signal('SIGTERM');
  assert.deepEqual(await within(first.exited, EXIT_BUDGET_MS, 'exit after SIGTERM'), { code: 0, signal: null });
  assert.equal(existsSync(lock), false, 'the lock file outlived a graceful stop');
  assert.deepEqual(await clients.allClosed(5000), [1001]);
});

test('file-lock-2026-02: with CLAWDBOT_ALLOW_MULTI_GATEWAY=1 no lock file is taken and two instances of one config serve side by side', { timeout: 60_000 }, async (t) => {
  const where = profile();
  const optOut = { CLAWDBOT_ALLOW_MULTI_GATEWAY: '1' };
  const [p, q] = [await freePort(), await freePort()];
  const first = await startGateway(t, 'file-lock-2026-02', p, where, optOut);
  const second = await startGateway(t, 'file-lock-2026-02', q, where, optOut);
  assert.equal(existsSync(join(where.tmp, `reference-gateway-${UID}`)), false, 'no lock directory');
  const clients = await connectClients(`ws://127.0.0.1:${q}`, 1);
  t.after(() => clients.terminate());
  for (const gateway of [first, second]) gateway.signal('SIGTERM');
  assert.deepEqual(await Promise.all([first.exited, second.exited]), [{ code: 0, signal: null }, { code: 0, signal: null }]);
});

test('file-lock-2026-02: a SIGKILLed gateway\'s lock file stays and the restart reclaims it at once', { timeout: 60_000 }, async (t) => {
  const where = profile();
  const port = await freePort();
  const killed = await startGateway(t, 'file-lock-2026-02', port, where);
  killed.killGroup();
  await within(killed.exited, EXIT_BUDGET_MS, 'exit after SIGKILL');
  const lock = fileLockPath(where);
  assert.equal(readJson(lock).pid, killed.pid, 'a kill cannot remove the lock file');

  const spawnedAt = performance.now();
  const restarted = await startGateway(t, 'file-lock-2026-02', port, where);
  const listenedAfter = performance.now() - spawnedAt;
  assert.ok(listenedAfter < LOCK_WAIT_MS, `the restart listened ${listenedAfter.toFixed(0)} ms after spawn: it waited for a dead owner's lock`);
  assert.equal(readJson(lock).pid, restarted.pid);
  assert.equal(restarted.stderr(), '');
});

test('openclaw-2026.9: state and config lock files in <stateDir>/tmp/reference-gateway-<uid>/ name pid and port; the opt-out skips the config lock but a same-state instance is still refused; SIGTERM removes both', { timeout: 60_000 }, async (t) => {
  const where = profile();
  const optOut = { OPENCLAW_ALLOW_MULTI_GATEWAY: '1' };
  const [p, q] = [await freePort(), await freePort()];

  const plain = await startGateway(t, 'openclaw-2026.9', p, where);
  const tree = lockTree(where.state);
  assert.deepEqual(readdirSync(tree).sort(), [configLockName(where.state), 'gateway.state.lock'].sort());
  for (const name of readdirSync(tree)) assert.deepEqual([readJson(join(tree, name)).pid, readJson(join(tree, name)).port], [plain.pid, p], name);
  assert.equal(readJson(join(tree, configLockName(where.state))).configPath, join(where.state, 'gateway.json'));
  assert.deepEqual(readdirSync(where.tmp), [], 'nothing in the temp dir: the lock tree is the state dir\'s');
  plain.signal('SIGTERM');
  assert.deepEqual(await within(plain.exited, EXIT_BUDGET_MS, 'exit after SIGTERM'), { code: 0, signal: null });
  assert.deepEqual(readdirSync(tree), [], 'lock files outlived a graceful stop');

  const first = await startGateway(t, 'openclaw-2026.9', p, where, optOut);
  assert.deepEqual(readdirSync(tree), ['gateway.state.lock'], 'with the opt-out: state ownership only');
  // On another port, opt-out set: state ownership still refuses it.
  await assertRefused(t, 'openclaw-2026.9', q, where, first.pid, optOut);
  first.signal('SIGTERM');
  assert.deepEqual(await within(first.exited, EXIT_BUDGET_MS, 'exit after SIGTERM'), { code: 0, signal: null });
  assert.deepEqual(readdirSync(tree), []);
});

test('openclaw-2026.9: an EADDRINUSE bind is retried 20 times 500 ms apart, then the LOCK message; a port freed during the retries is taken', { timeout: 60_000 }, async (t) => {
  const occupy = async (port: number) => {
    const server = net.createServer();
    await new Promise<void>((resolve) => server.listen({ host: '127.0.0.1', port }, resolve));
    t.after(() => new Promise<void>((resolve) => server.close(() => resolve())));
    return server;
  };
  const [p, q] = [await freePort(), await freePort()];
  await occupy(p);
  const releasing = await occupy(q);

  const spawnedAt = performance.now();
  const exhausted = spawnGateway(t, 'openclaw-2026.9', p, profile());
  const riding = spawnGateway(t, 'openclaw-2026.9', q, profile());
  setTimeout(() => releasing.close(), 1200).unref();
  const match = await riding.waitForLine(LISTENING_LINE, STARTUP_BUDGET_MS);
  assert.equal(Number(match[1]), q, 'a previous holder that lets go within the retries is waited out');

  assert.deepEqual(await within(exhausted.closed, 20 * 500 + SLACK_MS + 2000, 'exit after the retries'), { code: 1, signal: null });
  const gaveUpAfter = exhausted.exitedAt()! - spawnedAt;
  assert.equal(exhausted.stderr(), `GatewayLockError: another gateway instance is already listening on ws://127.0.0.1:${p}\n`);
  assert.ok(gaveUpAfter >= 20 * 500, `gave up ${gaveUpAfter.toFixed(0)} ms after spawn, before 20 retries 500 ms apart`);
  assert.ok(gaveUpAfter < 20 * 500 + SLACK_MS, `gave up ${gaveUpAfter.toFixed(0)} ms after spawn, past the documented retries`);
});

test('a SIGTERM while waiting for a lock ends the wait: exit 0 at once, the holder\'s lock untouched', { timeout: 60_000 }, async (t) => {
  const where = profile();
  const [p, q] = [await freePort(), await freePort()];
  const first = await startGateway(t, 'openclaw-2026.9', p, where);
  const waiting = spawnGateway(t, 'openclaw-2026.9', q, where);
  await new Promise((resolve) => setTimeout(resolve, 1000));
  assert.equal(waiting.exitedAt(), undefined, 'still waiting for the lock');
  const sentAt = performance.now();
  waiting.signal('SIGTERM');
  // Exit 0 says the signal ended the wait (a timeout exits 1); the bound only has to tell that
  // from waiting out the rest of the 5 s, with room for a loaded 2-core host.
  assert.deepEqual(await within(waiting.closed, 4000, 'exit after SIGTERM'), { code: 0, signal: null });
  assert.ok(waiting.exitedAt()! - sentAt < 3500, 'the wait ended promptly');
  assert.equal(waiting.stderr(), '');
  assert.equal(readJson(join(lockTree(where.state), 'gateway.state.lock')).pid, first.pid);
});

test('2025-12-11 (the default): no lock file anywhere, --state-dir accepted and unused', { timeout: 30_000 }, async (t) => {
  const where = profile();
  const port = await freePort();
  const gateway = await startGateway(t, '2025-12-11', port, where);
  assert.deepEqual(readdirSync(where.tmp), []);
  assert.equal(existsSync(where.state), false);
  gateway.signal('SIGTERM');
  assert.deepEqual(await within(gateway.exited, EXIT_BUDGET_MS, 'exit after SIGTERM'), { code: 0, signal: null });
});

test('bad --lock-revision or --state-dir: one line naming it, exit 2', { timeout: 30_000 }, async (t) => {
  for (const [args, mentions] of [
    [['--lock-revision', 'file-lock'], `'file-lock'`],
    [['--lock-revision'], '--lock-revision'],
    [['--state-dir', ''], '--state-dir'],
  ] as const) {
    const cli = spawnProcess([process.execPath, CLI, ...args], { owner: t });
    assert.deepEqual(await within(cli.closed, 15_000, 'exit'), { code: 2, signal: null });
    assert.match(cli.stderr(), /^reference-gateway: [^\n]+\n$/);
    assert.ok(cli.stderr().includes(mentions), cli.stderr());
    assert.equal(cli.stdout(), '');
  }
});

test('lock-file.ts: a live holder times out with its pid named; garbage is reclaimed once it is old; a dead pid at once; an abort ends the wait', { timeout: 30_000 }, async () => {
  const dir = mkdtempSync(join(work, 'lf-'));
  const path = join(dir, 'sub', 'x.lock');
  const mine = { pid: process.pid };

  // A live holder: this process's parent (the test runner), which is alive and not us.
  const live = await acquireLockFile(path, { pid: process.ppid }, { waitMs: 0 });
  await assert.rejects(acquireLockFile(path, mine, { waitMs: 250 }), (error: unknown) => {
    assert.ok(error instanceof LockTimeoutError);
    assert.equal(error.message, `gateway already running (pid ${process.ppid}); lock timeout after 250ms`);
    return true;
  });
  const controller = new AbortController();
  setTimeout(() => controller.abort(), 150).unref();
  await assert.rejects(acquireLockFile(path, mine, { waitMs: 5000, signal: controller.signal }), LockWaitAborted);
  live.release(); // names another pid: not ours to remove
  assert.equal(readJson(path).pid, process.ppid);
  rmSync(path);

  // Unreadable content: waited for while fresh (it may be being written), reclaimed once old.
  writeFileSync(path, '{"pi');
  await assert.rejects(acquireLockFile(path, mine, { waitMs: 150 }), /pid unknown/);
  utimesSync(path, new Date(Date.now() - 5000), new Date(Date.now() - 5000));
  const reclaimed = await acquireLockFile(path, mine, { waitMs: 0 });
  assert.equal(readJson(path).pid, process.pid);
  reclaimed.release();
  assert.equal(existsSync(path), false);

  // A pid that names no process, or this very process (an earlier owner's pid, reused): stale.
  for (const stale of [2 ** 22 + 1, process.pid]) {
    writeFileSync(path, JSON.stringify({ pid: stale }));
    const taken = await acquireLockFile(path, mine, { waitMs: 0 });
    assert.equal(readJson(path).pid, process.pid);
    taken.release();
  }
  assert.equal(isAlive(process.ppid), true);
});
