/**
 * Every criterion, on synthetic observations: no process, no socket, no clock. Each test names
 * the spec's pass-criteria phrase it holds the criterion to (quote() fails when the spec no
 * longer says it). CONFLICT-3's path measures have their own tests in fail-fast.test.ts.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { CHECKS } from '../harness/checks/index.js';
import { laterListings, judgeLoopbackListener, judgeLoopbackOnly, judgeSideBySide, judgeStartupTime, judgeUpgrade, type StartStep } from '../harness/judge/bind.js';
import { judgeBindFailure, type InjectedCase } from '../harness/judge/bindfail.js';
import { judgeFailFast, judgeForeignOccupier, judgeSecondInstance, judgeTypedError, type ConflictInstance, type ConflictObservation } from '../harness/judge/conflict.js';
import { attributeArtefacts, judgeArtefacts, judgeCrashSignals, judgeFreeAtKill, judgeRestartAfterKill, type ArtefactRun, type CrashPhase } from '../harness/judge/crash.js';
import type { Judgement, JudgeSettings } from '../harness/judge/judgement.js';
import { judgeCleanExit, judgeCloseFrames, judgeRelease, judgeRestartAfterStop, type StopObservation, type StopTrial } from '../harness/judge/shutdown.js';
import { CATALOGUE } from '../harness/catalog.js';
import { quote } from './helpers/spec.js';

const SETTINGS: JudgeSettings = { trials: 3, startupBudgetMs: 30_000, releaseBudgetMs: 1000, exitBudgetMs: 5000, startupCeilingMs: 120_000, timeoutMultiplier: 1, earlyStop: true };
const P = 41_000;
const LOCK = `another gateway instance is already listening on ws://127.0.0.1:${P}`;

const status = (j: Judgement) => j.status;
const failure = (message: string) => ({ ok: false as const, failure: { message } });

function started(extra: Partial<Extract<StartStep, { ok: true }>> = {}): StartStep {
  return { ok: true, port: P, listenMs: 120, readyMs: 40, readiness: 'quiescent', addresses: [`127.0.0.1:${P}`], connected: true, ...extra };
}

test('every requirement of the catalogue has a check, in catalogue order', () => {
  assert.deepEqual(CHECKS.map((c) => c.id), CATALOGUE.requirements.map((r) => r.id));
});

test('every requirement carries its sentence from the spec, with its level keyword', () => {
  for (const r of CATALOGUE.requirements) {
    assert.ok(r.sentence.length > 40, `${r.id}: "${r.sentence}"`);
    assert.ok(r.sentence.includes(r.level), `${r.id} (${r.level}): "${r.sentence}"`);
    assert.doesNotMatch(r.sentence, /\*\*|`/, `${r.id}: markup removed`);
  }
});

test(quote('BIND-1', 'a candidate process listens on 127.0.0.1:P or on a wildcard address (0.0.0.0:P, [::]:P) and the TCP connection to 127.0.0.1:P succeeds'), () => {
  assert.equal(status(judgeLoopbackListener(started())), 'pass');
  assert.equal(status(judgeLoopbackListener(started({ addresses: [`0.0.0.0:${P}`] }))), 'pass');
  assert.equal(status(judgeLoopbackListener(started({ addresses: [`[::]:${P}`] }))), 'pass');
  assert.equal(status(judgeLoopbackListener(started({ connected: false }))), 'fail');
  const v6 = judgeLoopbackListener(started({ addresses: [`[::1]:${P}`] }));
  assert.equal(v6.status, 'fail');
  assert.match(v6.status === 'fail' ? v6.message : '', /not on 127\.0\.0\.1/);
  assert.deepEqual(judgeLoopbackListener(started()).measurements, { startup: 120, ready: 40 });
});

test(quote('BIND-1', 'Fail when the candidate never listens, exits, daemonises'), () => {
  const j = judgeLoopbackListener(failure('candidate did not listen on port 41000: it exited (exit code 1)'));
  assert.deepEqual([j.status, j.status === 'fail' && j.message], ['fail', 'candidate did not listen on port 41000: it exited (exit code 1)']);
  assert.equal(status(judgeLoopbackListener(undefined)), 'undecided');
});

test(quote('BIND-3', 'Pass when the upgrade is answered 101 Switching Protocols and the handshake completes'), () => {
  assert.equal(status(judgeUpgrade(started({ upgrade: { ok: true, status: 101 } }))), 'pass');
  const refused = judgeUpgrade(started({ upgrade: { ok: false, status: 401, error: 'HTTP 401' } }));
  assert.equal(refused.status, 'fail');
  assert.equal(refused.status === 'fail' && refused.actual, 'HTTP 401');
  assert.equal(status(judgeUpgrade(started())), 'undecided', 'no upgrade was tried');
});

test(quote('BIND-4', 'Pass when every listed socket has a loopback address. A [::1]:P alias passes'), () => {
  const holder = (address: string) => ({ pid: 7, cmdline: 'gw', address, inode: 1 });
  assert.equal(status(judgeLoopbackOnly(started({ holders: [holder(`127.0.0.1:${P}`), holder(`[::1]:${P}`)] }))), 'pass');
  assert.equal(status(judgeLoopbackOnly(started({ holders: [holder(`[::ffff:127.0.0.1]:${P}`)] }))), 'pass');
  assert.equal(status(judgeLoopbackOnly(started({ holders: [holder(`127.0.0.1:${P}`), holder(`0.0.0.0:${P}`)] }))), 'fail');
  assert.equal(status(judgeLoopbackOnly(started({ holders: [holder(`[::]:${P}`)] }))), 'fail');
});

test(quote('BIND-4', 'A listener the gateway opens later counts too'), () => {
  const holder = (address: string) => ({ pid: 7, cmdline: 'gw', address, inode: 1 });
  const loopback = [holder(`127.0.0.1:${P}`)];
  const stop = (signal: 'SIGTERM' | 'SIGINT', listeners: ReturnType<typeof holder>[], clients = false) =>
    stops(signal, trial(1, { listeners, ...(clients ? { clients: { requested: 10, connected: 10, websocket: true } } : {}) }));
  const crash = { phases: [{ signal: 'SIGKILL' as const, port: P, victim: { ok: true as const, restarted: false }, listeners: [...loopback, holder(`[::]:${P}`)] }] };
  const later = laterListings([stop('SIGTERM', loopback), stop('SIGTERM', [...loopback, holder(`0.0.0.0:${P}`)], true)], crash);
  assert.deepEqual(later.map((l) => l.when), ['before SIGTERM (trial 1)', 'before SIGTERM with clients (trial 1)', 'at SIGKILL']);
  const j = judgeLoopbackOnly(started({ holders: loopback }), later);
  assert.equal(j.status === 'fail' && j.message, `the control port is exposed on 0.0.0.0:${P} (before SIGTERM with clients (trial 1)); [::]:${P} (at SIGKILL)`);
  const fine = judgeLoopbackOnly(started({ holders: loopback }), laterListings([stop('SIGINT', loopback)], undefined));
  assert.match(fine.status === 'pass' ? fine.message : '', /listed 2 times/);
});

test(quote('BIND-5', "Pass when every trial's spawn-to-LISTEN is within the startup budget"), () => {
  const sample = (listenMs: number) => ({ ok: true as const, listenMs, readyMs: 10, readiness: 'quiescent' });
  assert.equal(status(judgeStartupTime([sample(100), sample(200)], SETTINGS)), 'undecided', 'fewer samples than --trials');
  const ok = judgeStartupTime([sample(100), sample(200), sample(29_000)], SETTINGS);
  assert.equal(ok.status, 'pass');
  assert.equal(ok.measurements?.['startup.max'], 29_000);
  assert.equal(status(judgeStartupTime([sample(100), sample(31_000), sample(200)], SETTINGS)), 'fail');
  assert.equal(status(judgeStartupTime([sample(100), failure('did not listen')], SETTINGS)), 'fail', 'a start that never listens fails as in BIND-1');
});

test(quote('ISOLATION-1', 'instance 1 is still listening when instance 2 listens, and both answer the upgrade with 101 while both are running'), () => {
  const both = (a: boolean, b: boolean) => ({ instances: [{ port: P, stillListening: a, upgrade: { ok: true } }, { port: P + 10, stillListening: true, upgrade: { ok: b, error: 'reset' } }] });
  assert.equal(status(judgeSideBySide(started(), { ok: true, port: P + 10 }, both(true, true))), 'pass');
  assert.equal(status(judgeSideBySide(started(), { ok: true, port: P + 10 }, both(false, true))), 'fail');
  assert.equal(status(judgeSideBySide(started(), { ok: true, port: P + 10 }, both(true, false))), 'fail');
  const blocked = judgeSideBySide(started(), failure('instance 2 did not listen: gateway already running'), undefined);
  assert.equal(blocked.status, 'fail', 'a host-wide lock keeps instance 2 from starting');
  assert.equal(status(judgeSideBySide(failure('did not listen'), undefined, undefined)), 'fail');
});

function instance(extra: Partial<ConflictInstance> = {}): ConflictInstance {
  return {
    role: 'candidate',
    path: 'foreign occupier',
    port: P,
    occupier: '127.0.0.1',
    exit: { code: 1, signal: null },
    stdout: '',
    stderr: `GatewayLockError: ${LOCK}\n`,
    output: `GatewayLockError: ${LOCK}\n`,
    timing: { spawnToExitMs: 150, idleMs: 10, firstFailedBindMs: 100 },
    failFastPatienceMs: 3000,
    ...extra,
  };
}

const foreignRound = (...foreign: ConflictInstance[]): ConflictObservation => ({ rounds: [{ foreign }] });

test(quote('CONFLICT-1', 'For every occupier: pass when the spawned process exits within the startup ceiling (within the hang patience once it printed its error or went idle) with a non-zero status (death by a signal counts), its output contains the LOCK message'), () => {
  const three = ['127.0.0.1', '0.0.0.0', '::'].map((occupier) => instance({ occupier }));
  assert.equal(status(judgeForeignOccupier(foreignRound(...three), SETTINGS)), 'pass');
  assert.equal(status(judgeForeignOccupier(foreignRound(three[0]!), SETTINGS)), 'undecided', 'two occupiers still to try');
  const killed = instance({ exit: { code: null, signal: 'SIGABRT' } });
  assert.equal(status(judgeForeignOccupier(foreignRound(killed, three[1]!, three[2]!), SETTINGS)), 'pass', 'death by a signal is non-zero');
  const zero = judgeForeignOccupier(foreignRound(instance({ exit: { code: 0, signal: null } })), SETTINGS);
  assert.equal(zero.status, 'fail', 'decided at the first mishandled occupier');
  assert.match(zero.status === 'fail' ? zero.message : '', /^with a listener on 127\.0\.0\.1: candidate exited with code 0/);
  const wrong = judgeForeignOccupier(foreignRound(instance({ output: `already listening on ws://127.0.0.1:${P}1\n` })), SETTINGS);
  assert.match(wrong.status === 'fail' ? wrong.message : '', /output lacks/, 'the port boundary rule: P1 is another port');
});

test(quote('CONFLICT-1', 'Listening instead of failing is a failure, reported at once'), () => {
  const j = judgeForeignOccupier(foreignRound(instance({ listenedOn: `[::1]:${P}`, exit: undefined })), SETTINGS);
  assert.match(j.status === 'fail' ? j.message : '', /listened on \[::1\]:41000 instead of failing/);
  const hung = judgeForeignOccupier(foreignRound(instance({ exit: undefined, watchedMs: 120_000 })), SETTINGS);
  assert.match(hung.status === 'fail' ? hung.message : '', /still running after 120000 ms/);
  const hang = judgeForeignOccupier(foreignRound(instance({ exit: undefined, watchedMs: 3900, hang: 'printed its error', timing: { spawnToExitMs: Infinity, idleMs: 3700 } })), SETTINGS);
  assert.match(hang.status === 'fail' ? hang.message : '', /candidate was still running 3900 ms after spawn, after it printed its error, idle 3700 ms: a hang/, 'a hang judged at the hang patience says why');
});

test(quote('CONFLICT-2', 'Pass when B and B′ each meet the CONFLICT-1 pass criteria'), () => {
  const round = (sameOutput: string, held = true) => ({
    rounds: [
      {
        first: { ok: true as const, port: P, listenMs: 100, idleUntilListenMs: 5 },
        isolated: instance({ path: 'isolated profile', role: 'second instance (isolated profile)' }),
        same: instance({ path: 'same profile', role: 'second instance (same profile)', output: sameOutput }),
        firstKept: { held, upgrade: { ok: true } },
        foreign: [],
      },
    ],
  });
  assert.equal(status(judgeSecondInstance(round(LOCK), SETTINGS)), 'pass');
  const lockWait = judgeSecondInstance(round('gateway already running (pid 42); lock timeout after 5000ms'), SETTINGS);
  assert.match(lockWait.status === 'fail' ? lockWait.message : '', /second instance \(same profile\)'s output lacks/);
  const hung = judgeSecondInstance({ rounds: [{ ...round(LOCK).rounds[0]!, same: undefined, firstKept: undefined, isolated: instance({ path: 'isolated profile', role: 'second instance (isolated profile)', exit: undefined, watchedMs: 120_000 }) }] }, SETTINGS);
  assert.match(hung.status === 'fail' ? hung.message : '', /isolated profile\) was still running/, 'a second instance that fails CONFLICT-1 decides the check at once');
  const lost = judgeSecondInstance(round(LOCK, false), SETTINGS);
  assert.match(lost.status === 'fail' ? lost.message : '', /no longer holds its listening socket/, 'afterwards A still holds its recorded LISTEN socket');
});

test(quote('CONFLICT-3', 'Each path is judged on its own, each measure on its median over that path\'s rounds'), () => {
  const round = (bindToExitMs: number) => {
    const timing = { spawnToExitMs: 100 + bindToExitMs, idleMs: 5, firstFailedBindMs: 100 };
    return {
      first: { ok: true as const, port: P, listenMs: 100, idleUntilListenMs: 5 },
      isolated: instance({ path: 'isolated profile', timing }),
      same: instance({ path: 'same profile', timing }),
      foreign: [instance({ timing })],
    };
  };
  const two = { ...SETTINGS, trials: 2, timeoutMultiplier: 1.5 };
  // The example: with --trials 2, exits 800 and 1800 ms after the bind against a 1500 ms budget: median 1300 ms.
  assert.equal(status(judgeFailFast({ rounds: [round(800), round(1800)] }, two)), 'pass');
  assert.equal(status(judgeFailFast({ rounds: [round(800)] }, two)), 'undecided', 'one of two rounds');
  assert.equal(status(judgeFailFast({ rounds: [round(1800), round(1900)] }, two)), 'fail');
  const fresh = judgeFailFast({ rounds: [{ first: failure('first instance did not listen'), foreign: [] }] }, SETTINGS);
  assert.equal(fresh.status, 'fail', 'a baseline start that fails fails the check');
});

test('CONFLICT-3 reads an exit after its own patience as a hang, whatever patience a shared instance was given', () => {
  const late = { spawnToExitMs: 9000, idleMs: 8500, firstFailedBindMs: 100 };
  const hung = (path: ConflictInstance['path']) => instance({ path, timing: late, failFastPatienceMs: 3000 });
  const rounds = [1, 2].map(() => ({ first: { ok: true as const, port: P, listenMs: 100, idleUntilListenMs: 5 }, isolated: hung('isolated profile'), same: instance({ path: 'same profile' }), foreign: [instance()] }));
  const j = judgeFailFast({ rounds }, { ...SETTINGS, trials: 2 });
  assert.match(j.status === 'fail' ? j.message : '', /isolated profile: the instance had not exited after 3000 ms/);
});

test(quote('CONFLICT-4', 'Pass when one line of stderr (not stdout), after ANSI stripping, contains both GatewayLockError and the LOCK message for P'), () => {
  assert.equal(status(judgeTypedError(foreignRound(instance()))), 'pass');
  const onStdout = judgeTypedError(foreignRound(instance({ stderr: '', stdout: `GatewayLockError: ${LOCK}\n` })));
  assert.match(onStdout.status === 'fail' ? onStdout.message : '', /went to stdout/);
  assert.equal(status(judgeTypedError(foreignRound(instance({ stderr: `Error: ${LOCK}\n` })))), 'fail');
});

const injected = (errno: InjectedCase['errno'], extra: Partial<InjectedCase> = {}): InjectedCase => ({
  errno,
  port: P,
  exit: { code: 1, signal: null },
  output: `failed to bind gateway socket on ws://127.0.0.1:${P}: ${errno}\n`,
  ...extra,
});

test(quote('BINDFAIL-1', 'For each run: pass when the spawned process exits'), () => {
  assert.equal(status(judgeBindFailure({ cases: [injected('EACCES'), injected('EADDRNOTAVAIL')] }, SETTINGS)), 'pass');
  assert.equal(status(judgeBindFailure({ cases: [injected('EACCES')] }, SETTINGS)), 'undecided');
  const claims = judgeBindFailure({ cases: [injected('EACCES', { output: `${LOCK}\n` }), injected('EADDRNOTAVAIL')] }, SETTINGS);
  assert.match(claims.status === 'fail' ? claims.message : '', /claims another instance is listening/);
  assert.equal(status(judgeBindFailure({ cases: [injected('EACCES', { exit: { code: 0, signal: null } }), injected('EADDRNOTAVAIL')] }, SETTINGS)), 'fail');
  assert.equal(status(judgeBindFailure({ unavailable: 'seccomp is not available', cases: [] }, SETTINGS)), 'skip');
});

const kill = (extra: Partial<CrashPhase> = {}): CrashPhase => ({
  signal: 'SIGKILL',
  port: P,
  victim: { ok: true, restarted: false },
  atExit: { exitMs: 3, staleHolders: [], staleSocket: false, bindable: true, connections: 0 },
  restart: { ok: true, listenMs: 110 },
  ...extra,
});

test(quote('CRASH-1', 'Pass when, at that moment, no process holds any recorded inode and the port is free'), () => {
  assert.equal(status(judgeFreeAtKill({ phases: [kill()] }, SETTINGS)), 'pass');
  const child = { pid: 99, cmdline: 'node worker.js', address: `127.0.0.1:${P}`, inode: 5 };
  const stale = judgeFreeAtKill({ phases: [kill({ atExit: { exitMs: 3, staleHolders: [child], staleSocket: true, bindable: false, connections: 0 } })] }, SETTINGS);
  assert.match(stale.status === 'fail' ? stale.message : '', /lives on in pid 99 \(node worker\.js\)/);
  const respawned = judgeFreeAtKill({ phases: [kill({ atExit: { exitMs: 3, staleHolders: [], staleSocket: false, bindable: false, connections: 0, newListeners: 'pid 100 (gw)' } })] }, SETTINGS);
  assert.equal(respawned.status, 'pass', 'a LISTEN socket with a new inode, held by a process started after the kill, is not a stale hold');
  const lingering = judgeFreeAtKill({ phases: [kill({ atExit: { exitMs: 3, staleHolders: [], staleSocket: false, bindable: false, connections: 10 } })] }, SETTINGS);
  assert.equal(lingering.status, 'pass', "the clients' lingering connections block a bind without SO_REUSEADDR: CRASH-2 judges that");
  const timed = judgeFreeAtKill({ phases: [kill({ atExit: { exitMs: 115.80960799998138, staleHolders: [], staleSocket: false, bindable: true, connections: 0 } })] }, SETTINGS);
  assert.equal(timed.status === 'pass' ? timed.message : '', 'port free when the exit was observed (115.8 ms after SIGKILL)');
  const bound = judgeFreeAtKill({ phases: [kill({ atExit: { exitMs: 3, staleHolders: [], staleSocket: false, bindable: false, connections: 0 } })] }, SETTINGS);
  assert.match(bound.status === 'fail' ? bound.message : '', /still failed though no LISTEN socket remained/);
});

test(quote('CRASH-2', 'Pass when the new instance listens within the startup ceiling'), () => {
  assert.equal(status(judgeRestartAfterKill({ phases: [kill()] })), 'pass');
  assert.equal(status(judgeRestartAfterKill({ phases: [kill({ restart: failure('the same profile did not listen again after SIGKILL') })] })), 'fail');
  assert.equal(status(judgeRestartAfterKill({ phases: [kill({ victim: failure('did not listen') })] })), 'fail');
});

test(quote('CRASH-3', 'A gateway process that has not exited within the exit budget after the signal fails'), () => {
  const abort = kill({ signal: 'SIGABRT', victim: { ok: true, restarted: true } });
  const segv = kill({ signal: 'SIGSEGV', victim: { ok: true, restarted: true } });
  assert.equal(status(judgeCrashSignals({ phases: [kill(), abort, segv] }, SETTINGS)), 'pass');
  assert.equal(status(judgeCrashSignals({ phases: [abort] }, SETTINGS)), 'undecided');
  const hang = kill({ signal: 'SIGSEGV', atExit: { staleHolders: [], staleSocket: false, bindable: false, connections: 0 } });
  const j = judgeCrashSignals({ phases: [abort, hang] }, SETTINGS);
  assert.match(j.status === 'fail' ? j.message : '', /survived SIGSEGV for 5000 ms/);
});

function artefactRun(extra: Partial<ArtefactRun> = {}): ArtefactRun {
  return {
    signal: 'SIGKILL',
    before: [['/tmp/other.lock', { ino: 1, mtimeMs: 1, ctimeMs: 1, directory: false }]],
    snapshotRoots: [{ path: '/tmp/glc-state-x', depth: 6 }, { path: '/tmp/glc-run-y', depth: 6 }, { path: '/tmp', depth: 3 }],
    after: [['/tmp/other.lock', { ino: 1, mtimeMs: 1, ctimeMs: 1, directory: false }]],
    held: [],
    own: ['/tmp/glc-state-x', '/tmp/glc-run-y'],
    pids: [4242],
    spawnEpochMs: 1000,
    ...extra,
  };
}

test(quote('CRASH-4', 'Pass when no artefact is the candidate\'s after either run'), () => {
  const stamp = (ino: number) => ({ ino, mtimeMs: 2000, ctimeMs: 2000, directory: false });
  assert.equal(status(judgeArtefacts({ runs: [artefactRun(), artefactRun({ signal: 'SIGTERM' })] })), 'pass');
  const inProfile = artefactRun({ after: [['/tmp/glc-state-x/db/x.lock.sqlite', stamp(9)]] });
  assert.deepEqual(attributeArtefacts(inProfile).blamed, ['/tmp/glc-state-x/db/x.lock.sqlite (file made in its profile)']);
  const neighbour = artefactRun({ after: [['/tmp/someone/app.lock', stamp(10)]] });
  assert.deepEqual(attributeArtefacts(neighbour), { blamed: [], notes: ['/tmp/someone/app.lock'] }, 'any other new artefact is a note');
  const naming = artefactRun({ after: [['/tmp/gw-0/gateway.lock', { ...stamp(11), namedPid: 4242 }]] });
  assert.deepEqual(attributeArtefacts(naming).blamed, ['/tmp/gw-0/gateway.lock (file naming its pid 4242)']);
  // A user's TMPDIR four levels below /tmp: below what /tmp's snapshot read, so new by its ctime.
  const deep = '/tmp/ci/job/tmp/gw-0/gateway.lock';
  const oldDeep = artefactRun({ before: [], after: [[deep, { ...stamp(12), ctimeMs: 500, mtimeMs: 500, namedPid: 4242 }]] });
  assert.deepEqual(attributeArtefacts(oldDeep), { blamed: [], notes: [] }, 'older than the spawn and never read before: not this run\'s');
  const newDeep = artefactRun({ before: [], after: [[deep, { ...stamp(12), namedPid: 4242 }]] });
  assert.deepEqual(attributeArtefacts(newDeep).blamed, [`${deep} (file naming its pid 4242)`]);
  const held = artefactRun({ after: [['/var/tmp/gw/x.lock', { ...stamp(13), ctimeMs: 500, mtimeMs: 500 }]], held: [['/var/tmp/gw/x.lock', 4242]] });
  assert.deepEqual(attributeArtefacts(held).blamed, ['/var/tmp/gw/x.lock (file held open by pid 4242 while it ran)'], 'held open: blamed wherever it is');
  const j = judgeArtefacts({ runs: [artefactRun(), neighbour] });
  assert.equal(j.status, 'pass');
  assert.match(j.notes?.[0] ?? '', /not attributed to the candidate/);
  assert.equal(status(judgeArtefacts({ runs: [inProfile, artefactRun({ signal: 'SIGTERM' })] })), 'fail');
});

function trial(n: number, extra: Partial<StopTrial> = {}): StopTrial {
  return { trial: n, start: { ok: true, listenMs: 100, readyMs: 20, readiness: 'quiescent', restart: false }, releaseMs: 5, gatewayExitMs: 8, exit: { code: 0, signal: null }, ...extra };
}
const stops = (signal: StopObservation['signal'], ...trials: StopTrial[]): StopObservation => ({ signal, trials });

test(quote('SHUTDOWN-1', 'Pass when the median over the trials is within the release budget and the port became free within the exit budget in every trial'), () => {
  assert.equal(status(judgeRelease(stops('SIGTERM', trial(1), trial(2), trial(3, { releaseMs: 4000 })), SETTINGS, false)), 'pass', 'one slow trial of three: the median is in budget');
  assert.equal(status(judgeRelease(stops('SIGTERM', trial(1), trial(2)), SETTINGS, false)), 'undecided', 'a pass runs every trial');
  const held = judgeRelease(stops('SIGTERM', trial(1, { releaseMs: undefined })), SETTINGS, false);
  assert.match(held.status === 'fail' ? held.message : '', /trial 1: port still held 5000 ms after SIGTERM/, 'decided at once');
  const sampled = judgeRelease(stops('SIGINT', trial(1, { releaseMs: 1500 }), trial(2, { releaseMs: 1600 }), trial(3, { releaseMs: undefined, sampleOnly: true })), SETTINGS, false);
  assert.equal(sampled.status === 'fail' && sampled.message, 'median SIGINT-to-port-free 1550 ms exceeds the release budget of 1000 ms', 'a trial never signalled (a BIND-5 sample) is no release');
  const slow = judgeRelease(stops('SIGINT', trial(1, { releaseMs: 1500 }), trial(2, { releaseMs: 1600 })), SETTINGS, false);
  assert.equal(slow.status, 'fail', 'more than half of --trials over the budget: the median is over');
});

test(quote('SHUTDOWN-3', 'the gateway process exits within the exit budget in every trial'), () => {
  const withClients = (t: StopTrial) => ({ ...t, clients: { requested: 10, connected: 10, websocket: true } });
  assert.equal(status(judgeRelease(stops('SIGTERM', ...[1, 2, 3].map((n) => withClients(trial(n)))), SETTINGS, true)), 'pass');
  const hang = judgeRelease(stops('SIGTERM', withClients(trial(1, { gatewayExitMs: undefined }))), SETTINGS, true);
  assert.match(hang.status === 'fail' ? hang.message : '', /had not exited 5000 ms after SIGTERM/);
  assert.equal(status(judgeRelease(stops('SIGTERM', trial(1, { gatewayExitMs: undefined })), SETTINGS, false)), 'undecided', 'SHUTDOWN-1 does not require the exit');
});

test(quote('SHUTDOWN-4', "Pass when the first instance's gateway process exits within the exit budget and the second instance starts"), () => {
  assert.equal(status(judgeRestartAfterStop({ ...stops('SIGTERM', trial(1)), restart: { ok: true, listenMs: 130 } }, SETTINGS)), 'pass');
  assert.equal(status(judgeRestartAfterStop({ ...stops('SIGTERM', trial(1)), restart: failure('restart did not listen: stale lock') }, SETTINGS)), 'fail');
  assert.equal(status(judgeRestartAfterStop(stops('SIGTERM', trial(1, { gatewayExitMs: undefined })), SETTINGS)), 'fail', 'no graceful stop');
  assert.equal(status(judgeRestartAfterStop(stops('SIGTERM', trial(1)), SETTINGS)), 'undecided');
});

test(quote('SHUTDOWN-5', 'Pass when, both times, the spawned process exits within the exit budget with exit code 0 and no signal'), () => {
  assert.equal(status(judgeCleanExit(stops('SIGTERM', trial(1)), stops('SIGINT', trial(1)), SETTINGS)), 'pass');
  const j = judgeCleanExit(stops('SIGTERM', trial(1, { exit: { code: 143, signal: null } })), stops('SIGINT', trial(1, { exit: { code: null, signal: 'SIGINT' } })), SETTINGS);
  assert.equal(j.status === 'fail' && j.message, 'after SIGTERM: exit code 143; after SIGINT: killed by SIGINT');
  assert.equal(status(judgeCleanExit(stops('SIGTERM', trial(1, { exit: undefined })), stops('SIGINT', trial(1)), SETTINGS)), 'fail');
});

test(quote('SHUTDOWN-6', 'Pass when every client received a Close frame with code 1001 or 1012 before its connection ended'), () => {
  const clients = (closeCodes: number[], websocket = true) => stops('SIGTERM', trial(1, { clients: { requested: 10, connected: 10, websocket, closeCodes } }));
  assert.equal(status(judgeCloseFrames(clients(Array(10).fill(1012)), SETTINGS)), 'pass');
  assert.equal(status(judgeCloseFrames(clients([...Array(9).fill(1001), 1006]), SETTINGS)), 'fail', 'no close frame (1006) fails');
  const refused = judgeCloseFrames(clients([], false), SETTINGS);
  assert.match(refused.status === 'fail' ? refused.message : '', /no WebSocket client could connect/, 'the check also fails if no client can connect');
});
