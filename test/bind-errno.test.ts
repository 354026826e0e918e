/** The seccomp launcher that injects bind failures for BINDFAIL-1. */
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { test } from 'node:test';
import { buildLauncher, seccompInjector } from '../harness/inject/bind-errno.js';

const run = (argv: string[]) => spawnSync(argv[0]!, argv.slice(1), { encoding: 'utf8', timeout: 30_000 });

const bindScript = (family: string) =>
  `require('net').createServer().on('error', e => { console.log(e.code); process.exit(0) }).listen(0, '${family}', () => { console.log('BOUND'); process.exit(0) })`;

test('the launcher compiles and proves itself with --check', async () => {
  const binary = await buildLauncher();
  assert.equal(await buildLauncher(), binary, 'cached');
  assert.equal(run([binary, '--check', 'EACCES']).stdout, 'ok\n');
  assert.equal(run([binary, '--check', 'EADDRNOTAVAIL']).stdout, 'ok\n');
  const injector = await seccompInjector();
  assert.deepEqual(injector.launcher('EACCES'), [binary, 'EACCES']);
});

test('inet binds of the launched command (and its children) fail with the errno', async () => {
  const binary = await buildLauncher();
  for (const [errno, host] of [['EACCES', '127.0.0.1'], ['EADDRNOTAVAIL', '::1']] as const) {
    assert.equal(run([binary, errno, process.execPath, '-e', bindScript(host)]).stdout.trim(), errno);
  }
  const viaShell = run([binary, 'EACCES', 'sh', '-c', `"${process.execPath}" -e "${bindScript('127.0.0.1')}"`]);
  assert.equal(viaShell.stdout.trim(), 'EACCES', 'inherited by descendants');
  assert.equal(run([process.execPath, '-e', bindScript('127.0.0.1')]).stdout.trim(), 'BOUND', 'no effect outside the launcher');
});

test('unix sockets still bind under the filter', async () => {
  const binary = await buildLauncher();
  const script = `const s=require('net').createServer().listen('\\0glc-unix-test-' + process.pid + '-with-a-long-name', () => { console.log('BOUND'); s.close() }).on('error', e => console.log(e.code))`;
  assert.equal(run([binary, 'EACCES', process.execPath, '-e', script]).stdout.trim(), 'BOUND');
});

test('usage errors: exit 2 with one line', async () => {
  const binary = await buildLauncher();
  for (const argv of [[binary], [binary, 'ENOPE', 'true'], [binary, '--check', 'nope']]) {
    const result = run(argv);
    assert.equal(result.status, 2, argv.join(' '));
    assert.equal(result.stderr.trim().split('\n').length, 1);
  }
  const missing = run([binary, 'EACCES', '/nonexistent/gateway']);
  assert.equal(missing.status, 127);
  assert.match(missing.stderr, /cannot run \/nonexistent\/gateway/);
});
