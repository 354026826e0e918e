/**
 * The progress line's estimate: the planned starts (from the engine's onPlan hook) less those made,
 * at the median spawn-to-ready measured so far, over the concurrency; and the hook itself, called
 * once with every selected check in some planned scenario run.
 */
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { runConformance } from '../harness/index.js';
import { estimateRemainingMs, Progress, remainingText, WALL_PER_START, type PlannedRuns } from '../harness/reporters/progress.js';

const stream = () => {
  let written = '';
  return { sink: { columns: 300, write: (s: string) => ((written += s), true) } as unknown as NodeJS.WriteStream, written: () => written };
};

describe('the estimate', () => {
  test('remaining starts x median spawn-to-ready x wall per start / concurrency; unknown before a start is measured', () => {
    assert.equal(estimateRemainingMs(34, 4, [], 2), undefined);
    assert.equal(estimateRemainingMs(34, 4, [1000, 3000, 2000], 2), (30 * 2000 * WALL_PER_START) / 2);
    assert.equal(estimateRemainingMs(10, 12, [500], 1), 0, 'more starts than planned: nothing left, never negative');
  });

  test('rounded for people', () => {
    assert.deepEqual([remainingText(0), remainingText(12_000), remainingText(59_000), remainingText(130_000), remainingText(179_000), remainingText(725_000)], ['5 s', '10 s', '60 s', '2 min 10 s', '3 min', '12 min']);
  });

  test('the line leads with starts made of planned and the time left; one event told for two checks counts once', () => {
    let t = 0;
    const out = stream();
    const progress = new Progress(out.sink, 60_000, () => t);
    const plan: PlannedRuns = { units: [{ scenario: 'serve', checks: ['BIND-1', 'BIND-3'], alone: false, spawns: { least: 2, most: 2 } }, { scenario: 'stops', checks: ['SHUTDOWN-1'], alone: false, spawns: { least: 3, most: 5 } }] };
    progress.plan(plan, 2);
    progress.start('BIND-1');
    progress.start('BIND-3');
    assert.match(progress.text(), /^\[0 of 6 starts\] BIND-1 0 s: starting/);
    const spawn = { tMs: 10, event: 'spawn candidate', detail: 'pid 7 on port 40000' };
    const ready = { tMs: 2010, event: 'candidate ready', detail: '1500 ms after LISTEN' };
    for (const event of [spawn, ready]) for (const id of ['BIND-1', 'BIND-3']) progress.event(id, event);
    t = 3000;
    // 5 starts left x 2000 ms x 1.25 / 2 = 6250 ms.
    assert.match(progress.text(), /^\[1 of 6 starts, about 5 s left\] BIND-1 3 s: candidate ready: 1500 ms after LISTEN, 3 s ago/);
    progress.render();
    assert.match(out.written(), /\r\u001b\[K\[1 of 6 starts, about 5 s left\] /);
    progress.stop();
  });

  test('without a plan the line is as before', () => {
    const progress = new Progress(stream().sink, 60_000, () => 0);
    progress.start('CRASH-1');
    assert.equal(progress.text(), 'CRASH-1 0 s: starting');
    progress.stop();
  });
});

test('the engine tells its plan once, before the first scenario run, with every selected check in it', async () => {
  const plans: PlannedRuns[] = [];
  let startedBeforePlan = false;
  await runConformance(
    { only: ['BIND-1', 'BIND-3', 'SHUTDOWN-1'], trials: 3, warmup: false },
    { onPlan: (plan) => plans.push(plan), onCheckStart: () => (startedBeforePlan ||= plans.length === 0) },
  );
  assert.equal(plans.length, 1);
  assert.equal(startedBeforePlan, false);
  assert.deepEqual(plans[0]!.units.flatMap((u) => u.checks).sort(), ['BIND-1', 'BIND-3', 'SHUTDOWN-1']);
  assert.ok(plans[0]!.units.every((u) => typeof u.scenario === 'string' && u.spawns.least >= 1), JSON.stringify(plans[0]));
});
