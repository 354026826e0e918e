/**
 * The hang patience (judge/hang.ts), on synthetic observations: an instance that should exit is
 * a hang once it is past CONFLICT-3's patience and printed its error or idled beyond a normal
 * start; a busy, silent one gets the ceiling.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { hangLimits, hangSign, printedLockError } from '../harness/judge/hang.js';
import type { JudgeSettings } from '../harness/judge/judgement.js';
import { judgeBindFailure } from '../harness/judge/bindfail.js';
import { specSays } from './helpers/spec.js';

const SETTINGS: JudgeSettings = { trials: 5, startupBudgetMs: 30_000, releaseBudgetMs: 1000, exitBudgetMs: 5000, startupCeilingMs: 120_000, timeoutMultiplier: 1, earlyStop: true };
const P = 31_000;
const LOCK = `GatewayLockError: another gateway instance is already listening on ws://127.0.0.1:${P}`;

test(specSays("3 × (1.5 × the median spawn-to-LISTEN of the run's starts so far + the fail-fast budget), at most the startup ceiling, and the ceiling while the run has no start yet"), () => {
  assert.equal(hangLimits({ startupMs: [200, 100, 300], idleMs: [50, 60, 70] }, SETTINGS).patienceMs, 3 * (1.5 * 200 + 1000));
  assert.equal(hangLimits({ startupMs: [8600, 9000, 8000], idleMs: [] }, SETTINGS).patienceMs, 3 * (1.5 * 8600 + 1000), 'openclaw: about 42 s');
  assert.equal(hangLimits({ startupMs: [], idleMs: [] }, SETTINGS).patienceMs, 120_000);
  assert.equal(hangLimits({ startupMs: [100_000], idleMs: [] }, SETTINGS).patienceMs, 120_000, 'never past the ceiling');
});

test(specSays('once it has printed the LOCK or BIND-FAILURE message for P, or has been idle (common procedure, item 4) longer than a normal start idles before LISTEN'), () => {
  const limits = hangLimits({ startupMs: [200], idleMs: [100] }, SETTINGS);
  const seen = (elapsedMs: number, idleMs: number, output = '') => hangSign({ elapsedMs, idleMs, printedError: () => printedLockError(output, P) }, limits);
  assert.equal(seen(3800, 3700, LOCK), undefined, "within the patience (3900 ms): not yet");
  assert.equal(seen(4000, 3300, LOCK), 'printed its error');
  assert.equal(seen(4000, 50, `failed to bind gateway socket on ws://127.0.0.1:${P}: EACCES`), 'printed its error', 'busy after its bind-failure message: still a hang');
  assert.equal(seen(4000, 3300), 'idle', 'silent and idle: a lock wait or a hang');
  assert.equal(seen(4000, 1100), undefined, 'idle within a normal start plus the budget');
  assert.equal(seen(4000, 1101), 'idle');
  assert.equal(seen(60_000, 500, 'loading plugins...'), undefined, 'A busy, silent instance (running, or waiting for a CPU) gets the whole ceiling');
  assert.equal(seen(4000, 3300, `another gateway instance is already listening on ws://127.0.0.1:${P + 1}`), 'idle', 'another port\'s message is not its error');
  const unread = () => assert.fail('the output is scanned before the patience is over');
  assert.equal(hangSign({ elapsedMs: 3800, idleMs: 3700, printedError: unread }, limits), undefined, 'within the patience the output is not read');
});

test('BINDFAIL-1 names a hang as one', () => {
  const j = judgeBindFailure({ cases: [
    { errno: 'EACCES', port: P, watchedMs: 3500, hang: 'printed its error', output: `failed to bind gateway socket on ws://127.0.0.1:${P}: EACCES` },
    { errno: 'EADDRNOTAVAIL', port: P + 1, exit: { code: 1, signal: null }, output: `failed to bind gateway socket on ws://127.0.0.1:${P + 1}: EADDRNOTAVAIL` },
  ] }, SETTINGS);
  assert.equal(j.status === 'fail' && j.message, 'with EACCES: still running 3500 ms after spawn, after it printed its error: a hang');
});
