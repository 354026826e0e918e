/**
 * The seccomp launcher that injects bind failures for BINDFAIL-1: only inet binds of the port
 * under test fail, with the chosen errno; the launcher is transparent otherwise (exit status,
 * signals, other binds). Every process is real and every process group is killed when its test
 * ends, passed or failed.
 */
import assert from 'node:assert/strict';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import net from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test, type TestContext } from 'node:test';
import { BIND_ERRNO_LOG_ENV, buildLauncher, seccompInjector } from '../harness/inject/bind-errno.js';
import { sleep, within } from '../harness/run/time.js';
import { freePort } from './helpers/net.js';
import { spawnProcess, type Exit } from './helpers/processes.js';

const NODE = process.execPath;

/** Binds each [host, port] of argv[1] (JSON) in turn, printing "host port OK" or "host port CODE". */
const BINDS = `const net = require('net');
(async () => {
  for (const [host, port] of JSON.parse(process.argv[1])) {
    console.log(await new Promise((resolve) => {
      const server = net.createServer();
      server.once('error', (error) => resolve(host + ' ' + port + ' ' + error.code));
      server.listen({ host, port, exclusive: true }, () => server.close(() => resolve(host + ' ' + port + ' OK')));
    }));
  }
})()`;
const binds = (...pairs: [string, number][]) => [NODE, '-e', BINDS, JSON.stringify(pairs)];

interface Ran extends Exit {
  stdout: string;
  stderr: string;
}

/** Runs argv to its end (30 s at most); its process group is killed when the test ends. */
async function run(t: TestContext, argv: string[], env?: NodeJS.ProcessEnv): Promise<Ran> {
  const child = spawnProcess(argv, { owner: t, ...(env ? { env } : {}) });
  const exit = await within(child.closed, 30_000);
  if (!exit) throw new Error(`${argv.slice(0, 4).join(' ')} ... still running after 30 s`);
  return { ...exit, stdout: child.stdout(), stderr: child.stderr() };
}

const lines = (text: string) => text.trim().split('\n').filter(Boolean);

let ipv6: Promise<boolean> | undefined;
/** Whether [::1] can be bound here at all (without the launcher). */
const hasIpv6Loopback = () =>
  (ipv6 ??= new Promise((resolve) => {
    const server = net.createServer();
    server.once('error', () => resolve(false));
    server.listen(0, '::1', () => server.close(() => resolve(true)));
  }));

test('the launcher compiles and proves itself with --check', async (t) => {
  const binary = await buildLauncher();
  assert.equal(await buildLauncher(), binary, 'cached');
  const port = await freePort();
  for (const errno of ['EACCES', 'EADDRNOTAVAIL']) {
    const check = await run(t, [binary, '--check', errno, String(port)]);
    assert.deepEqual([check.code, check.stdout, check.stderr], [0, 'ok\n', ''], errno);
  }
  const injector = await seccompInjector();
  assert.deepEqual(injector.launcher('EACCES', port), [binary, 'EACCES', String(port)]);
  assert.match(injector.method, /seccomp user notification/);
});

test('a port-0 probe binds, then the bind of P fails with the errno (the clawdbot shape)', async (t) => {
  const binary = await buildLauncher();
  const port = await freePort();
  for (const errno of ['EACCES', 'EADDRNOTAVAIL']) {
    const result = await run(t, [binary, errno, String(port), ...binds(['127.0.0.1', 0], ['127.0.0.1', port], ['0.0.0.0', port])]);
    assert.deepEqual(lines(result.stdout), ['127.0.0.1 0 OK', `127.0.0.1 ${port} ${errno}`, `0.0.0.0 ${port} ${errno}`], result.stderr);
    assert.equal(result.code, 0);
  }
  const outside = await run(t, binds(['127.0.0.1', port]));
  assert.deepEqual(lines(outside.stdout), [`127.0.0.1 ${port} OK`], 'no effect outside the launcher');
});

test('binds of other ports succeed: only P is failed', async (t) => {
  const binary = await buildLauncher();
  const port = await freePort();
  const other = port + 1;
  const result = await run(t, [binary, 'EACCES', String(port), ...binds(['127.0.0.1', other], ['127.0.0.1', port], ['127.0.0.1', other])]);
  assert.deepEqual(lines(result.stdout), [`127.0.0.1 ${other} OK`, `127.0.0.1 ${port} EACCES`, `127.0.0.1 ${other} OK`], result.stderr);
});

test('IPv6: [::1]:P fails with the errno, [::1]:0 binds', async (t) => {
  if (!(await hasIpv6Loopback())) return t.skip('no IPv6 loopback on this host');
  const binary = await buildLauncher();
  const port = await freePort();
  const result = await run(t, [binary, 'EADDRNOTAVAIL', String(port), ...binds(['::1', 0], ['::1', port], ['::', port])]);
  assert.deepEqual(lines(result.stdout), ['::1 0 OK', `::1 ${port} EADDRNOTAVAIL`, `:: ${port} EADDRNOTAVAIL`], result.stderr);
});

test('descendants inherit the filter (the command runs under sh, which forks it)', async (t) => {
  const binary = await buildLauncher();
  const port = await freePort();
  // "; exit $?" keeps sh from exec'ing node in its place: node is a child of sh.
  const result = await run(t, [binary, 'EACCES', String(port), 'sh', '-c', '"$@"; exit $?', 'sh', ...binds(['127.0.0.1', 0], ['127.0.0.1', port])]);
  assert.deepEqual(lines(result.stdout), ['127.0.0.1 0 OK', `127.0.0.1 ${port} EACCES`], result.stderr);
});

test('a daemonised descendant is still served after the command exited', async (t) => {
  const binary = await buildLauncher();
  const port = await freePort();
  const dir = mkdtempSync(join(tmpdir(), 'glc-bind-errno-'));
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  const out = join(dir, 'daemon.out');
  // sh backgrounds a subshell that binds 300 ms later, and exits 5 at once.
  const script = `(sleep 0.3; "$@" > "${out}" 2>&1) & exit 5`;
  const result = await run(t, [binary, 'EACCES', String(port), 'sh', '-c', script, 'sh', ...binds(['127.0.0.1', 0], ['127.0.0.1', port])]);
  assert.equal(result.code, 5, 'the launcher exits as the command did');
  assert.equal(existsSync(out) ? readFileSync(out, 'utf8') : '', '', 'before the daemon bound anything');
  let text = '';
  for (let waited = 0; waited < 15_000 && lines(text).length < 2; waited += 50) {
    await sleep(50);
    text = existsSync(out) ? readFileSync(out, 'utf8') : '';
  }
  assert.deepEqual(lines(text), ['127.0.0.1 0 OK', `127.0.0.1 ${port} EACCES`]);
});

test('unix sockets still bind under the filter', async (t) => {
  const binary = await buildLauncher();
  const port = await freePort();
  const dir = mkdtempSync(join(tmpdir(), 'glc-bind-errno-'));
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  const script = `const net = require('net');
const listen = (path) => new Promise((resolve) => { const s = net.createServer().once('error', (e) => resolve(e.code)).listen(path, () => s.close(() => resolve('BOUND'))) });
(async () => console.log(await listen('\\0glc-unix-test-' + process.pid + '-with-a-long-name'), await listen(process.argv[1])))()`;
  const result = await run(t, [binary, 'EACCES', String(port), NODE, '-e', script, join(dir, 'gateway.sock')]);
  assert.equal(result.stdout.trim(), 'BOUND BOUND', result.stderr);
});

test('BIND_ERRNO_LOG gets a line per injected failure, the command sees neither it nor the variable', async (t) => {
  const binary = await buildLauncher();
  const port = await freePort();
  const dir = mkdtempSync(join(tmpdir(), 'glc-bind-errno-'));
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  const log = join(dir, 'binds.log');
  const argv = [...binds(['127.0.0.1', 0], ['127.0.0.1', port])];
  argv[2] = `console.log('env ' + (process.env.${BIND_ERRNO_LOG_ENV} ?? 'unset')); ${BINDS}`;
  const result = await run(t, [binary, 'EACCES', String(port), ...argv], { ...process.env, [BIND_ERRNO_LOG_ENV]: log });
  assert.deepEqual(lines(result.stdout), ['env unset', '127.0.0.1 0 OK', `127.0.0.1 ${port} EACCES`], result.stderr);
  assert.equal(result.stderr, '');
  const logged = lines(readFileSync(log, 'utf8'));
  assert.equal(logged.length, 1, logged.join('\n'));
  assert.match(logged[0]!, new RegExp(`^\\d+\\.\\d{3} pid \\d+ bind 127\\.0\\.0\\.1:${port} EACCES$`));
});

test('the exit status mirrors the command: its code, or death by its signal', async (t) => {
  const binary = await buildLauncher();
  const port = String(await freePort());
  const three = await run(t, [binary, 'EACCES', port, NODE, '-e', 'process.exit(3)']);
  assert.deepEqual([three.code, three.signal], [3, null]);
  const zero = await run(t, [binary, 'EACCES', port, NODE, '-e', '']);
  assert.deepEqual([zero.code, zero.signal], [0, null]);
  for (const signal of ['SIGTERM', 'SIGKILL'] as const) {
    const killed = await run(t, [binary, 'EACCES', port, NODE, '-e', `process.kill(process.pid, '${signal}')`]);
    assert.deepEqual([killed.code, killed.signal], [null, signal]);
  }
});

test('signals sent to the launcher reach the command', async (t) => {
  const binary = await buildLauncher();
  const port = String(await freePort());
  const signals = ['SIGINT', 'SIGHUP', 'SIGQUIT', 'SIGUSR1', 'SIGUSR2', 'SIGTERM'] as const;
  const script = `for (const s of ${JSON.stringify(signals)}) process.on(s, () => { console.log('GOT ' + s); if (s === 'SIGTERM') process.exit(0) });
console.log('READY ' + process.pid); setInterval(() => {}, 1000)`;
  const launcher = spawnProcess([binary, 'EACCES', port, NODE, '-e', script], { owner: t });
  const ready = await launcher.waitForLine(/^READY (\d+)$/, 20_000);
  assert.notEqual(Number(ready[1]), launcher.pid, 'the command is not the launcher process');
  for (const signal of signals) {
    launcher.signal(signal);
    await launcher.waitForLine(new RegExp(`^GOT ${signal}$`), 10_000);
  }
  const exit = await within(launcher.closed, 10_000);
  assert.deepEqual(exit, { code: 0, signal: null });
});

test('the command dies with the launcher (SIGKILL of the launcher alone)', async (t) => {
  const binary = await buildLauncher();
  const port = String(await freePort());
  const launcher = spawnProcess([binary, 'EACCES', port, NODE, '-e', "console.log('READY ' + process.pid); setInterval(() => {}, 1000)"], { owner: t });
  const command = Number((await launcher.waitForLine(/^READY (\d+)$/, 20_000))[1]);
  launcher.child.kill('SIGKILL');
  assert.deepEqual(await within(launcher.exited, 10_000), { code: null, signal: 'SIGKILL' });
  let alive = true;
  for (let waited = 0; waited < 5000 && alive; waited += 20) {
    await sleep(20);
    alive = existsSync(`/proc/${command}`) && !/^\d+ \(.*\) Z/.test(readFileSync(`/proc/${command}/stat`, 'utf8'));
  }
  assert.equal(alive, false, `command pid ${command} outlived the launcher`);
});

test('usage errors: exit 2 with one line; a missing command: exit 127', async (t) => {
  const binary = await buildLauncher();
  const usage = [
    [binary],
    [binary, 'EACCES', '4000'],
    [binary, 'ENOPE', '4000', 'true'],
    [binary, 'EACCES', '0', 'true'],
    [binary, 'EACCES', '70000', 'true'],
    [binary, 'EACCES', 'http', 'true'],
    [binary, '--check', 'nope', '4000'],
    [binary, '--check', 'EACCES'],
    [binary, '--check', 'EACCES', '4000', 'extra'],
  ];
  for (const argv of usage) {
    const result = await run(t, argv);
    assert.equal(result.code, 2, argv.join(' '));
    assert.equal(lines(result.stderr).length, 1, result.stderr);
    assert.equal(result.stdout, '');
  }
  const missing = await run(t, [binary, 'EACCES', '4000', '/nonexistent/gateway']);
  assert.equal(missing.code, 127);
  assert.deepEqual(lines(missing.stderr), ['bind-errno: cannot run /nonexistent/gateway: No such file or directory']);
});
