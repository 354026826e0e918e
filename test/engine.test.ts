/** The engine with checks of the test's own: outcomes streamed as final, and the watchdog's stop. */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { check, type Check, type Scenario } from '../harness/checks/check.js';
import { fail, pass } from '../harness/judge/judgement.js';
import { resolveRun } from '../harness/config.js';
import { runChecks } from '../harness/engine.js';
import type { CheckResult } from '../harness/report.js';
import type { CheckContext } from '../harness/run/context.js';
import { sleep } from '../harness/run/time.js';

const options = () => resolveRun({ warmup: false }).options;

test('each result is streamed with its final outcome: a failed SHOULD is a warning, not FAIL', async () => {
  const nothing: Scenario<object> = { name: 'nothing', observe: async () => ({}) };
  const checks: Check[] = [check('CRASH-4', nothing, () => fail('a lock file outlived the gateway')), check('BIND-1', nothing, () => pass('fine'))];
  const streamed: CheckResult[] = [];
  const report = await runChecks(checks, { ...options(), expectedFailures: new Set(['BIND-1']) }, { onResult: (r) => streamed.push(structuredClone(r)) });
  assert.deepEqual(streamed.map((r) => [r.id, r.outcome]), [['CRASH-4', 'should-failure'], ['BIND-1', 'stale-expected-failure']]);
  assert.deepEqual(report.checks.map((r) => r.outcome), streamed.map((r) => r.outcome), 'the report says what was streamed');
  assert.equal(report.exitCode, 1);
  assert.deepEqual([report.summary.warnings, report.summary.staleExpectedFailures, report.summary.failed], [1, 1, 0]);
});

test('a check stopped by the watchdog starts nothing after its cleanup', async () => {
  let afterWatchdog: string | undefined;
  let spawned = false;
  const late: Scenario<object> = {
    name: 'late',
    async observe(ctx: CheckContext) {
      const profile = await ctx.profile();
      await sleep(600); // past the watchdog: the engine has cleaned up by now
      try {
        await ctx.spawn(profile, 'late');
        spawned = true;
      } catch (error) {
        afterWatchdog = (error as Error).message;
      }
      return {};
    },
  };
  const report = await runChecks([check('BIND-1', late, () => pass('never reached in time'))], options(), { watchdogMs: 200 });
  assert.equal(report.checks[0]!.status, 'error');
  assert.match(report.checks[0]!.message, /did not finish within 200 ms/);
  await sleep(700);
  assert.equal(spawned, false, 'the late spawn went through');
  assert.equal(afterWatchdog, 'interrupted: no new candidate is started');
});
