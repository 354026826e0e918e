/** CRASH-4's places and names: what counts as a lock artefact, how deep it is found, what ties it to a process. */
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { closeSync, existsSync, mkdirSync, mkdtempSync, openSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, test } from 'node:test';
import { environOf, heldArtefacts, isInside, isLockArtefactName, namedPid, placesInEnvironment, scanArtefacts, stampPaths } from '../harness/observe/artefacts.js';
import { covers } from '../harness/judge/crash.js';
import type { Report } from '../harness/report.js';
import { sleep } from '../harness/run/time.js';
import { MISBEHAVE, REFERENCE, killLeftovers, runCli, uniqueMarker } from './helpers/cli.js';

const dir = mkdtempSync(join(tmpdir(), 'glc-artefacts-test-'));
after(() => rmSync(dir, { recursive: true, force: true }));

test('a lock artefact has a lock, lck or pid component in its name', () => {
  for (const name of ['x.lock', 'gateway.abc123.lock', 'x.lock.sqlite', 'gateway.pid', 'terminal-upload-lock', 'db.lck', 'LOCK', 'run_pid', 'app.pidfile']) {
    assert.equal(isLockArtefactName(name), true, name);
  }
  for (const name of ['openclaw-state-locks-0', 'block.txt', 'rapid.json', 'clock', 'glc-state-x', 'lockers']) {
    assert.equal(isLockArtefactName(name), false, name);
  }
});

test('files and directories are found at depth, up to the depth asked', () => {
  const deep = join(dir, 'state', 'tmp', 'openclaw-0');
  mkdirSync(deep, { recursive: true });
  writeFileSync(join(deep, 'coordinator.lock.sqlite'), '');
  mkdirSync(join(dir, '.staging-0', 'terminal-upload-lock'), { recursive: true });
  writeFileSync(join(dir, 'notes.txt'), 'no lock here');
  const found = scanArtefacts([{ path: dir, depth: 4 }]);
  assert.deepEqual([...found.keys()].sort(), [join(dir, '.staging-0', 'terminal-upload-lock'), join(deep, 'coordinator.lock.sqlite')].sort());
  assert.equal(found.get(join(dir, '.staging-0', 'terminal-upload-lock'))!.directory, true);
  assert.equal(scanArtefacts([{ path: dir, depth: 3 }]).has(join(deep, 'coordinator.lock.sqlite')), false, 'four levels down');
  assert.equal(scanArtefacts([{ path: dir, depth: 4 }], (p) => p.endsWith('state')).size, 1, 'a skipped directory is not read');
});

test('a place inside another is read to its own depth, not to the outer place\'s', () => {
  // /tmp-like root read 2 levels; a TMPDIR 2 levels below it holds a lock 2 levels further down.
  const userTmp = join(dir, 'ci', 'tmp');
  mkdirSync(join(userTmp, 'gw-0'), { recursive: true });
  const lock = join(userTmp, 'gw-0', 'gateway.abc.lock');
  writeFileSync(lock, '{"pid":1}');
  assert.equal(scanArtefacts([{ path: dir, depth: 2 }]).has(lock), false, 'too deep for the outer place alone');
  assert.equal(scanArtefacts([{ path: dir, depth: 2 }, { path: userTmp, depth: 4 }]).has(lock), true);
  assert.equal(scanArtefacts([{ path: userTmp, depth: 4 }, { path: dir, depth: 2 }]).has(lock), true, 'in any order');
  assert.equal(covers([{ path: dir, depth: 2 }], lock), false);
  assert.equal(covers([{ path: dir, depth: 2 }, { path: userTmp, depth: 4 }], lock), true);
  assert.deepEqual([...stampPaths([lock, join(dir, 'gone.lock')]).keys()], [lock], 'a path that is gone is left out');
  rmSync(join(dir, 'ci'), { recursive: true });
});

test('the places an environment names: temp, home, state and XDG dirs; never a system tree', () => {
  const places = placesInEnvironment({
    TMPDIR: '/tmp/ci/tmp/',
    HOME: '/home/u',
    OPENCLAW_STATE_DIR: '/srv/oc/state',
    XDG_CONFIG_HOME: '/home/u/.config',
    XDG_RUNTIME_DIR: '/run/user/0',
    JAVA_HOME: '/usr/lib/jvm/java-17',
    RELATIVE_HOME: 'rel/dir',
    ROOT_HOME: '/',
    PATH: '/usr/bin:/bin',
    TMP: '/tmp/ci/tmp',
  });
  assert.deepEqual(places, [
    { path: '/tmp/ci/tmp', depth: 4 },
    { path: '/home/u', depth: 3 },
    { path: '/srv/oc/state', depth: 4 },
    { path: '/home/u/.config', depth: 4 },
    { path: '/run/user/0', depth: 4 },
  ]);
});

test('an artefact names a pid in its file name or its content, as a whole number', () => {
  writeFileSync(join(dir, 'gateway.4242.pid'), '');
  writeFileSync(join(dir, 'gateway.abc.lock'), JSON.stringify({ pid: 31337, createdAt: 1 }));
  assert.equal(namedPid(join(dir, 'gateway.4242.pid'), [4242]), 4242);
  assert.equal(namedPid(join(dir, 'gateway.abc.lock'), [7, 31337]), 31337);
  assert.equal(namedPid(join(dir, 'gateway.abc.lock'), [3133]), undefined, 'not a prefix of another number');
  assert.equal(namedPid(join(dir, '.staging-0', 'terminal-upload-lock'), [5]), undefined, 'a directory has no content');
});

test('lock files held open by a process are seen through /proc/<pid>/fd, with its TMPDIR and HOME', async () => {
  const held = join(dir, 'held.lock');
  const child = spawn(process.execPath, ['-e', `require('fs').openSync(${JSON.stringify(held)}, 'w'); setInterval(() => {}, 1000)`], {
    stdio: 'ignore',
    env: { ...process.env, TMPDIR: dir, HOME: '/nonexistent-home' },
  });
  try {
    for (let i = 0; i < 100 && !heldArtefacts([child.pid!]).has(held); i++) await sleep(20);
    assert.equal(heldArtefacts([child.pid!]).get(held), child.pid);
    const env = environOf(child.pid!);
    assert.deepEqual([env.get('TMPDIR'), env.get('HOME')], [dir, '/nonexistent-home']);
    const fd = openSync(join(dir, 'notes.txt'), 'r');
    assert.equal(heldArtefacts([process.pid]).has(join(dir, 'notes.txt')), false, 'only lock names');
    closeSync(fd);
  } finally {
    child.kill('SIGKILL');
  }
});

test('inside means below, not a shared prefix', () => {
  assert.equal(isInside('/tmp/glc-state-ab/x.lock', '/tmp/glc-state-ab'), true);
  assert.equal(isInside('/tmp/glc-state-abc/x.lock', '/tmp/glc-state-ab'), false);
});

test('two harness runs side by side: the good candidate passes CRASH-4 while the other run litters /tmp with lock files', async (t) => {
  const marker = uniqueMarker('litter');
  const litter = `/tmp/${marker}`;
  t.after(() => {
    killLeftovers(marker);
    rmSync(litter, { recursive: true, force: true });
  });
  const json = join(dir, 'good.json');
  // The litterer's run starts first and keeps writing for the whole of the good run's CRASH-4;
  // it is interrupted once that is over (--silent: it answers no HTTP, so each start waits a while).
  let neighbourPid = 0;
  const neighbour = runCli(['--no-warmup', '--only', 'SHUTDOWN-1', '--trials', '5', '--', process.execPath, MISBEHAVE, 'litter-tmp', '--port', '{port}', '--marker', marker, '--silent'], {
    timeoutMs: 180_000,
    onSpawn: (pid) => (neighbourPid = pid),
  });
  for (let i = 0; i < 200 && !existsSync(litter); i++) await sleep(50);
  assert.ok(existsSync(litter), 'the neighbour writes into /tmp');
  const good = await runCli(['--no-warmup', '--only', 'CRASH-4', '--json', json, '--', process.execPath, REFERENCE, '--port', '{port}'], { timeoutMs: 180_000 });
  const report = JSON.parse(readFileSync(json, 'utf8')) as Report;
  const crash4 = report.checks[0]!;
  assert.equal(crash4.status, 'pass', crash4.message);
  assert.equal(good.code, 0, good.stderr);
  assert.ok(crash4.evidence.notes.some((n) => n.includes(litter)), `the neighbour's files are a note: ${crash4.evidence.notes.join('\n')}`);
  process.kill(neighbourPid, 'SIGINT');
  assert.equal((await neighbour).code, 2, 'the neighbour was interrupted, not finished');
});
