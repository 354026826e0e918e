/**
 * The reference gateway, tested from outside with real processes and real sockets on 127.0.0.1
 * (no mocks): bind address, library API, lock conflicts, other bind failures, SIGKILL and restart,
 * graceful stop with 100 clients, command-line errors.
 *
 * Timing assertions use budgets far above what the gateway needs (the spec's 1000 ms release and
 * 5000 ms exit budgets); precise numbers are the bench's job (test/bench/run.ts).
 */
import { after, test, type TestContext } from 'node:test';
import assert from 'node:assert/strict';
import http from 'node:http';
import net from 'node:net';
import os from 'node:os';
import { chmodSync, existsSync, mkdtempSync, readFileSync, readdirSync, readlinkSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { tmpdir } from 'node:os';
import { fileURLToPath } from 'node:url';
import { performance } from 'node:perf_hooks';
import { setTimeout as sleep } from 'node:timers/promises';
import { GatewayLockError, startGateway } from '../reference-impl/gateway.js';
import { killAll, spawnProcess, type Exit, type Spawned } from './helpers/processes.js';
import { connectClients, freePort, isPortFree } from './helpers/net.js';

const CLI = fileURLToPath(new URL('../reference-impl/cli.js', import.meta.url));
const LISTENING_LINE = /^gateway listening on ws:\/\/127\.0\.0\.1:(\d+)$/;
/** Budgets: generous on purpose, so that a loaded 2-core machine never flakes them. */
const STARTUP_BUDGET_MS = 15_000;
const RELEASE_BUDGET_MS = 1000;
const EXIT_BUDGET_MS = 5000;

after(killAll);

const url = (port: number) => `ws://127.0.0.1:${port}`;
const inUseMessage = (port: number) => `another gateway instance is already listening on ws://127.0.0.1:${port}`;

function spawnGateway(t: TestContext, args: string[], prefix: string[] = []): Spawned {
  const env = prefix.length > 0 && process.env.NODE_V8_COVERAGE ? { ...process.env, NODE_V8_COVERAGE: worldWritableDir() } : process.env;
  return spawnProcess([...prefix, process.execPath, CLI, ...args], { owner: t, env });
}

/**
 * Under another uid the gateway cannot write c8's coverage files and would say so on stderr;
 * Node passes NODE_V8_COVERAGE on to children even when it is removed, so point it elsewhere.
 */
function worldWritableDir(): string {
  const dir = mkdtempSync(join(tmpdir(), 'glc-coverage-'));
  chmodSync(dir, 0o777);
  process.on('exit', () => rmSync(dir, { recursive: true, force: true }));
  return dir;
}

/**
 * Starts the CLI gateway on port, waits for its listening line, then for one answered plain HTTP
 * request (426), which proves the WebSocket server is attached, as the harness does.
 */
async function startCliGateway(t: TestContext, port: number): Promise<Spawned> {
  const gateway = spawnGateway(t, ['--port', String(port)]);
  const match = await gateway.waitForLine(LISTENING_LINE, STARTUP_BUDGET_MS);
  assert.equal(Number(match[1]), port);
  const answer = await within(plainGet(port), 5000, 'plain HTTP request');
  assert.deepEqual(answer, { status: 426, upgrade: 'websocket', body: 'gateway: WebSocket upgrade required\n' });
  return gateway;
}

function plainGet(port: number): Promise<{ status: number | undefined; upgrade: string | undefined; body: string }> {
  return new Promise((resolve, reject) => {
    const request = http.get({ host: '127.0.0.1', port, path: '/', agent: false }, (response) => {
      let body = '';
      response.setEncoding('utf8');
      response.on('data', (chunk: string) => (body += chunk));
      response.on('end', () => resolve({ status: response.statusCode, upgrade: response.headers.upgrade, body }));
    });
    request.on('error', reject);
  });
}

async function within<T>(promise: Promise<T>, ms: number, what: string): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  try {
    return await Promise.race([
      promise,
      new Promise<never>((_resolve, reject) => {
        timer = setTimeout(() => reject(new Error(`${what}: not within ${ms} ms`)), ms);
      }),
    ]);
  } finally {
    clearTimeout(timer);
  }
}

/** Polls the bind probe every ~2 ms from now; resolves with performance.now() of the first success. */
async function waitForPortFree(port: number, timeoutMs: number): Promise<number> {
  const deadline = performance.now() + timeoutMs;
  for (;;) {
    const attemptAt = performance.now();
    if (await isPortFree(port)) return attemptAt;
    if (performance.now() > deadline) throw new Error(`port ${port} still not free after ${timeoutMs} ms`);
    await sleep(2);
  }
}

interface ProcListener {
  family: 'tcp' | 'tcp6';
  address: string;
  inode: string;
}

/** Every LISTEN socket on port, from /proc/net/tcp and /proc/net/tcp6. */
function listenersOn(port: number): ProcListener[] {
  const found: ProcListener[] = [];
  for (const family of ['tcp', 'tcp6'] as const) {
    const path = `/proc/net/${family}`;
    if (!existsSync(path)) continue;
    for (const line of readFileSync(path, 'utf8').split('\n').slice(1)) {
      const fields = line.trim().split(/\s+/);
      if (fields.length < 10) continue;
      const [addressHex, portHex] = (fields[1] ?? '').split(':');
      if (fields[3] !== '0A' || parseInt(portHex ?? '', 16) !== port) continue;
      found.push({ family, address: decodeAddress(addressHex ?? ''), inode: fields[9] ?? '' });
    }
  }
  return found;
}

function decodeAddress(hex: string): string {
  if (hex.length === 8) {
    // IPv4, stored as a little-endian 32-bit number.
    return [6, 4, 2, 0].map((i) => parseInt(hex.slice(i, i + 2), 16)).join('.');
  }
  // IPv6: four little-endian 32-bit words.
  const bytes: string[] = [];
  for (let word = 0; word < 4; word++) {
    const chunk = hex.slice(word * 8, word * 8 + 8);
    for (const i of [6, 4, 2, 0]) bytes.push(chunk.slice(i, i + 2));
  }
  const groups: string[] = [];
  for (let i = 0; i < 16; i += 2) groups.push(String(parseInt(`${bytes[i]}${bytes[i + 1]}`, 16).toString(16)));
  return groups.join(':');
}

function socketInodesOf(pid: number): Set<string> {
  const inodes = new Set<string>();
  for (const fd of readdirSync(`/proc/${pid}/fd`)) {
    try {
      const match = /^socket:\[(\d+)\]$/.exec(readlinkSync(`/proc/${pid}/fd/${fd}`));
      if (match?.[1]) inodes.add(match[1]);
    } catch {
      // fd closed meanwhile
    }
  }
  return inodes;
}

/** Connect attempt: resolves with the error code, or 'connected'. */
function tryConnect(host: string, port: number): Promise<string> {
  return new Promise((resolve) => {
    const socket = net.connect({ host, port });
    socket.setTimeout(3000, () => {
      socket.destroy();
      resolve('timeout');
    });
    socket.once('connect', () => {
      socket.destroy();
      resolve('connected');
    });
    socket.once('error', (error: NodeJS.ErrnoException) => resolve(error.code ?? error.message));
  });
}

/** Stops a gateway with SIGTERM and checks the clean exit (used where the stop is not under test). */
async function stopCleanly(gateway: Spawned): Promise<void> {
  gateway.signal('SIGTERM');
  assert.deepEqual(await within(gateway.exited, EXIT_BUDGET_MS, 'exit after SIGTERM'), { code: 0, signal: null });
}

test('startup: listens on 127.0.0.1:P only (no wildcard, no IPv6), prints its listening line, answers an upgrade', { timeout: 60_000 }, async (t) => {
  const port = await freePort();
  assert.equal(await isPortFree(port), true);
  const gateway = await startCliGateway(t, port);
  assert.equal(gateway.stdout(), `gateway listening on ws://127.0.0.1:${port}\n`);
  assert.equal(gateway.stderr(), '');

  const listeners = listenersOn(port);
  assert.deepEqual(
    listeners.map(({ family, address }) => ({ family, address })),
    [{ family: 'tcp', address: '127.0.0.1' }],
    `LISTEN sockets on port ${port}: ${JSON.stringify(listeners)}`,
  );
  assert.ok(socketInodesOf(gateway.pid).has(listeners[0]!.inode), 'the LISTEN socket belongs to the spawned gateway');
  assert.equal(await isPortFree(port), false, 'a plain bind on 127.0.0.1:P must fail while the gateway runs');

  // Where the host has non-loopback addresses, nothing answers there.
  const external = Object.values(os.networkInterfaces())
    .flat()
    .filter((info) => info !== undefined && !info.internal && info.family === 'IPv4')
    .map((info) => info!.address);
  for (const address of external) {
    assert.equal(await tryConnect(address, port), 'ECONNREFUSED', `connect to ${address}:${port}`);
  }
  assert.equal(await tryConnect('127.0.0.1', port), 'connected');

  const clients = await connectClients(url(port), 1);
  t.after(() => clients.terminate());
  assert.equal(clients.sockets[0]!.readyState, 1 /* OPEN: the upgrade was answered 101 */);
  await stopCleanly(gateway);
  assert.deepEqual(await clients.allClosed(5000), [1001]);
});

test('library: startGateway resolves with url and port; close() frees the port at once and sends 1001', { timeout: 30_000 }, async (t) => {
  const port = await freePort();
  const gateway = await startGateway({ port });
  t.after(() => gateway.close());
  assert.equal(gateway.url, `ws://127.0.0.1:${port}`);
  assert.equal(gateway.port, port);
  assert.equal(await isPortFree(port), false);

  const clients = await connectClients(gateway.url, 3);
  t.after(() => clients.terminate());
  const closing = gateway.close();
  // The listener is closed synchronously inside close(), before any client has said goodbye.
  assert.equal(await isPortFree(port), true, 'port free right after close() was called');
  assert.deepEqual(clients.codes, [undefined, undefined, undefined], 'clients are still open at that point');
  await within(closing, 5000, 'close()');
  assert.deepEqual(await clients.allClosed(5000), [1001, 1001, 1001]);
  assert.equal(gateway.close(), closing, 'close() is idempotent');
  assert.equal(await isPortFree(port), true);
});

test('library: startGateway rejects with GatewayLockError and the exact message on a held port', { timeout: 30_000 }, async (t) => {
  const port = await freePort();
  // Held by a foreign listener...
  const foreign = net.createServer();
  await new Promise<void>((resolve) => foreign.listen({ host: '127.0.0.1', port }, resolve));
  t.after(() => new Promise<void>((resolve) => foreign.close(() => resolve())));
  const expectLockError = (error: unknown): boolean => {
    assert.ok(error instanceof GatewayLockError, `not a GatewayLockError: ${String(error)}`);
    assert.equal(error.name, 'GatewayLockError');
    assert.equal(error.message, inUseMessage(port));
    assert.equal((error.cause as NodeJS.ErrnoException | undefined)?.code, 'EADDRINUSE');
    return true;
  };
  await assert.rejects(startGateway({ port }), expectLockError);
  await new Promise<void>((resolve) => foreign.close(() => resolve()));

  // ...and by another instance of the gateway, which keeps serving.
  const first = await startGateway({ port });
  t.after(() => first.close());
  await assert.rejects(startGateway({ port }), expectLockError);
  const clients = await connectClients(first.url, 1);
  t.after(() => clients.terminate());
  await first.close();
  assert.deepEqual(await clients.allClosed(5000), [1001]);
});

test('second instance: exits 1 with the byte-exact GatewayLockError line; the first keeps serving', { timeout: 60_000 }, async (t) => {
  const port = await freePort();
  const first = await startCliGateway(t, port);

  const second = spawnGateway(t, ['--port', String(port)]);
  const exit = await within(second.closed, EXIT_BUDGET_MS, 'second instance exit');
  assert.deepEqual(exit, { code: 1, signal: null });
  assert.equal(second.stderr(), `GatewayLockError: ${inUseMessage(port)}\n`);
  assert.equal(second.stdout(), '');

  assert.equal(first.exitedAt(), undefined, 'the first instance is still running');
  const clients = await connectClients(url(port), 1);
  t.after(() => clients.terminate());
  assert.equal(clients.sockets[0]!.readyState, 1);
  await stopCleanly(first);
});

test('foreign occupier on 127.0.0.1, 0.0.0.0 and [::]: the same exit 1 and the same line', { timeout: 60_000 }, async (t) => {
  for (const host of ['127.0.0.1', '0.0.0.0', '::']) {
    await t.test(`occupier on ${host}`, async (st) => {
      const port = await freePort();
      const occupier = net.createServer();
      const bound = await new Promise<string | undefined>((resolve) => {
        occupier.once('error', (error: NodeJS.ErrnoException) => resolve(error.code));
        occupier.listen({ host, port, ipv6Only: false }, () => resolve(undefined));
      });
      if (bound !== undefined) {
        st.skip(`cannot listen on [${host}]:${port} here (${bound})`);
        return;
      }
      st.after(() => new Promise<void>((resolve) => occupier.close(() => resolve())));
      const gateway = spawnGateway(st, ['--port', String(port)]);
      assert.deepEqual(await within(gateway.closed, EXIT_BUDGET_MS, 'gateway exit'), { code: 1, signal: null });
      assert.equal(gateway.stderr(), `GatewayLockError: ${inUseMessage(port)}\n`);
      assert.equal(gateway.stdout(), '');
    });
  }
});

/** A port the kernel reserves for privileged binds, or undefined when there is none. */
function privilegedPort(): number | undefined {
  const path = '/proc/sys/net/ipv4/ip_unprivileged_port_start';
  const start = existsSync(path) ? Number(readFileSync(path, 'utf8').trim()) : 1024;
  if (!(start > 1)) return undefined;
  return Math.min(80, start - 1);
}

test('bind failure other than EADDRINUSE (EACCES): "failed to bind gateway socket" with a detail, exit 1', { timeout: 60_000 }, async (t) => {
  const port = privilegedPort();
  const isRoot = process.getuid?.() === 0;
  const setpriv = ['/usr/bin/setpriv', '/bin/setpriv'].find((path) => existsSync(path));
  const methods: { name: string; prefix: string[] | undefined; unavailable: string }[] = [
    {
      name: 'non-root uid via setpriv --reuid=65534',
      prefix: isRoot && setpriv ? [setpriv, '--reuid=65534', '--regid=65534', '--clear-groups'] : undefined,
      unavailable: !setpriv ? 'setpriv not installed' : 'needs root to change uid',
    },
    {
      name: 'root without CAP_NET_BIND_SERVICE via setpriv',
      prefix: isRoot && setpriv ? [setpriv, '--inh-caps=-net_bind_service', '--bounding-set=-net_bind_service'] : undefined,
      unavailable: !setpriv ? 'setpriv not installed' : 'needs root to drop a capability',
    },
    {
      name: 'plain spawn as this non-root user',
      prefix: !isRoot ? [] : undefined,
      unavailable: 'this process runs as root, a plain bind to a low port succeeds',
    },
  ];
  let ran = 0;
  for (const method of methods) {
    await t.test(method.name, async (st) => {
      if (port === undefined) {
        st.skip('net.ipv4.ip_unprivileged_port_start allows every port: no EACCES to provoke');
        return;
      }
      if (method.prefix === undefined) {
        st.skip(method.unavailable);
        return;
      }
      // First prove the method makes a plain Node bind fail with EACCES, so that a skip can never
      // hide a gateway failure and a gateway failure is never blamed on the method.
      const probeScript = `require('net').createServer().on('error',e=>{console.log(e.code);process.exit(0)}).listen(${port},'127.0.0.1',()=>{console.log('BOUND');process.exit(0)})`;
      const probe = spawnProcess([...method.prefix, process.execPath, '-e', probeScript], { owner: st });
      await within(probe.closed, 15_000, 'EACCES probe');
      if (probe.stdout().trim() !== 'EACCES') {
        const reason = `method does not give EACCES here (probe: ${JSON.stringify(probe.stdout().trim() || probe.stderr().trim().split('\n')[0])})`;
        console.log(`# skip: ${method.name}: ${reason}`);
        st.skip(reason);
        return;
      }
      ran++;
      const gateway = spawnGateway(st, ['--port', String(port)], method.prefix);
      assert.deepEqual(await within(gateway.closed, 15_000, 'gateway exit'), { code: 1, signal: null });
      assert.equal(gateway.stdout(), '');
      const stderr = gateway.stderr();
      const prefix = `GatewayLockError: failed to bind gateway socket on ws://127.0.0.1:${port}: `;
      assert.ok(stderr.startsWith(prefix), `stderr: ${JSON.stringify(stderr)}`);
      assert.match(stderr, /^[^\n]+\n$/, 'exactly one line');
      const detail = stderr.slice(prefix.length, -1);
      assert.match(detail, /EACCES/, 'the detail names the errno');
      assert.doesNotMatch(stderr, /another gateway instance/);
    });
  }
  if (ran === 0) console.log('# no EACCES injection method worked here: the BINDFAIL path was not exercised');
});

test('SIGKILL with 10 connected clients: the port is free at exit and the same port restarts at once', { timeout: 60_000 }, async (t) => {
  const port = await freePort();
  const gateway = await startCliGateway(t, port);
  const clients = await connectClients(url(port), 10);
  t.after(() => clients.terminate());

  gateway.killGroup();
  const exit: Exit = await within(gateway.exited, EXIT_BUDGET_MS, 'exit after SIGKILL');
  assert.deepEqual(exit, { code: null, signal: 'SIGKILL' });
  // The kernel released the listener before the exit was reported: the first bind attempt succeeds.
  assert.equal(await isPortFree(port), true, 'port free at the exit event');
  // Then immediately: no waiting for the clients to notice, no delay.
  const restarted = spawnGateway(t, ['--port', String(port)]);
  const match = await restarted.waitForLine(LISTENING_LINE, STARTUP_BUDGET_MS);
  assert.equal(Number(match[1]), port);
  assert.equal(restarted.stderr(), '');
  assert.deepEqual(await clients.allClosed(5000), new Array(10).fill(1006), 'the killed gateway sent no close frame');

  const fresh = await connectClients(url(port), 1);
  t.after(() => fresh.terminate());
  await stopCleanly(restarted);
  assert.deepEqual(await fresh.allClosed(5000), [1001]);
});

for (const signal of ['SIGTERM', 'SIGINT'] as const) {
  test(`${signal} with 100 connected clients: port free promptly, every client gets 1001, exit 0 within 5 s`, { timeout: 60_000 }, async (t) => {
    const port = await freePort();
    const gateway = await startCliGateway(t, port);
    const clients = await connectClients(url(port), 100);
    t.after(() => clients.terminate());
    assert.equal(await isPortFree(port), false);

    const sentAt = performance.now();
    gateway.signal(signal);
    const freeAt = await waitForPortFree(port, EXIT_BUDGET_MS);
    const exit = await within(gateway.exited, EXIT_BUDGET_MS, `exit after ${signal}`);
    const exitMs = gateway.exitedAt()! - sentAt;
    const freeMs = freeAt - sentAt;

    assert.deepEqual(exit, { code: 0, signal: null }, 'exit status 0, not death by the signal');
    assert.ok(freeMs < RELEASE_BUDGET_MS, `port free ${freeMs.toFixed(1)} ms after ${signal}`);
    assert.ok(exitMs < EXIT_BUDGET_MS, `exit ${exitMs.toFixed(1)} ms after ${signal}`);
    assert.equal(await isPortFree(port), true, 'port free after exit');
    assert.equal(listenersOn(port).length, 0, 'no LISTEN socket left on the port');
    assert.deepEqual(await clients.allClosed(5000), new Array(100).fill(1001));
    await gateway.closed;
    assert.equal(gateway.stdout(), `gateway listening on ws://127.0.0.1:${port}\n`);
    assert.equal(gateway.stderr(), '');
    t.diagnostic(`${signal}: port free after ${freeMs.toFixed(1)} ms, exit after ${exitMs.toFixed(1)} ms`);

    // The same port restarts at once after a graceful stop.
    const again = await startCliGateway(t, port);
    await stopCleanly(again);
  });
}

/** A WebSocket client that completes the upgrade and then never reads again (nor answers a close frame). */
function unresponsiveClient(port: number): Promise<net.Socket> {
  return new Promise((resolve, reject) => {
    const socket = net.connect({ host: '127.0.0.1', port });
    let head = '';
    socket.setEncoding('latin1');
    socket.once('error', reject);
    socket.on('connect', () =>
      socket.write(
        'GET / HTTP/1.1\r\nHost: 127.0.0.1\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n' +
          'Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\nSec-WebSocket-Version: 13\r\n\r\n',
      ),
    );
    const onData = (chunk: string) => {
      head += chunk;
      if (!head.includes('\r\n\r\n')) return;
      socket.off('data', onData);
      socket.pause();
      socket.on('error', () => undefined);
      if (head.startsWith('HTTP/1.1 101 ')) resolve(socket);
      else reject(new Error(`upgrade refused: ${head.split('\r\n')[0]}`));
    };
    socket.on('data', onData);
  });
}

test('SIGTERM with a client that never answers the close frame: port free at once, exit 0 after the grace period', { timeout: 60_000 }, async (t) => {
  const port = await freePort();
  const gateway = await startCliGateway(t, port);
  const silent = await within(unresponsiveClient(port), 5000, 'upgrade');
  t.after(() => silent.destroy());

  const sentAt = performance.now();
  gateway.signal('SIGTERM');
  const freeMs = (await waitForPortFree(port, EXIT_BUDGET_MS)) - sentAt;
  const exit = await within(gateway.exited, EXIT_BUDGET_MS, 'exit after SIGTERM');
  const exitMs = gateway.exitedAt()! - sentAt;
  assert.deepEqual(exit, { code: 0, signal: null });
  assert.ok(freeMs < RELEASE_BUDGET_MS, `port free ${freeMs.toFixed(1)} ms after SIGTERM`);
  // The gateway waits its 250 ms grace for the close reply, then terminates the client and exits.
  assert.ok(exitMs >= 200, `exit ${exitMs.toFixed(1)} ms after SIGTERM: before the 250 ms grace ran out?`);
  assert.ok(exitMs < EXIT_BUDGET_MS, `exit ${exitMs.toFixed(1)} ms after SIGTERM`);
  t.diagnostic(`silent client: port free after ${freeMs.toFixed(1)} ms, exit after ${exitMs.toFixed(1)} ms`);
});

test(
  'a SIGTERM sent the moment the listening line appears still ends in exit 0',
  { timeout: 120_000 },
  async (t) => {
    const trials = 10;
    const exits: Exit[] = [];
    for (let i = 0; i < trials; i++) {
      const port = await freePort();
      const gateway = spawnGateway(t, ['--port', String(port)]);
      await gateway.waitForLine(LISTENING_LINE, STARTUP_BUDGET_MS);
      gateway.signal('SIGTERM');
      exits.push(await within(gateway.exited, EXIT_BUDGET_MS, 'exit after SIGTERM'));
    }
    const bySignal = exits.filter((exit) => exit.signal !== null).length;
    assert.equal(bySignal, 0, `${bySignal} of ${trials} gateways died by SIGTERM instead of exiting 0`);
    assert.deepEqual(exits, new Array(trials).fill({ code: 0, signal: null }));
  },
);

test('bad input: exactly one stderr line, no stack trace, exit 2', { timeout: 60_000 }, async (t) => {
  const cases: { args: string[]; mentions: string }[] = [
    { args: ['--port', 'abc'], mentions: `'abc'` },
    { args: ['--port', '70000'], mentions: `'70000'` },
    { args: ['--port', '0'], mentions: `'0'` },
    { args: ['--port', '-1'], mentions: '--port' },
    { args: ['--port=12.5'], mentions: `'12.5'` },
    { args: ['--port'], mentions: '--port' },
    { args: ['--no-such-flag'], mentions: '--no-such-flag' },
    { args: ['serve'], mentions: `'serve'` },
  ];
  for (const { args, mentions } of cases) {
    await t.test(JSON.stringify(args), async (st) => {
      const cli = spawnGateway(st, args);
      assert.deepEqual(await within(cli.closed, 15_000, 'exit'), { code: 2, signal: null });
      const stderr = cli.stderr();
      assert.match(stderr, /^reference-gateway: [^\n]+\n$/, `exactly one line: ${JSON.stringify(stderr)}`);
      assert.doesNotMatch(stderr, /\bat .*:\d+:\d+|Error:|node:internal/, 'no stack trace or error dump');
      assert.ok(stderr.includes(mentions), `names the offending input (${mentions}): ${JSON.stringify(stderr)}`);
      assert.equal(cli.stdout(), '');
    });
  }
});

test('--help and -h: usage on stdout, exit 0', { timeout: 30_000 }, async (t) => {
  for (const flag of ['--help', '-h']) {
    const cli = spawnGateway(t, [flag]);
    assert.deepEqual(await within(cli.closed, 15_000, 'exit'), { code: 0, signal: null });
    assert.match(cli.stdout(), /^usage: reference-gateway \[--port <port>\][^\n]*\n$/);
    assert.equal(cli.stderr(), '');
  }
});
