/**
 * compare on synthetic reports: the matrix (a column per report, a row per ID, key measurements),
 * runs of one build diffed with regressions first, and the three formats; then the real-builds
 * matrix over a saved real report.
 */
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, test } from 'node:test';
import { summarize, verdictOfOutcomes } from '../harness/judge/verdict.js';
import type { CheckResult, Report, Status } from '../harness/report.js';
import { compareHtml } from '../harness/reporters/compare-html.js';
import { compareJson, compareMarkdown, compareReports } from '../harness/reporters/compare.js';
import { realBuildsMatrix } from '../real-builds/matrix.js';
import { ROOT } from './helpers/cli.js';
import { reportHeader, syntheticResult } from './helpers/report.js';

const result = (id: string, status: Status, measurements: Record<string, number> = {}, baseline: string[] = []): CheckResult =>
  syntheticResult(id, status, { strict: false, expectedFailures: new Set(baseline) }, { measurements });

function report(argv: string[], checks: CheckResult[], env: Record<string, string> = {}): Report {
  const exitCode = verdictOfOutcomes(checks.map((c) => c.outcome)).exitCode;
  return {
    ...reportHeader({ selected: checks.map((c) => c.id) }),
    candidate: { argv, cwd: '/w', env },
    startedAt: '2026-12-01T09:00:00.000Z',
    durationMs: 60_000,
    spawns: 20,
    conformant: exitCode === 0,
    exitCode,
    summary: summarize(checks),
    checks,
  };
}

const GW = ['gw', '--port', '{port}'];
const before = report(GW, [
  result('BIND-1', 'pass', { startup: 300 }),
  result('BIND-5', 'pass', { 'startup.p50': 300 }),
  result('CONFLICT-3', 'fail', { 'isolatedProfile.bindToExit': 2000, 'foreignOccupier.bindToExit': 1500 }),
  result('SHUTDOWN-1', 'pass', { 'release.p50': 20 }),
]);
const after = report(GW, [
  result('BIND-1', 'fail'),
  result('BIND-5', 'pass', { 'startup.p50': 900 }),
  result('CONFLICT-3', 'pass', { 'isolatedProfile.bindToExit': 10 }),
  result('SHUTDOWN-1', 'error'),
]);
const other = report(['other-gw', '{port}'], [result('BIND-1', 'pass'), result('CRASH-4', 'fail')]);

describe('compare', () => {
  test('a column per report, a row per ID seen (catalogue order), the key measurements', () => {
    const c = compareReports([{ label: 'a', report: before }, { label: 'b', report: other }]);
    assert.deepEqual(c.ids, ['BIND-1', 'BIND-5', 'CONFLICT-3', 'CRASH-4', 'SHUTDOWN-1']);
    assert.deepEqual(c.builds.map((b) => b.label), ['a', 'b']);
    assert.equal(c.builds[0]!.measurements['CONFLICT-3 exit after failing bind, max'], 2000, 'the worst conflict path');
    assert.equal(c.builds[0]!.measurements['SHUTDOWN-1 release p50'], 20);
    assert.deepEqual(c.changes, [], 'different builds are not diffed');
    const md = compareMarkdown(c);
    assert.match(md, /^\| \| a \| b \|$/m);
    assert.match(md, /^\| CRASH-4 \| · \| ⚠ WARN \|$/m, 'not run, and a SHOULD failure');
    assert.match(md, /^\| CONFLICT-3 \| ✗ FAIL \| · \|$/m);
    assert.match(md, /^\| \*\*verdict\*\* \| ✗ NOT CONFORMANT \| ✓ CONFORMANT \|$/m);
    assert.match(md, /^\| SHUTDOWN-1 release p50 \| 20 ms \| {2}\|$/m);
  });

  test('two runs of one build: regressions first, then other changes, slower, fixed', () => {
    const c = compareReports([{ label: 'monday', report: before }, { label: 'other', report: other }, { label: 'tuesday', report: after }]);
    assert.equal(c.regressions, 2);
    assert.deepEqual(
      c.changes.map((ch) => [ch.kind, ch.subject, ch.before, ch.after, ch.from, ch.to]),
      [
        ['regression', 'BIND-1', 'PASS', 'FAIL', 'monday', 'tuesday'],
        ['regression', 'SHUTDOWN-1', 'PASS', 'ERROR', 'monday', 'tuesday'],
        ['slower', 'BIND-5 spawn to LISTEN p50', '300 ms', '900 ms', 'monday', 'tuesday'],
        ['fixed', 'CONFLICT-3', 'FAIL', 'PASS', 'monday', 'tuesday'],
        ['faster', 'CONFLICT-3 exit after failing bind, max', '2000 ms', '10 ms', 'monday', 'tuesday'],
      ],
    );
    assert.match(compareMarkdown(c), /### Changes between runs of one build \(2 regressions\)\n\n- \*\*regression\*\*: BIND-1 PASS → FAIL \(monday → tuesday\)\n/);
  });

  test('the same argv with another --env is another build; a baseline change alone is no regression', () => {
    const tmp = report(GW, before.checks, { TMPDIR: '/tmp/x' });
    assert.deepEqual(compareReports([{ label: 'a', report: before }, { label: 'b', report: tmp }]).changes, []);
    const baselined = report(GW, [result('CONFLICT-3', 'fail', {}, ['CONFLICT-3'])]);
    const c = compareReports([{ label: 'a', report: before }, { label: 'b', report: baselined }]);
    assert.deepEqual(c.changes.filter((ch) => ch.subject === 'CONFLICT-3').map((ch) => [ch.kind, ch.before, ch.after]), [['changed', 'FAIL', 'XFAIL']]);
    assert.equal(c.regressions, 0);
  });

  test('JSON has every column and change; HTML links each cell to its check in the report\'s page', () => {
    const c = compareReports([{ label: 'monday', report: before, htmlHref: 'monday.html' }, { label: 'tuesday', report: after }]);
    const json = JSON.parse(compareJson(c));
    assert.equal(json.comparisonVersion, 1);
    assert.equal(json.regressions, 2);
    assert.deepEqual(json.builds[1].outcomes, { 'BIND-1': 'fail', 'BIND-5': 'pass', 'CONFLICT-3': 'pass', 'SHUTDOWN-1': 'error' });
    const page = compareHtml(c);
    assert.match(page, /^<!doctype html>/);
    assert.match(page, /<a href="monday\.html#check-BIND-1"><span class="o o-pass" title="PASS"><span aria-hidden="true">✓<\/span><span class="sr">PASS<\/span><\/span><\/a>/);
    assert.doesNotMatch(page, /href="[^"]*tuesday/, 'no page, no link');
    assert.match(page, /<li class="regression"><strong>regression<\/strong>: BIND-1 PASS → FAIL/);
  });

  test('labels and commands are escaped in the HTML', () => {
    const evil = report(['<script>x</script>', '{port}'], [result('BIND-1', 'pass')]);
    const page = compareHtml(compareReports([{ label: '<b>', report: evil }]));
    assert.doesNotMatch(page, /<script>|<b>/);
  });
});

test('the real-builds matrix over a saved real report: its expected failures, its measurements and cost', () => {
  const openclaw = JSON.parse(readFileSync(join(ROOT, 'test/data/openclaw-default.json'), 'utf8')) as Report;
  const md = realBuildsMatrix([{ label: 'openclaw-default', report: openclaw }]);
  for (const id of ['CONFLICT-2', 'CONFLICT-3', 'CONFLICT-4', 'CRASH-4']) assert.match(md, new RegExp(`^\\| ${id} \\| ✗ XFAIL \\|$`, 'm'));
  assert.match(md, /^\| SHUTDOWN-1 release p50 \| 60\.1 ms \|$/m);
  assert.match(md, /^\| CONFLICT-3 exit after failing bind, max \| 10\.8 s \|$/m);
  assert.match(md, /^\| spawns \| 34 \|$/m);
  assert.match(md, /^\| startup-equivalents \| 18\.8 \|$/m);
});
