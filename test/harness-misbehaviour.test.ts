/**
 * Candidates that misbehave: the harness finishes within its budgets, keeps memory bounded,
 * gives clear evidence, and leaves nothing running.
 */
import assert from 'node:assert/strict';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { waitForDefaultPort } from '../harness/run/ports.js';
import { join } from 'node:path';
import { test } from 'node:test';
import type { Report } from '../harness/report.js';
import { CLI, MISBEHAVE, REFERENCE, commandLine, killLeftovers, processesWith, runCli, uniqueMarker } from './helpers/cli.js';

const work = mkdtempSync(join(tmpdir(), 'glc-misbehave-'));
process.on('exit', () => rmSync(work, { recursive: true, force: true }));

async function harness(t: { after(fn: () => void): void }, mode: string, args: string[], options: { nodeArgs?: string[] } = {}) {
  const marker = uniqueMarker(mode);
  t.after(() => killLeftovers(marker));
  const json = join(work, `${marker}.json`);
  // No warm-up: each test watches one check's starts (the warm-up has a test of its own).
  const run = await runCli(['--no-warmup', ...args, '--json', json, '--', process.execPath, MISBEHAVE, mode, '--port', '{port}', '--marker', marker], {
    timeoutMs: 120_000,
    ...options,
  });
  const report = JSON.parse(readFileSync(json, 'utf8')) as Report;
  assert.deepEqual(processesWith(marker), [], `processes of ${mode} outlived the harness`);
  return { run, report, check: report.checks[0]! };
}

test('a candidate that ignores SIGTERM is SIGKILLed after the exit budget and fails SHUTDOWN-1 after one trial', async (t) => {
  const { run, check } = await harness(t, 'ignore-sigterm', ['--only', 'SHUTDOWN-1', '--trials', '3', '--exit-budget', '1500', '--timeout-multiplier', '0.2']);
  assert.equal(run.code, 1);
  assert.equal(check.status, 'fail');
  assert.match(check.message, /^trial 1: port still held 1500 ms after SIGTERM$/);
  assert.equal(check.evidence.processes.length, 1, 'the fail was decided by the first trial: no second one');
  assert.ok(check.evidence.portHolders.some((h) => h.cmdline.includes('ignore-sigterm')), 'the holder is named');
  assert.ok(run.durationMs < 60_000, `took ${run.durationMs} ms`);
});

test('100 MB of output: memory stays bounded, the tail is kept, the check still passes', async (t) => {
  const { run, check } = await harness(t, 'flood', ['--only', 'BIND-1'], { nodeArgs: ['--max-old-space-size=48'] });
  assert.equal(run.code, 0, run.stderr);
  assert.equal(check.status, 'pass');
  const stdout = check.evidence.processes[0]!.stdoutTail;
  assert.ok(stdout.length <= 4200, `stdout tail is ${stdout.length} characters`);
  assert.match(stdout, /x{100}/);
});

test('a candidate that exits at once fails BIND-1 with its exit code as evidence', async (t) => {
  const { run, check } = await harness(t, 'exit-at-once', ['--only', 'BIND-1']);
  assert.equal(run.code, 1);
  assert.match(check.message, /exited \(exit code 0\)/);
  assert.equal(check.evidence.processes[0]!.exitCode, 0);
  assert.match(check.evidence.processes[0]!.stderrTail, /exiting at once/);
});

test('a candidate that exits after it listened fails at once: a dead gateway is never timed', async (t) => {
  const { run, check } = await harness(t, 'exit-after-listen', ['--only', 'SHUTDOWN-1']);
  assert.equal(run.code, 1);
  assert.match(check.message, /^candidate #1 exited \(exit code 1\) after it listened on port \d+, before it answered a request$/);
  assert.ok(check.durationMs < 15_000, `check took ${check.durationMs} ms: the wait did not end with the process`);
});

test('a candidate that never binds fails BIND-1 at the startup ceiling, 4 x the scaled budget', async (t) => {
  const { run, check } = await harness(t, 'never-binds', ['--only', 'BIND-1', '--timeout-multiplier', '0.05']);
  assert.equal(run.code, 1);
  assert.match(check.message, /was still not listening after 6000 ms/);
  assert.ok(check.durationMs >= 6000 && check.durationMs < 30_000, `check took ${check.durationMs} ms`);
});

test('a candidate that ignores --port and binds 18789 fails BIND-1 at once, named', async (t) => {
  // It binds 18789 outside BIND-2: hold the harness's host-wide lock, as BIND-2 does, and skip
  // where another program has the port.
  const lock = await waitForDefaultPort(300_000);
  assert.ok(lock, 'another harness run kept the 18789 lock for 5 minutes');
  t.after(() => lock.release());
  const { run, check } = await harness(t, 'listen-default', ['--only', 'BIND-1', '--timeout-multiplier', '0.5']);
  if (check.message.includes('EADDRINUSE')) return t.skip('port 18789 is taken on this host');
  assert.equal(run.code, 1);
  assert.match(check.message, /listens on 127\.0\.0\.1:18789, not on \d+: does it honour --port\?/);
  assert.ok(check.durationMs < 10_000, `check took ${check.durationMs} ms: it should not wait out the ceiling`);
});

test('the warm-up start is reported and judged by nothing', async (t) => {
  const marker = uniqueMarker('warmup');
  t.after(() => killLeftovers(marker));
  const json = join(work, `${marker}.json`);
  // The reference gateway answers HTTP at once (a candidate that never answers waits out the budget).
  const run = await runCli(['--only', 'BIND-1', '--json', json, '--', process.execPath, REFERENCE, '--port', '{port}'], { timeoutMs: 120_000 });
  assert.equal(run.code, 0, run.stderr);
  const report = JSON.parse(readFileSync(json, 'utf8')) as Report;
  assert.equal(report.options.warmup, true);
  assert.ok(report.warmup && report.warmup.listenMs! > 0 && report.warmup.problem === undefined, JSON.stringify(report.warmup));
  assert.equal(report.checks.length, 1);
  const start = report.checks[0]!.evidence.processes[0]!.startup!;
  assert.ok(start.listenMs > 0 && start.readyMs! >= 0 && start.readiness, JSON.stringify(start));
});

test('a supervisor that respawns its gateway: signals go to the socket owner, nothing survives', async (t) => {
  const { run, check } = await harness(t, 'respawn', ['--only', 'CRASH-1']);
  assert.equal(run.code, 0, `${run.stdout}\n${run.stderr}`);
  assert.ok(check.evidence.notes.some((n) => /socket owner/.test(n)), check.evidence.notes.join('\n'));
  const processes = check.evidence.processes[0]!;
  assert.ok(processes.gatewayPid && processes.gatewayPid !== processes.pid);
});

test('a child that inherits the listening socket fails CRASH-1 and is named', async (t) => {
  const { run, check } = await harness(t, 'child-holds-port', ['--only', 'CRASH-1']);
  assert.equal(run.code, 1);
  assert.match(check.message, /the listening socket lives on in pid \d+ \(.*setInterval/);
  assert.ok(check.evidence.portHolders.length > 0);
});

/**
 * Starts the CLI on a candidate that never binds and waits until that candidate runs. The
 * harness's command line holds the marker too, and so does its child between fork and exec
 * (which reads empty while it execs): the candidate is a marked process without the CLI's path.
 */
async function harnessWithRunningCandidate(t: { after(fn: () => void): void }, label: string, args: string[]) {
  const marker = uniqueMarker(label);
  t.after(() => killLeftovers(marker));
  let harnessPid = 0;
  const running = runCli(['--no-warmup', '--only', 'BIND-1', ...args, '--', process.execPath, MISBEHAVE, 'never-binds', '--port', '{port}', '--marker', marker, '--state-dir', '{stateDir}'], {
    onSpawn: (pid) => (harnessPid = pid),
  });
  const candidate = () => processesWith(marker).find((pid) => pid !== harnessPid && !commandLine(pid).includes(CLI));
  const deadline = Date.now() + 10_000;
  let candidatePid: number | undefined;
  while (!(candidatePid = candidate()) && Date.now() < deadline) await new Promise((r) => setTimeout(r, 20));
  assert.ok(candidatePid, 'the candidate started');
  return { marker, harnessPid, candidatePid, running };
}

test('Ctrl-C: the harness ends every candidate process and exits 2', async (t) => {
  const { marker, harnessPid, running } = await harnessWithRunningCandidate(t, 'interrupt', ['--timeout-multiplier', '0.5']);
  process.kill(harnessPid, 'SIGINT');
  const run = await running;
  assert.equal(run.code, 2);
  assert.match(run.stderr, /interrupted while running BIND-1/);
  assert.deepEqual(processesWith(marker), []);
});

test('SIGKILL of the harness: its reaper ends every candidate and removes the profile directory', async (t) => {
  const { marker, harnessPid, candidatePid, running } = await harnessWithRunningCandidate(t, 'reaped', []);
  const stateDir = /--state-dir (\S+)/.exec(commandLine(candidatePid))![1]!;
  assert.ok(existsSync(stateDir));
  process.kill(harnessPid, 'SIGKILL');
  assert.equal((await running).signal, 'SIGKILL');
  // The reaper acts when its pipe from the harness closes: at once, give or take a process exit.
  const gone = Date.now() + 10_000;
  while ((processesWith(marker).length > 0 || existsSync(stateDir)) && Date.now() < gone) await new Promise((r) => setTimeout(r, 50));
  assert.deepEqual(processesWith(marker), [], 'candidate processes outlived the harness');
  assert.equal(existsSync(stateDir), false, `${stateDir} outlived the harness`);
});
