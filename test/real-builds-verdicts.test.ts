/**
 * The real-builds verdict table (real-builds/verdicts.ts): seed and own-revision verdicts side by
 * side, each against its truth; and the real builds' recipes: each names a known revision, and each
 * truth file lists only IDs of the revision it is for.
 */
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import { DEFAULT_REVISION, revision } from '../harness/catalog.js';
import { table, verdictRows, type Column } from '../real-builds/verdicts.js';
import { ROOT } from './helpers/cli.js';

const check = (id: string, status: string, level = 'MUST') => ({ id, level, status });
const replacesOf = (id: string) => new Map(revision(id).requirements.flatMap((r) => (r.replaces ? [[r.id, r.replaces] as const] : [])));

test('a changed requirement shares the row of the one it replaces; a new one has a row with no seed verdict', () => {
  const seed: Column = { label: 'seed 2025-12-11', checks: [check('BIND-1', 'pass'), check('CONFLICT-2', 'fail')], truth: new Set(['CONFLICT-2']) };
  const own: Column = {
    label: 'own file-lock-2026-02',
    checks: [check('BIND-1', 'pass'), check('CONFLICT-2F', 'pass'), check('FILELOCK-4', 'fail', 'SHOULD')],
    truth: new Set(['FILELOCK-4']),
  };
  assert.deepEqual(verdictRows([seed, own], replacesOf('file-lock-2026-02')), [
    ['ID', 'level', 'seed 2025-12-11', '= truth', 'own file-lock-2026-02', '= truth'],
    ['BIND-1', 'MUST', 'pass', 'yes', 'pass', 'yes'],
    ['CONFLICT-2 / CONFLICT-2F', 'MUST', 'fail', 'yes', 'pass', 'yes'],
    ['FILELOCK-4', 'SHOULD', '-', '-', 'fail', 'yes'],
  ]);
});

test('a verdict that differs from the truth says so, with the truth', () => {
  const own: Column = { label: 'own openclaw-2026.9', checks: [check('LAYER-2', 'pass'), check('LAYER-6', 'fail', 'SHOULD')], truth: new Set(['LAYER-2']) };
  assert.deepEqual(verdictRows([own], replacesOf('openclaw-2026.9')).slice(1), [
    ['LAYER-2', 'MUST', 'pass', 'NO (truth: fail)'],
    ['LAYER-6', 'SHOULD', 'fail', 'NO (truth: pass)'],
  ]);
});

test('the own revision alone: its IDs in its order, a changed one under its own name', () => {
  const own: Column = { label: 'own openclaw-2026.9', checks: [check('CONFLICT-3L', 'pass'), check('CRASH-4L', 'fail', 'SHOULD')], truth: new Set(['CRASH-4L']) };
  assert.deepEqual(verdictRows([own], replacesOf('openclaw-2026.9')).map((row) => row[0]), ['ID', 'CONFLICT-3L', 'CRASH-4L']);
});

test('the table pads its columns', () => {
  assert.equal(table([['ID', 'v'], ['BIND-1', 'pass']]), 'ID     | v\nBIND-1 | pass\n');
});

for (const build of ['clawdbot', 'openclaw']) {
  test(`${build}: its build.env names a revision, and each truth file lists only that revision's IDs`, () => {
    const own = /^REVISION=(\S+)$/m.exec(readFileSync(join(ROOT, 'real-builds', build, 'build.env'), 'utf8'))?.[1];
    assert.ok(own && own !== DEFAULT_REVISION, 'a REVISION other than the seed');
    for (const [spec, file] of [[DEFAULT_REVISION, 'expected-failures.txt'], [own, `expected-failures.${own}.txt`]] as const) {
      const lines = readFileSync(join(ROOT, 'real-builds', build, file), 'utf8').split('\n').filter((line) => line.replace(/#.*/, '').trim());
      const ids = new Set(revision(spec).requirements.map((r) => r.id));
      for (const line of lines) {
        assert.ok(ids.has(line.replace(/#.*/, '').trim()), `${file}: ${line} is an ID of ${spec}`);
        assert.match(line, /#\s*\S/, `${file}: ${line} says why`);
      }
    }
  });
}
