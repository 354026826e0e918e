/**
 * bind() observation with strace: the parser on strace's own text (single, split and interleaved
 * lines), the one-line summary, and a real traced run whose binds, timing and exit status are
 * checked against what the child was made to do. The real runs skip, with the reason, where
 * strace is missing or cannot trace here.
 */
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import net from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { test } from 'node:test';
import {
  bindsOnPort,
  bindTracer,
  bindTracerUnavailable,
  describeBindAttempts,
  epochToMonotonic,
  parseBindTrace,
  type BindAttempt,
} from '../harness/observe/bind-trace.js';
import { within } from '../harness/run/time.js';
import { spawnProcess } from './helpers/processes.js';

const V4 = (port: number, host = '127.0.0.1') => `{sa_family=AF_INET, sin_port=htons(${port}), sin_addr=inet_addr("${host}")}, 16`;
const V6 = (port: number, host = '::1') =>
  `{sa_family=AF_INET6, sin6_port=htons(${port}), sin6_flowinfo=htonl(0), inet_pton(AF_INET6, "${host}", &sin6_addr), sin6_scope_id=0}, 28`;
const INUSE = '= -1 EADDRINUSE (Address already in use)';

test('parser: inet, inet6, unix and other families, successes and failures', () => {
  const text = [
    `4242 1733912345.000100 bind(19, ${V4(0)}) = 0`,
    `4242 1733912345.250000 bind(20, ${V4(43210)}) ${INUSE}`,
    `4242 1733912345.500000 bind(21, ${V6(43210)}) = -1 EADDRNOTAVAIL (Cannot assign requested address)`,
    `4242 1733912345.600000 bind(22, ${V6(43211, '::')}) = 0`,
    `4242 1733912345.700000 bind(23, {sa_family=AF_UNIX, sun_path=@"glc-lock-43210\\0\\0\\0\\0"}, 110) = 0`,
    `4242 1733912345.800000 bind(24, {sa_family=AF_UNIX, sun_path="/run/gw.sock"}, 110) = -1 EACCES (Permission denied)`,
    `4242 1733912345.900000 bind(25, {sa_family=AF_NETLINK, nl_pid=0, nl_groups=00000000}, 12) = 0`,
    `4242 1733912346.000000 bind(26, 0x7ffd1234, 16) = -1 EFAULT (Bad address)`,
    `4242 1733912346.100000 connect(27, ${V4(43210)}) = 0`,
    '4242 1733912346.200000 +++ exited with 1 +++',
    '',
  ].join('\n');
  const attempts = parseBindTrace(text).map((a) => ({ ...a, atEpochMs: Math.round(a.atEpochMs * 1000) / 1000 }));
  assert.deepEqual(attempts, [
    { pid: 4242, atEpochMs: 1733912345000.1, family: 'inet', host: '127.0.0.1', port: 0, ok: true },
    { pid: 4242, atEpochMs: 1733912345250, family: 'inet', host: '127.0.0.1', port: 43210, ok: false, errno: 'EADDRINUSE' },
    { pid: 4242, atEpochMs: 1733912345500, family: 'inet6', host: '::1', port: 43210, ok: false, errno: 'EADDRNOTAVAIL' },
    { pid: 4242, atEpochMs: 1733912345600, family: 'inet6', host: '::', port: 43211, ok: true },
    { pid: 4242, atEpochMs: 1733912345700, family: 'unix', host: '@glc-lock-43210', ok: true },
    { pid: 4242, atEpochMs: 1733912345800, family: 'unix', host: '/run/gw.sock', ok: false, errno: 'EACCES' },
    { pid: 4242, atEpochMs: 1733912345900, family: 'other', ok: true },
    { pid: 4242, atEpochMs: 1733912346000, family: 'other', ok: false, errno: 'EFAULT' },
  ]);
  assert.deepEqual(bindsOnPort(attempts, 43210).map((a) => a.family), ['inet', 'inet6']);
});

test('parser: split lines of interleaved processes are joined by pid, in entry order', () => {
  // The shape strace -f wrote for two processes binding at once (taken from a real trace).
  const text = [
    `15698 1796114177.558808 bind(19, ${V4(0)} <unfinished ...>`,
    `15699 1796114177.560428 bind(19, ${V4(43210)} <unfinished ...>`,
    '15698 1796114177.560463 <... bind resumed>) = 0',
    `15698 1796114177.560745 bind(20, ${V6(43210)} <unfinished ...>`,
    `15699 1796114177.560907 <... bind resumed>) ${INUSE}`,
    `[pid 15700] 1796114177.561000 bind(5, ${V4(43210)}) ${INUSE} <0.000012>`,
    '15698 1796114177.561984 <... bind resumed>) = -1 EACCES (Permission denied)',
    `15701 1796114177.562000 bind(7, ${V4(43210)} <unfinished ...>`,
    '15701 1796114177.563000 <... bind resumed>) = ?',
    `15702 1796114177.564000 bind(8, ${V4(43210)} <unfinished ...>`,
    '15699 1796114177.565000 <... bind resumed>) = 0',
  ].join('\n');
  const attempts = parseBindTrace(text);
  assert.deepEqual(
    attempts.map((a) => [a.pid, a.family, a.port, a.ok, a.errno]),
    [
      [15698, 'inet', 0, true, undefined],
      [15699, 'inet', 43210, false, 'EADDRINUSE'],
      [15698, 'inet6', 43210, false, 'EACCES'],
      [15700, 'inet', 43210, false, 'EADDRINUSE'],
      [15701, 'inet', 43210, false, undefined], // killed inside the call: result unknown
      [15702, 'inet', 43210, false, undefined], // never resumed
    ],
  );
  // Entry times, not resume times.
  assert.equal(Math.round(attempts[1]!.atEpochMs), Math.round(1796114177560.428));
  assert.equal(Math.round(attempts[2]!.atEpochMs), Math.round(1796114177560.745));
});

test('describeBindAttempts: one line of what the trace shows on the port', () => {
  const at = (s: number) => 1_700_000_000_000 + s * 1000;
  const failing: BindAttempt[] = [
    { pid: 1, atEpochMs: at(0), family: 'inet', host: '127.0.0.1', port: 0, ok: true },
    ...Array.from({ length: 20 }, (_, i): BindAttempt => ({ pid: 1, atEpochMs: at(0.1 + (i * 9.6) / 19), family: 'inet', host: '127.0.0.1', port: 43210, ok: false, errno: 'EADDRINUSE' })),
  ];
  assert.equal(
    describeBindAttempts(failing, 43210, { code: 1, atEpochMs: at(10.0) }),
    '20 binds of 127.0.0.1:43210 failed with EADDRINUSE over 9.6 s, exit 1 0.3 s after the last',
  );
  assert.equal(describeBindAttempts(failing, 43210), '20 binds of 127.0.0.1:43210 failed with EADDRINUSE over 9.6 s');
  assert.equal(describeBindAttempts(failing.slice(0, 2), 43210, { signal: 'SIGKILL' }), '1 bind of 127.0.0.1:43210 failed with EADDRINUSE, killed by SIGKILL');
  assert.equal(describeBindAttempts(failing, 5), 'no bind() of port 5 seen');
  const mixed: BindAttempt[] = [
    { pid: 2, atEpochMs: at(0), family: 'inet6', host: '::1', port: 43210, ok: false, errno: 'EADDRNOTAVAIL' },
    { pid: 2, atEpochMs: at(0.5), family: 'inet', host: '0.0.0.0', port: 43210, ok: true },
  ];
  assert.equal(describeBindAttempts(mixed, 43210, { code: 0, atEpochMs: at(2) }), '1 bind of [::1]:43210 failed with EADDRNOTAVAIL; 1 succeeded, exit 0 1.5 s after the last');
  assert.equal(describeBindAttempts(mixed.slice(1), 43210), '1 bind of 0.0.0.0:43210 succeeded');
});

test('epochToMonotonic puts wall-clock times on the performance.now() scale', () => {
  const skew = epochToMonotonic(Date.now()) - performance.now();
  assert.ok(Math.abs(skew) < 50, `skew ${skew} ms`);
});

/** Holds 127.0.0.1:<free port> until closed. */
async function holdPort(): Promise<{ port: number; close(): Promise<void> }> {
  const server = net.createServer();
  await new Promise<void>((resolve, reject) => server.once('error', reject).listen({ port: 0, host: '127.0.0.1', exclusive: true }, resolve));
  return { port: (server.address() as net.AddressInfo).port, close: () => new Promise((resolve) => server.close(() => resolve())) };
}

test('a real traced run: three failing binds of a held port, 200 ms apart, exit 1', async (t) => {
  const tracer = await bindTracer();
  if (!tracer) return t.skip(`no bind tracer: ${bindTracerUnavailable()}`);
  const held = await holdPort();
  t.after(() => held.close());
  const dir = mkdtempSync(join(tmpdir(), 'glc-bind-trace-'));
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  const log = join(dir, 'binds.trace');
  const script = `const net = require('net');
const bind = (port) => new Promise((resolve) => { const s = net.createServer(); s.once('error', (e) => resolve(e.code)); s.listen({ port, host: '127.0.0.1', exclusive: true }, () => s.close(() => resolve('OK'))) });
(async () => {
  console.log('probe', await bind(0));
  for (let i = 0; i < 3; i++) { console.log('try', await bind(${held.port})); await new Promise((r) => setTimeout(r, 200)) }
  process.exit(1);
})()`;
  const child = spawnProcess([...tracer.prefix(log), process.execPath, '-e', script], { owner: t });
  const exit = await within(child.closed, 30_000);
  assert.deepEqual(exit, { code: 1, signal: null }, 'strace exits with the child code');
  assert.deepEqual(child.stdout().trim().split('\n'), ['probe OK', 'try EADDRINUSE', 'try EADDRINUSE', 'try EADDRINUSE']);
  assert.equal(child.stderr(), '', 'strace says nothing on the candidate stderr');

  const attempts = parseBindTrace(readFileSync(log, 'utf8'));
  assert.ok(attempts.some((a) => a.family === 'inet' && a.port === 0 && a.ok), 'the port-0 probe is traced');
  const onPort = bindsOnPort(attempts, held.port);
  assert.equal(onPort.length, 3, JSON.stringify(attempts));
  for (const a of onPort) assert.deepEqual([a.host, a.ok, a.errno], ['127.0.0.1', false, 'EADDRINUSE']);
  for (let i = 1; i < onPort.length; i++) {
    const gap = onPort[i]!.atEpochMs - onPort[i - 1]!.atEpochMs;
    assert.ok(gap >= 150, `gap ${gap} ms between binds ${i - 1} and ${i}`);
  }
  // The trace's clock, mapped to the monotonic scale, falls within the spawned process's life.
  const first = epochToMonotonic(onPort[0]!.atEpochMs);
  assert.ok(first >= child.spawnedAt - 20 && first <= child.exitedAt()! + 20, `first bind at ${first}, spawned ${child.spawnedAt}, exited ${child.exitedAt()}`);
  assert.match(describeBindAttempts(attempts, held.port, { code: 1 }), new RegExp(`^3 binds of 127\\.0\\.0\\.1:${held.port} failed with EADDRINUSE over 0\\.\\d s, exit 1$`));
});

test('a real traced run: a child killed by SIGKILL ends the spawned process by SIGKILL', async (t) => {
  const tracer = await bindTracer();
  if (!tracer) return t.skip(`no bind tracer: ${bindTracerUnavailable()}`);
  const dir = mkdtempSync(join(tmpdir(), 'glc-bind-trace-'));
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  const child = spawnProcess([...tracer.prefix(join(dir, 'binds.trace')), process.execPath, '-e', "process.kill(process.pid, 'SIGKILL')"], { owner: t });
  assert.deepEqual(await within(child.exited, 30_000), { code: null, signal: 'SIGKILL' });
});

test('bindTracer is proven once and cached; a reason is given exactly when it is missing', async () => {
  const [a, b] = await Promise.all([bindTracer(), bindTracer()]);
  assert.equal(a, b);
  if (a) {
    assert.equal(bindTracerUnavailable(), undefined);
    const prefix = a.prefix('/tmp/x.trace');
    assert.ok(prefix.includes('--seccomp-bpf') && prefix.includes('--output=/tmp/x.trace') && prefix.at(-1) === '--', prefix.join(' '));
  } else {
    assert.match(bindTracerUnavailable() ?? '', /strace/);
  }
});
