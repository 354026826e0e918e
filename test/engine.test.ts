/** The engine with checks of the test's own: outcomes streamed as final, and the watchdog's stop. */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { check, type Check, type Scenario } from '../harness/checks/check.js';
import { fail, pass } from '../harness/judge/judgement.js';
import { resolveRun } from '../harness/config.js';
import { planUnits, runChecks } from '../harness/engine.js';
import { CHECKS } from '../harness/checks/index.js';
import type { CheckResult } from '../harness/report.js';
import type { CheckContext } from '../harness/run/context.js';
import { sleep } from '../harness/run/time.js';

const options = () => resolveRun({ warmup: false }).options;

test('each result is streamed with its final outcome: a failed SHOULD is a warning, not FAIL', async () => {
  const nothing: Scenario<object> = { name: 'nothing', weight: 0, observe: async () => ({}) };
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
    weight: 0,
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

test('planning: one unit per scenario for every check that names it; --isolated one per check; alone first, then longest first', () => {
  const plan = (isolated: boolean) => planUnits(CHECKS, isolated).map((u) => `${u.scenario.name}: ${u.checks.map((c) => c.id).join(' ')}`);
  assert.deepEqual(plan(false), [
    'default port: BIND-2',
    'artefacts: CRASH-4',
    'first gateway and conflicts: BIND-1 BIND-3 BIND-4 CONFLICT-1 CONFLICT-2 CONFLICT-3 CONFLICT-4 ISOLATION-1',
    'SIGTERM stops: BIND-4 SHUTDOWN-1 SHUTDOWN-4 SHUTDOWN-5',
    'SIGINT stops: BIND-4 BIND-5 SHUTDOWN-2 SHUTDOWN-5',
    'SIGTERM stops with clients: BIND-4 SHUTDOWN-3 SHUTDOWN-6',
    'crashes: BIND-4 CRASH-1 CRASH-2 CRASH-3',
    'bind failures: BINDFAIL-1',
  ]);
  const isolated = plan(true);
  assert.equal(isolated.length, CHECKS.length + 1 + 4, 'SHUTDOWN-5 runs two scenarios of its own, BIND-4 five');
  assert.ok(isolated.every((u) => !u.includes(' ', u.indexOf(': ') + 2)), 'one check per unit');
});

test('a shared unit that breaks gives every check it serves the same error; checks of other units are judged', async () => {
  const broken: Scenario<object> = { name: 'broken', weight: 1, observe: async () => Promise.reject(new Error('no /proc')) };
  const fine: Scenario<object> = { name: 'fine', weight: 1, observe: async () => ({}) };
  const report = await runChecks([check('BIND-1', broken, () => pass('x')), check('BIND-3', broken, () => pass('x')), check('BIND-4', fine, () => pass('fine'))], options());
  assert.deepEqual(report.checks.map((c) => [c.id, c.status, c.message]), [
    ['BIND-1', 'error', 'harness error: no /proc'],
    ['BIND-3', 'error', 'harness error: no /proc'],
    ['BIND-4', 'pass', 'fine'],
  ]);
});
