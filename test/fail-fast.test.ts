/**
 * CONFLICT-3's criterion on synthetic observations. Spec, CONFLICT-3 pass criteria: on every
 * conflict path, the median time from the first failing bind on P to the exit is within the
 * fail-fast budget (1000 ms); the median idle time before the exit, beyond a normal start's idle
 * time before LISTEN, is within the budget; where no failing bind was observed, the median
 * spawn-to-exit is within 1.5 x the median spawn-to-LISTEN + the budget.
 */
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { judgePath, type ConflictTiming, type StartBaseline } from '../harness/judge/fail-fast.js';

const limits = { budgetMs: 1000 };
const baseline: StartBaseline = { startupMs: [4000, 4200, 4400], idleMs: [300, 350, 400] };
/** A conforming build: it does its 4 s of startup work, its bind fails, it exits 80 ms later. */
const prompt = (over: Partial<ConflictTiming> = {}): ConflictTiming => ({ spawnToExitMs: 4300, firstFailedBindMs: 4220, failedBinds: 1, failedBindSpanMs: 0, idleMs: 380, ...over });

describe('CONFLICT-3: fail fast, judged per conflict path on medians', () => {
  test('a prompt exit after the failing bind passes, and two agreeing rounds of three decide', () => {
    const two = judgePath('foreign occupier', [prompt(), prompt()], baseline, limits, 3);
    assert.equal(two.decision, 'pass');
    assert.deepEqual(two.problems, []);
    assert.equal(two.measurements.bindToExit, 80);
    assert.equal(judgePath('foreign occupier', [prompt()], baseline, limits, 3).decision, undefined, 'one round of three decides nothing');
  });

  test('a retry loop fails on bind-to-exit and on waiting, with the attempts in the message', () => {
    // openclaw: 20 binds 500 ms apart, exit 0.3 s after the last.
    const retry = prompt({ spawnToExitMs: 4220 + 9500 + 300, failedBinds: 20, failedBindSpanMs: 9500, idleMs: 350 + 9400 });
    const verdict = judgePath('foreign occupier', [retry, retry], baseline, limits, 3);
    assert.equal(verdict.decision, 'fail');
    assert.match(verdict.problems.join('; '), /20 binds of port P failed over 9\.5 s, exit 9800 ms \(median\) after the first failing bind/);
    assert.match(verdict.problems.join('; '), /waited 9400 ms/);
  });

  test('a retry loop seen once decides the path: one round, and beside prompt rounds', () => {
    const retry = prompt({ spawnToExitMs: 4220 + 9500 + 300, failedBinds: 20, failedBindSpanMs: 9500, idleMs: 350 + 9400 });
    const one = judgePath('isolated profile', [retry], baseline, limits, 3);
    assert.equal(one.decision, 'fail', 'the loop is seen, not measured: no second round');
    assert.match(one.problems.join('; '), /isolated profile: a retry loop, 20 binds of port P failed over 9\.5 s, exit 9800 ms after the first \(budget 1000 ms\)/);
    assert.equal(judgePath('isolated profile', [prompt(), prompt(), retry], baseline, limits, 3).decision, 'fail', 'the medians pass, the loop does not');
  });

  test('failing binds within the budget are no loop: two binds 300 ms apart, exit at once, pass', () => {
    const twice = prompt({ spawnToExitMs: 4220 + 400, failedBinds: 2, failedBindSpanMs: 300 });
    assert.equal(judgePath('isolated profile', [twice, twice], baseline, limits, 3).decision, 'pass');
    assert.equal(judgePath('isolated profile', [twice], baseline, limits, 3).decision, undefined);
  });

  test('a lock wait before any bind fails on waiting, though spawn-to-exit is within 1.5 x a slow startup', () => {
    // clawdbot, same profile, loaded host: startups of 9 s, a 5 s polled lock, exit at 8 s, no bind.
    const loaded: StartBaseline = { startupMs: [8000, 9000, 11000], idleMs: [400, 500, 450] };
    const wait: ConflictTiming = { spawnToExitMs: 8000, idleMs: 450 + 5000 };
    const verdict = judgePath('same profile', [wait, wait], loaded, limits, 3);
    assert.equal(verdict.decision, 'fail');
    assert.equal(verdict.measurements.spawnToExitBudget, 1.5 * 9000 + 1000);
    assert.match(verdict.problems.join('; '), /same profile: waited 5000 ms/);
    assert.doesNotMatch(verdict.problems.join('; '), /after spawn, no failing bind/, 'within the spawn budget');
  });

  test('without bind observation a slow exit fails on the spawn budget alone', () => {
    const slow: ConflictTiming = { spawnToExitMs: 12_000, idleMs: 400 };
    const verdict = judgePath('isolated profile', [slow, slow], baseline, limits, 3);
    assert.equal(verdict.decision, 'fail');
    assert.match(verdict.problems[0]!, /exited 12000 ms \(median\) after spawn, no failing bind on P seen, over the budget of 7300 ms/);
  });

  test('one slow round of three does not fail: the median decides', () => {
    const slowRound = prompt({ spawnToExitMs: 4220 + 1800 });
    assert.equal(judgePath('foreign occupier', [prompt(), slowRound], baseline, limits, 3).decision, undefined);
    assert.equal(judgePath('foreign occupier', [prompt(), slowRound, prompt()], baseline, limits, 3).decision, 'pass');
    // With two rounds the median of 80 ms and 1800 ms is 940 ms: within.
    assert.equal(judgePath('foreign occupier', [prompt(), slowRound], baseline, limits, 2).decision, 'pass');
  });

  test('an instance that never exits fails once a majority of rounds never exited', () => {
    const hang: ConflictTiming = { spawnToExitMs: Infinity, watchedMs: 21_000, idleMs: 20_000 };
    const verdict = judgePath('foreign occupier', [hang, hang], baseline, limits, 3);
    assert.equal(verdict.decision, 'fail');
    assert.match(verdict.problems[0]!, /had not exited after 21000 ms \(idle 20000 ms\), 21000 ms \(idle 20000 ms\): a hang or a wait/);
  });

  test('idle time up to a normal start\'s is not waiting', () => {
    const idleStart = prompt({ idleMs: 1200 });
    assert.equal(judgePath('foreign occupier', [idleStart, idleStart], { ...baseline, idleMs: [1100, 1200, 1300] }, limits, 3).decision, 'pass');
    assert.equal(judgePath('foreign occupier', [idleStart, idleStart], { ...baseline, idleMs: [0, 0, 0] }, limits, 3).decision, 'fail');
  });
});
