/**
 * Sequential trials (judge/sequential.ts and the criteria that use it), on synthetic samples: a
 * series ends as a pass once a majority of --trials, at least 3, are within half the budget; the
 * median cannot turn after that, and --no-early-stop keeps the fixed count.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { judgeStartupTime } from '../harness/judge/bind.js';
import type { JudgeSettings } from '../harness/judge/judgement.js';
import { clearPassTrials, clearlyWithin } from '../harness/judge/sequential.js';
import { judgeRelease, type StopObservation, type StopTrial } from '../harness/judge/shutdown.js';
import { median } from '../harness/judge/stats.js';
import { specSays } from './helpers/spec.js';

const SETTINGS: JudgeSettings = { trials: 5, startupBudgetMs: 30_000, releaseBudgetMs: 1000, exitBudgetMs: 5000, startupCeilingMs: 120_000, timeoutMultiplier: 1, earlyStop: true };
const FIXED: JudgeSettings = { ...SETTINGS, earlyStop: false };

const trial = (n: number, releaseMs: number | undefined): StopTrial => ({
  trial: n,
  start: { ok: true, listenMs: 100, readyMs: 20, readiness: 'quiescent', restart: false },
  ...(releaseMs !== undefined ? { releaseMs } : {}),
  gatewayExitMs: (releaseMs ?? 0) + 5,
});
const series = (...releases: (number | undefined)[]): StopObservation => ({ signal: 'SIGTERM', trials: releases.map((ms, i) => trial(i + 1, ms)) });
const status = (j: { status: string }) => j.status;

test(specSays('after a majority of --trials trials, and at least 3 (all of them when fewer are asked), every sample within half its budget'), () => {
  assert.deepEqual([1, 2, 3, 4, 5, 6, 10].map(clearPassTrials), [1, 2, 3, 3, 3, 4, 6]);
  assert.equal(clearlyWithin([100, 200, 500], 1000, SETTINGS), true, 'three within half the budget');
  assert.equal(clearlyWithin([100, 200], 1000, SETTINGS), false, 'two are not a majority of five');
  assert.equal(clearlyWithin([100, 200, 501], 1000, SETTINGS), false, 'one sample past half the budget keeps the series going');
  assert.equal(clearlyWithin([100, 200, 300], 1000, FIXED), false, '--no-early-stop');
});

test(specSays('The median of N samples of which a majority is within the budget is within the budget'), () => {
  // Every series the rule ends, continued with the worst samples there are, keeps its median in
  // budget: every vector of values below, at and above half the budget and far beyond it.
  const values = [0, 499, 500, 501, 1000, 1e9];
  const vectors = (length: number): number[][] => (length === 0 ? [[]] : vectors(length - 1).flatMap((v) => values.map((x) => [...v, x])));
  let ended = 0;
  for (const trials of [3, 4, 5, 6, 7]) {
    const settings = { ...SETTINGS, trials };
    for (const samples of vectors(clearPassTrials(trials))) {
      if (!clearlyWithin(samples, 1000, settings)) continue;
      ended++;
      assert.ok(samples.every((x) => x <= 500), `${samples.join(', ')} ended although a sample is past half the budget`);
      const worst = [...samples, ...Array.from({ length: trials - samples.length }, () => 1e9)];
      assert.ok(median(worst) <= 1000, `${trials} trials from ${samples.join(', ')}: median ${median(worst)}`);
    }
  }
  assert.ok(ended > 0, 'some series end early');
});

test('SHUTDOWN-1 to 3 end after three clear trials of five; a trial near the budget keeps the series', () => {
  assert.equal(status(judgeRelease(series(60, 55, 120), SETTINGS, false)), 'pass');
  assert.equal(status(judgeRelease(series(60, 55, 700), SETTINGS, false)), 'undecided', '700 ms of a 1000 ms budget: not clear');
  assert.equal(status(judgeRelease(series(60, 55, 700, 80, 90), SETTINGS, false)), 'pass', 'all five: the median decides');
  assert.equal(status(judgeRelease(series(1500, 1600, 1700), SETTINGS, false)), 'fail', 'a majority over the budget is decided too');
});

test(specSays('the worst case this rule allows is a candidate that releases in 50 ms three times and holds the port in trials 4 and 5'), () => {
  const early = judgeRelease(series(50, 50, 50), SETTINGS, false);
  assert.equal(status(early), 'pass', 'with early stop, trials 4 and 5 never run');
  const fixed = judgeRelease(series(50, 50, 50, undefined, undefined), FIXED, false);
  assert.equal(status(fixed), 'fail', 'the fixed count sees them');
  assert.match(fixed.status === 'fail' ? fixed.message : '', /trial 4: port still held/);
});

test(specSays('a release pipeline that wants the fixed count gives --no-early-stop'), () => {
  assert.equal(status(judgeRelease(series(50, 50, 50), FIXED, false)), 'undecided');
  assert.equal(status(judgeRelease(series(undefined), FIXED, false)), 'undecided', 'even a decided fail runs every trial');
  assert.equal(status(judgeRelease(series(undefined, 50, 50, 50, 50), FIXED, false)), 'fail');
  const start = (listenMs: number) => ({ ok: true as const, listenMs, readyMs: 10, readiness: 'quiescent' });
  assert.equal(status(judgeStartupTime([start(8000), start(9000), start(9500)], FIXED)), 'undecided');
  assert.equal(status(judgeStartupTime([start(8000), start(9000), start(9500)], SETTINGS)), 'pass', 'BIND-5: three starts within half the budget');
  assert.equal(status(judgeStartupTime([start(8000), start(16_000), start(9500)], SETTINGS)), 'undecided', 'one start past half the startup budget');
  assert.equal(status(judgeStartupTime([start(8000), start(31_000)], SETTINGS)), 'fail', 'one start over the budget decides');
});
