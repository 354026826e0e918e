import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { closestLine, findBindFailure, findLockMessage, findTypedLine, hasDifferenceMark, lockMessage, markDifference } from '../harness/judge/messages.js';
import { outcomeOf, summarize, verdict } from '../harness/judge/verdict.js';

describe('message matching', () => {
  test('finds the lock message inside a wrapped, decorated line', () => {
    const output = '2025-12-11T10:00:00Z [gateway] Gateway failed to start: another gateway instance is already listening on ws://127.0.0.1:24000 | cause: EADDRINUSE\n';
    assert.equal(findLockMessage(output, 24000).found, true);
  });

  test('the port must end at a non-digit: 1878 never matches 18789', () => {
    assert.equal(findLockMessage('another gateway instance is already listening on ws://127.0.0.1:18789', 1878).found, false);
    assert.equal(findLockMessage('another gateway instance is already listening on ws://127.0.0.1:1878.', 1878).found, true);
  });

  test('localhost instead of 127.0.0.1 does not match', () => {
    assert.equal(findLockMessage('another gateway instance is already listening on ws://localhost:24000', 24000).found, false);
  });

  test('the message must stand on one line', () => {
    assert.equal(findLockMessage('another gateway instance is already\nlistening on ws://127.0.0.1:24000', 24000).found, false);
  });

  test('bind failure needs a non-empty detail after the colon', () => {
    assert.equal(findBindFailure('failed to bind gateway socket on ws://127.0.0.1:24000: ', 24000).found, false);
    assert.equal(findBindFailure('failed to bind gateway socket on ws://127.0.0.1:24000:   \n', 24000).found, false);
    const found = findBindFailure('GatewayLockError: failed to bind gateway socket on ws://127.0.0.1:24000: listen EACCES', 24000);
    assert.deepEqual([found.found, found.detail], [true, 'listen EACCES']);
  });

  test('a typed line names GatewayLockError and holds the message', () => {
    assert.equal(findTypedLine(`GatewayLockError: ${lockMessage(24000)}`, lockMessage(24000)).found, true);
    assert.equal(findTypedLine(`Error: ${lockMessage(24000)}`, lockMessage(24000)).found, false);
  });

  test('the closest line quotes the gateway\'s whole line and marks the part that differs', () => {
    const near = closestLine('starting\nError: another gateway instance is already listening on ws://localhost:24000\n', lockMessage(24000));
    assert.equal(near, 'Error: another gateway instance is already listening on ws://⟦localhost → 127.0.0.1⟧:24000');
    assert.equal(closestLine('nothing alike here\n', lockMessage(24000)), undefined);
  });

  test('a changed first letter is marked as changed, not as a missing letter (no empty ⟦⟧)', () => {
    const near = closestLine('[gateway] Another gateway instance is already listening on ws://127.0.0.1:24000 (pid 7)\n', lockMessage(24000));
    assert.equal(near, '[gateway] ⟦A → a⟧nother gateway instance is already listening on ws://127.0.0.1:24000 (pid 7)');
    assert.doesNotMatch(near!, /⟦⟧/);
  });

  test('missing and extra text are marked with the side that is empty', () => {
    assert.equal(
      closestLine('another gateway instance is listening on ws://127.0.0.1:24000\n', lockMessage(24000)),
      'another gateway instance is ⟦→ already ⟧listening on ws://127.0.0.1:24000',
    );
    assert.equal(
      closestLine('another gateway instance is already listening on wss://127.0.0.1:24000\n', lockMessage(24000)),
      'another gateway instance is already listening on ws⟦s →⟧://127.0.0.1:24000',
    );
    assert.equal(markDifference('a b', 'ab'), 'a⟦→ ␠⟧b', 'a missing space is visible');
  });

  test('a long line is cut around the match', () => {
    const near = closestLine(`${'x'.repeat(300)} another gateway instance is already listening on ws://localhost:24000 ${'y'.repeat(300)}\n`, lockMessage(24000))!;
    assert.ok(near.length < 250, near);
    assert.match(near, /^…x+ another gateway .*⟦localhost → 127\.0\.0\.1⟧:24000 y+…$/);
  });

  test('markDifference leaves identical text unmarked', () => {
    assert.equal(markDifference('abc', 'abc'), 'abc');
    assert.equal(markDifference('abcdef', 'abXYef'), 'ab⟦XY → cd⟧ef');
    assert.equal(hasDifferenceMark(markDifference('abcdef', 'abXYef')), true);
    assert.equal(hasDifferenceMark('plain [text]'), false);
  });
});

describe('verdict', () => {
  const none = { strict: false, expectedFailures: new Set<string>() };

  test('every MUST passed: conformant, exit 0', () => {
    const v = verdict([{ id: 'BIND-1', level: 'MUST', status: 'pass' }, { id: 'BIND-2', level: 'MUST', status: 'skip' }], none);
    assert.deepEqual([v.conformant, v.exitCode], [true, 0]);
  });

  test('a failed MUST: exit 1', () => {
    assert.equal(verdict([{ id: 'BIND-1', level: 'MUST', status: 'fail' }], none).exitCode, 1);
  });

  test('a failed SHOULD fails only with --strict', () => {
    const results = [{ id: 'CRASH-4', level: 'SHOULD' as const, status: 'fail' as const }];
    assert.deepEqual(verdict(results, none), { outcomes: ['should-failure'], conformant: true, exitCode: 0 });
    assert.equal(verdict(results, { ...none, strict: true }).exitCode, 1);
  });

  test('an expected failure is tolerated; a listed check that passes is stale and fails the run', () => {
    const baseline = { strict: false, expectedFailures: new Set(['BIND-1', 'BIND-3']) };
    const v = verdict([{ id: 'BIND-1', level: 'MUST', status: 'fail' }, { id: 'BIND-3', level: 'MUST', status: 'pass' }], baseline);
    assert.deepEqual(v.outcomes, ['expected-failure', 'stale-expected-failure']);
    assert.equal(v.exitCode, 1);
  });

  test('a harness error without failures is exit 2; a failure wins over an error', () => {
    assert.equal(verdict([{ id: 'BIND-1', level: 'MUST', status: 'error' }], none).exitCode, 2);
    assert.equal(verdict([{ id: 'BIND-1', level: 'MUST', status: 'error' }, { id: 'BIND-2', level: 'MUST', status: 'fail' }], none).exitCode, 1);
  });

  test('--require and --fail-on-skip turn a skip into a counted failure', () => {
    const skippedMust = { id: 'BINDFAIL-1', level: 'MUST' as const, status: 'skip' as const };
    const skippedShould = { id: 'CRASH-4', level: 'SHOULD' as const, status: 'skip' as const };
    assert.equal(verdict([skippedMust], none).exitCode, 0, 'a skip alone does not fail a run');
    assert.deepEqual(verdict([skippedMust], { ...none, require: new Set(['BINDFAIL-1']) }), { outcomes: ['fail'], conformant: false, exitCode: 1 });
    assert.equal(verdict([skippedMust], { ...none, require: new Set(['BIND-2']) }).exitCode, 0, 'another required ID');
    assert.equal(verdict([skippedMust], { ...none, failOnSkip: true }).exitCode, 1);
    assert.equal(verdict([skippedShould], { ...none, failOnSkip: true }).exitCode, 0, 'a skipped SHOULD counts only with --strict');
    assert.equal(verdict([skippedShould], { ...none, failOnSkip: true, strict: true }).exitCode, 1);
    assert.equal(verdict([{ ...skippedMust, status: 'pass' }], { ...none, require: new Set(['BINDFAIL-1']) }).exitCode, 0, 'a required check that ran');
  });

  test('the outcome counts add up to the total, and name the MUSTs that did not run', () => {
    const options = { strict: false, expectedFailures: new Set(['BIND-3', 'CRASH-1']), require: new Set(['CRASH-2']) };
    const inputs = [
      { id: 'BIND-1', level: 'MUST' as const, status: 'pass' as const },
      { id: 'BIND-2', level: 'MUST' as const, status: 'skip' as const },
      { id: 'BIND-3', level: 'MUST' as const, status: 'fail' as const },
      { id: 'CRASH-1', level: 'MUST' as const, status: 'pass' as const },
      { id: 'CRASH-2', level: 'MUST' as const, status: 'skip' as const },
      { id: 'CRASH-3', level: 'MUST' as const, status: 'error' as const },
      { id: 'CRASH-4', level: 'SHOULD' as const, status: 'fail' as const },
      { id: 'BIND-4', level: 'MUST' as const, status: 'fail' as const },
    ];
    const s = summarize(inputs.map((r) => ({ ...r, outcome: outcomeOf(r, options) })));
    assert.deepEqual(
      { passed: s.passed, failed: s.failed, warnings: s.warnings, expected: s.expectedFailures, stale: s.staleExpectedFailures, skip: s.skip, error: s.error },
      { passed: 1, failed: 2, warnings: 1, expected: 1, stale: 1, skip: 1, error: 1 },
    );
    assert.equal(s.passed + s.failed + s.warnings + s.expectedFailures + s.staleExpectedFailures + s.skip + s.error, s.total);
    assert.deepEqual([s.pass, s.fail], [2, 3], 'pass and fail count statuses');
    assert.deepEqual(s.mustNotRun, ['BIND-2', 'CRASH-2']);
  });

  test('outcomeOf keeps skip and error as they are', () => {
    assert.equal(outcomeOf({ id: 'X-1', level: 'MUST', status: 'skip' }, none), 'skip');
    assert.equal(outcomeOf({ id: 'X-1', level: 'SHOULD', status: 'error' }, none), 'error');
  });
});
