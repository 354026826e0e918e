/**
 * Containment: a candidate that daemonises (a copy of itself in a new session, the double fork of
 * an init-script era server) is found, failed in BIND-1 with the daemon named, and ended with
 * everything else, also when the harness itself is SIGKILLed. The containment launcher mirrors
 * the command's exit, and stays out of the evidence. Real processes only; every process a test
 * starts carries its marker and is SIGKILLed by pid (or group) when the test ends.
 */
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test, type TestContext } from 'node:test';
import type { Report } from '../harness/report.js';
import { CandidateProcess } from '../harness/run/candidate.js';
import { containment, NO_CGROUP_ENV } from '../harness/run/contain.js';
import { readProcess } from '../harness/observe/procfs.js';
import { MISBEHAVE, ROOT, commandLine, killLeftovers, processesWith, runCli, uniqueMarker } from './helpers/cli.js';
import { freePort } from './helpers/net.js';

const work = mkdtempSync(join(tmpdir(), 'glc-containment-'));
process.on('exit', () => rmSync(work, { recursive: true, force: true }));

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

async function until(condition: () => boolean, budgetMs: number): Promise<boolean> {
  const deadline = Date.now() + budgetMs;
  while (!condition()) {
    if (Date.now() > deadline) return false;
    await sleep(20);
  }
  return true;
}

/** The launcher is built once for all tests (the harness runs build it too, from the same cache). */
async function launcher(t: TestContext): Promise<string | undefined> {
  const result = await containment();
  if ('unavailable' in result) {
    t.skip(result.unavailable);
    return undefined;
  }
  return result.binary;
}

/** Every marked process is SIGKILLed when the test ends, passed or failed. */
function marked(t: TestContext, label: string): string {
  const marker = uniqueMarker(label);
  t.after(() => killLeftovers(marker));
  return marker;
}

async function harness(t: TestContext, mode: string, args: string[], env: NodeJS.ProcessEnv = {}, modeArgs: string[] = []) {
  const marker = marked(t, mode);
  const json = join(work, `${marker}.json`);
  const candidate = [process.execPath, MISBEHAVE, mode, '--port', '{port}', '--marker', marker, ...modeArgs];
  const run = await runCli(['--no-warmup', ...args, '--json', json, '--', ...candidate], { timeoutMs: 120_000, env });
  const report = JSON.parse(readFileSync(json, 'utf8')) as Report;
  return { run, report, check: report.checks[0]!, marker };
}

const DAEMONIZED = /^the spawned process exited 0 and pid (\d+) \(its descendant, in a new session\) listens on (\d+): run the gateway in the foreground$/;

for (const [mode, daemonMode] of [
  ['daemonize', 'daemon'],
  ['daemonize-ignore-sigterm', 'daemon-ignore-sigterm'],
] as const) {
  for (const cgroup of [true, false]) {
    test(`${mode}${cgroup ? '' : ` (${NO_CGROUP_ENV}=1: the subreaper's tree alone)`}: BIND-1 fails naming the daemon, nothing of it outlives the run`, async (t) => {
      if (!(await launcher(t))) return;
      const { run, check, marker } = await harness(t, mode, ['--only', 'BIND-1'], cgroup ? {} : { [NO_CGROUP_ENV]: '1' });
      assert.equal(run.code, 1, `${run.stdout}\n${run.stderr}`);
      assert.equal(check.status, 'fail');
      const [, daemonPid, port] = DAEMONIZED.exec(check.message) ?? [];
      assert.ok(daemonPid, check.message);
      const spawned = check.evidence.processes[0]!;
      assert.notEqual(Number(daemonPid), spawned.pid, 'the daemon, not the spawned process, is named');
      assert.equal(spawned.exitCode, 0);
      assert.match(check.evidence.actual ?? '', new RegExp(`pid ${daemonPid} \\(\\S+ \\S+ ${daemonMode} --port ${port} --marker ${marker}`), 'the daemon is named by its command line');
      assert.deepEqual(processesWith(marker), [], 'a process of the daemonising candidate outlived the run');
      assert.ok(!check.evidence.notes.some((n) => /survived cleanup/.test(n)), check.evidence.notes.join('\n'));
    });
  }
}

test('SIGKILL of the harness while a daemon of the candidate lives: nothing of it survives, its cgroups go', async (t) => {
  if (!(await launcher(t))) return;
  const marker = marked(t, 'daemon-reaped');
  let harnessPid = 0;
  // The daemon waits before it listens, so the harness is still waiting for LISTEN when killed.
  const running = runCli(
    ['--no-warmup', '--only', 'BIND-1', '--', process.execPath, MISBEHAVE, 'daemonize-ignore-sigterm', '--port', '{port}', '--marker', marker, '--listen-delay', '600000'],
    { onSpawn: (pid) => (harnessPid = pid) },
  );
  const daemon = () => processesWith(marker).find((pid) => commandLine(pid).includes(' daemon-ignore-sigterm '));
  assert.ok(await until(() => daemon() !== undefined, 20_000), 'the daemon started');
  const daemonPid = daemon()!;
  assert.notEqual(readProcess(daemonPid)?.session, readProcess(harnessPid)?.session, 'the daemon is in a session of its own');
  process.kill(harnessPid, 'SIGKILL');
  assert.equal((await running).signal, 'SIGKILL');
  // The launcher's parent-death signal and the reaper both act at once, give or take an exit.
  assert.ok(await until(() => processesWith(marker).length === 0, 10_000), `left: ${processesWith(marker).map(commandLine).join('; ')}`);
  assert.ok(await until(() => cgroupDirsOf(harnessPid).length === 0, 5000), `${cgroupDirsOf(harnessPid).join(', ')} outlived the harness`);
});

/** cgroup directories the harness `pid` made, wherever the cgroup v2 hierarchy is mounted. */
function cgroupDirsOf(pid: number): string[] {
  const found: string[] = [];
  for (const mount of ['/sys/fs/cgroup', '/sys/fs/cgroup/unified']) {
    try {
      for (const name of readdirSync(mount)) if (name === `glc-${pid}`) found.push(join(mount, name));
    } catch {
      // not mounted here
    }
  }
  return found;
}

test('the launcher mirrors the command: exit code 3 and death by SIGTERM are the candidate’s', async (t) => {
  if (!(await launcher(t))) return;
  const exited = (await harness(t, 'exit-at-once', ['--only', 'BIND-1'], {}, ['--exit-code', '3'])).check;
  assert.match(exited.message, /did not listen on port \d+: it exited \(exit code 3\)/);
  assert.deepEqual([exited.evidence.processes[0]!.exitCode, exited.evidence.processes[0]!.signal], [3, null]);

  const killed = await harness(t, 'exit-by-signal', ['--only', 'BIND-1']);
  assert.match(killed.check.message, /did not listen on port \d+: it exited \(killed by SIGTERM\)/);
  assert.deepEqual([killed.check.evidence.processes[0]!.exitCode, killed.check.evidence.processes[0]!.signal], [null, 'SIGTERM']);
  for (const run of [exited, killed.check]) {
    const argv = run.evidence.processes[0]!.argv;
    assert.ok(!argv.some((word) => /contain/.test(word)), `the launcher is internal: ${argv.join(' ')}`);
  }
});

test('the reference gateway still passes BIND-1, SHUTDOWN-1 and CRASH-1, with nothing noted about containment', async () => {
  const json = join(work, 'reference.json');
  const run = await runCli(['--only', 'BIND-1,SHUTDOWN-1,CRASH-1', '--json', json], { timeoutMs: 120_000 });
  assert.equal(run.code, 0, `${run.stdout}\n${run.stderr}`);
  const report = JSON.parse(readFileSync(json, 'utf8')) as Report;
  for (const check of report.checks) {
    assert.equal(check.status, 'pass', `${check.id}: ${check.message}`);
    assert.ok(!check.evidence.notes.some((n) => /contain|survived/.test(n)), `${check.id}: ${check.evidence.notes.join('; ')}`);
    for (const p of check.evidence.processes) {
      assert.ok(p.pid > 0 && !p.argv.some((word) => /contain/.test(word)), JSON.stringify(p.argv));
      // The spawned process is the gateway itself (no launcher pid in between).
      assert.equal(p.gatewayPid, undefined, `${check.id}: ${JSON.stringify(p)}`);
    }
  }
});

test('without a C compiler, candidates run uncontained and each check says so', async (t) => {
  const cache = mkdtempSync(join(work, 'no-cc-'));
  const marker = marked(t, 'no-cc');
  const json = join(work, `${marker}.json`);
  // A small multiplier bounds every wait should the candidate misbehave.
  const run = await runCli(['--no-warmup', '--only', 'BIND-1', '--timeout-multiplier', '0.05', '--json', json, '--', process.execPath, MISBEHAVE, 'listen', '--port', '{port}', '--marker', marker], {
    env: { CC: '/nonexistent/cc', XDG_CACHE_HOME: cache },
  });
  assert.equal(run.code, 0, `${run.stdout}\n${run.stderr}`);
  const check = (JSON.parse(readFileSync(json, 'utf8')) as Report).checks[0]!;
  assert.equal(check.status, 'pass');
  assert.ok(check.evidence.notes.some((n) => /^processes not contained: the containment launcher could not be compiled/.test(n)), check.evidence.notes.join('\n'));
  assert.deepEqual(processesWith(marker), []);
});

test('CandidateProcess: the daemon (another session, re-parented to the launcher) is in family() and kill() ends it', async (t) => {
  const binary = await launcher(t);
  if (!binary) return;
  const marker = marked(t, 'family');
  const port = await freePort();
  const result = await containment();
  const cgroup = 'binary' in result ? result.newCgroup() : undefined;
  const candidate = new CandidateProcess({
    role: 'candidate',
    argv: [process.execPath, MISBEHAVE, 'daemonize-ignore-sigterm', '--port', String(port), '--marker', marker],
    env: process.env,
    cwd: ROOT,
    containment: { binary, ...(cgroup ? { cgroup } : {}) },
  });
  t.after(() => candidate.kill());
  await candidate.started;
  const exit = await candidate.waitExit(10_000);
  assert.deepEqual([exit?.code, exit?.signal], [0, null], 'the spawned process exited 0 (its status, not the launcher’s)');
  const listening = await candidate.waitListening(port, 10_000);
  assert.ok(listening, 'the daemon was found listening');
  const daemon = readProcess(listening.pid)!;
  assert.notEqual(daemon.session, candidate.session, 'in a session of its own');
  assert.ok(candidate.family().includes(listening.pid));
  assert.ok(!candidate.family().includes(daemon.ppid), 'the launcher (the daemon’s parent now) is not a candidate process');
  assert.match(commandLine(daemon.ppid), /contain-/);
  if (cgroup) assert.match(readFileSync(`/proc/${listening.pid}/cgroup`, 'utf8'), new RegExp(`${cgroup.split('/').slice(-2).join('/')}$`, 'm'));
  const launcherStart = readProcess(daemon.ppid)!.startTime;
  process.kill(listening.pid, 'SIGTERM'); // ignored
  await candidate.kill();
  assert.deepEqual(candidate.survivors(), []);
  assert.deepEqual(processesWith(marker), []);
  assert.notEqual(readProcess(daemon.ppid)?.startTime, launcherStart, 'the launcher ended');
  if (cgroup) assert.equal(existsSync(cgroup), false, 'the candidate’s cgroup was removed');
  assert.ok(!candidate.evidence().argv.includes(binary));
});

test('the launcher alone: when its parent dies it kills the daemon it adopted', async (t) => {
  const binary = await launcher(t);
  if (!binary) return;
  const marker = marked(t, 'pdeathsig');
  const port = await freePort();
  // A parent that is not the harness (no reaper anywhere): only PR_SET_PDEATHSIG can act.
  const script = `const { spawn } = require('node:child_process');
spawn(process.argv[1], ['--report', '3', '--parent', String(process.pid), '--', process.execPath, ...process.argv.slice(2)], { stdio: ['ignore', 'ignore', 'ignore', 'pipe'], detached: true });
setInterval(() => {}, 1 << 30);`;
  const parent = spawn(process.execPath, ['-e', script, binary, MISBEHAVE, 'daemonize', '--port', String(port), '--marker', marker], { stdio: 'ignore', detached: true });
  t.after(() => {
    try {
      process.kill(-parent.pid!, 'SIGKILL');
    } catch {
      // gone
    }
  });
  const daemon = () => processesWith(marker).find((pid) => commandLine(pid).includes(' daemon '));
  assert.ok(await until(() => daemon() !== undefined, 20_000), 'the daemon started');
  // Its first process exits at once: the daemon is re-parented to the launcher, the subreaper.
  assert.ok(await until(() => commandLine(readProcess(daemon()!)?.ppid ?? 0).includes('contain-'), 5000), 'the daemon was re-parented to the launcher');
  process.kill(parent.pid!, 'SIGKILL');
  assert.ok(await until(() => processesWith(marker).length === 0, 5000), `left: ${processesWith(marker).map(commandLine).join('; ')}`);
});

test('the reaper alone: at end of input it kills the descendants of a listed launcher', async (t) => {
  const binary = await launcher(t);
  if (!binary) return;
  const marker = marked(t, 'reaper-tree');
  const port = await freePort();
  // No --parent: the launcher has no death signal; the reaper is what must end its tree.
  const contained = spawn(binary, ['--', process.execPath, MISBEHAVE, 'daemonize-ignore-sigterm', '--port', String(port), '--marker', marker], { stdio: 'ignore', detached: true });
  const reaper = spawn(process.execPath, [join(ROOT, 'dist/harness/run/reaper-process.js')], { stdio: ['pipe', 'ignore', 'ignore'], detached: true });
  t.after(() => {
    for (const pid of [contained.pid!, reaper.pid!]) {
      try {
        process.kill(-pid, 'SIGKILL');
      } catch {
        // gone
      }
    }
  });
  const daemon = () => processesWith(marker).find((pid) => commandLine(pid).includes(' daemon-ignore-sigterm '));
  assert.ok(await until(() => daemon() !== undefined, 20_000), 'the daemon started');
  assert.ok(await until(() => readProcess(daemon()!)?.ppid === contained.pid, 5000), 'the daemon was re-parented to the launcher');
  const reaperExit = new Promise((resolve) => reaper.once('exit', resolve));
  const launcherExit = new Promise((resolve) => contained.once('exit', (code, signal) => resolve({ code, signal })));
  reaper.stdin!.end(`+tree ${contained.pid} ${readProcess(contained.pid!)!.startTime}\n`);
  await reaperExit;
  assert.deepEqual(processesWith(marker), [], 'the daemon outlived the reaper');
  // Its last descendant gone, the launcher ends as its command did (exit 0).
  assert.deepEqual(await launcherExit, { code: 0, signal: null });
});
