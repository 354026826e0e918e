import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { closestLine, findBindFailure, findLockMessage, findTypedLine, lockMessage, markDifference } from '../harness/judge/messages.js';
import { outcomeOf, verdict } from '../harness/judge/verdict.js';

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

  test('the closest line marks the part that differs', () => {
    const near = closestLine('starting\nError: another gateway instance is already listening on ws://localhost:24000\n', lockMessage(24000));
    assert.equal(near, 'another gateway instance is already listening on ws://⟦localhost⟧:24000');
    assert.equal(closestLine('nothing alike here\n', lockMessage(24000)), undefined);
  });

  test('markDifference leaves identical text unmarked', () => {
    assert.equal(markDifference('abc', 'abc'), 'abc');
    assert.equal(markDifference('abcdef', 'abXYef'), 'ab⟦XY⟧ef');
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

  test('outcomeOf keeps skip and error as they are', () => {
    assert.equal(outcomeOf({ id: 'X-1', level: 'MUST', status: 'skip' }, none), 'skip');
    assert.equal(outcomeOf({ id: 'X-1', level: 'SHOULD', status: 'error' }, none), 'error');
  });
});
