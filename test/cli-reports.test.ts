/**
 * Reports from the command line: reporters paired with destinations as node --test pairs them
 * (one run, spec on the terminal and JUnit, HTML, JSON and Markdown in files), `report` re-rendering
 * a saved report with every reporter, `compare` with its exit code, and their usage errors.
 */
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, test } from 'node:test';
import { Parser } from 'tap-parser';
import type { Report } from '../harness/report.js';
import { ROOT, assertUsageError, runCli } from './helpers/cli.js';

const work = mkdtempSync(join(tmpdir(), 'glc-cli-reports-'));
process.on('exit', () => rmSync(work, { recursive: true, force: true }));
const OPENCLAW = join(ROOT, 'test/data/openclaw-default.json');
const QUICK = ['--only', 'BIND-1', '--no-warmup'];

function tapOk(text: string): { ok: boolean; count: number } {
  let final: { ok: boolean; count: number } | undefined;
  const parser = new Parser((r) => (final = r as unknown as typeof final));
  parser.end(text);
  return final!;
}

describe('reporters and destinations in one run', () => {
  test('spec on stdout, JUnit, HTML, JSON and Markdown in files', async () => {
    const f = (name: string) => join(work, name);
    const run = await runCli([
      ...QUICK,
      '--reporter', 'spec', '--reporter-destination', 'stdout',
      '--reporter', 'junit', '--reporter-destination', f('one.xml'),
      '--html', f('one.html'), '--json', f('one.json'), '--markdown', f('summary.md'),
    ]);
    assert.equal(run.code, 0, run.stderr);
    assert.match(run.stdout, /^Testing the bundled reference gateway .*\nPASS {2}BIND-1 /);
    assert.match(run.stdout, /^CONFORMANT$/m);
    const report = JSON.parse(readFileSync(f('one.json'), 'utf8')) as Report;
    assert.deepEqual(report.checks.map((c) => c.id), ['BIND-1']);
    assert.equal(readFileSync(f('one.xml'), 'utf8').match(/<testcase /g)?.length, 1);
    assert.match(readFileSync(f('one.html'), 'utf8'), /^<!doctype html>[\s\S]*<th scope="row"><a href="#check-BIND-1">BIND-1<\/a><\/th>/);
    assert.match(readFileSync(f('summary.md'), 'utf8'), /^# Gateway lock conformance: CONFORMANT\n/);
  });

  test('a machine reporter on stderr leaves stdout empty; TAP in a file parses', async () => {
    const tap = join(work, 'run.tap');
    const run = await runCli([...QUICK, '--reporter', 'json', '--reporter-destination', 'stderr', '--reporter', 'tap', '--reporter-destination', tap]);
    assert.equal(run.code, 0, run.stderr);
    assert.equal(run.stdout, '');
    assert.match(run.stderr, /"schemaVersion": 2/);
    const parsed = tapOk(readFileSync(tap, 'utf8'));
    assert.deepEqual([parsed.ok, parsed.count], [true, 1]);
    assert.doesNotMatch(readFileSync(tap, 'utf8'), /^Testing /m, 'the human first line is not in the TAP file');
  });

  test('--reporter NAME alone still writes to stdout', async () => {
    const run = await runCli([...QUICK, '--reporter', 'tap']);
    assert.equal(run.code, 0, run.stderr);
    assert.equal(tapOk(run.stdout).ok, true);
  });
});

describe('report FILE.json: a saved report with any reporter', () => {
  const saved = readFileSync(OPENCLAW, 'utf8');

  test('json gives the report back; spec, tap, junit, markdown and html tell its verdict', async () => {
    const json = await runCli(['report', OPENCLAW, '--reporter', 'json']);
    assert.equal(json.code, 0, json.stderr);
    assert.deepEqual(JSON.parse(json.stdout), JSON.parse(saved));
    const spec = await runCli(['report', OPENCLAW]);
    assert.match(spec.stdout, /^XFAIL CONFLICT-3 /m);
    assert.match(spec.stdout, /^CONFORMANT\n17 passed, 0 failed, 0 warnings, 4 expected failures, 0 stale entries, 0 skipped, 0 errors in 269\.5 s/m);
    const tap = await runCli(['report', OPENCLAW, '--reporter', 'tap']);
    assert.deepEqual([tapOk(tap.stdout).ok, tapOk(tap.stdout).count], [true, 21]);
    const junit = await runCli(['report', OPENCLAW, '--reporter', 'junit']);
    assert.equal(junit.stdout.match(/<testcase /g)?.length, 21);
    assert.equal(junit.stdout.match(/<skipped type="expected-failure"/g)?.length, 4);
    const markdown = await runCli(['report', OPENCLAW, '--reporter', 'markdown']);
    assert.match(markdown.stdout, /^## CONFLICT-3: /m);
    const page = join(work, 'openclaw.html');
    const html = await runCli(['report', OPENCLAW, '--html', page, '--reporter', 'spec', '--reporter-destination', join(work, 'openclaw.txt')]);
    assert.equal(html.code, 0, html.stderr);
    assert.equal(html.stdout, '');
    assert.match(readFileSync(page, 'utf8'), /<details class="check tolerated" id="check-CONFLICT-3" open>/);
    assert.match(readFileSync(join(work, 'openclaw.txt'), 'utf8'), /^CONFORMANT$/m);
  });
});

describe('compare', () => {
  const base = JSON.parse(readFileSync(OPENCLAW, 'utf8')) as Report;
  const regressed = structuredClone(base);
  const bind1 = regressed.checks.find((c) => c.id === 'BIND-1')!;
  Object.assign(bind1, { status: 'fail', outcome: 'fail', message: 'never listened' });
  const a = join(work, 'monday.json');
  const b = join(work, 'tuesday.json');
  writeFileSync(a, JSON.stringify(base));
  writeFileSync(b, JSON.stringify(regressed));

  test('a regression is flagged; exit 1 only with --fail-on-regression', async () => {
    const plain = await runCli(['compare', a, b]);
    assert.equal(plain.code, 0, plain.stderr);
    assert.match(plain.stdout, /^\| \| monday \| tuesday \|$/m);
    assert.match(plain.stdout, /^- \*\*regression\*\*: BIND-1 PASS → FAIL \(monday → tuesday\)$/m);
    assert.match(plain.stderr, /1 regression \(pass to fail\)/);
    const gate = await runCli(['compare', '--fail-on-regression', a, b]);
    assert.equal(gate.code, 1);
    const fine = await runCli(['compare', '--fail-on-regression', b, b]);
    assert.equal(fine.code, 0, 'the same report twice: no change');
  });

  test('--format html --output links cells to the reports\' pages beside them; --format json', async () => {
    writeFileSync(join(work, 'monday.html'), '<!doctype html>');
    const out = join(work, 'matrix.html');
    const html = await runCli(['compare', a, b, '--format', 'html', '--output', out]);
    assert.equal(html.code, 0, html.stderr);
    const page = readFileSync(out, 'utf8');
    assert.match(page, /<a href="monday\.html#check-CONFLICT-3">/);
    assert.doesNotMatch(page, /tuesday\.html/);
    const json = await runCli(['compare', a, b, '--format', 'json']);
    assert.deepEqual(JSON.parse(json.stdout).builds.map((x: { label: string }) => x.label), ['monday', 'tuesday']);
  });
});

describe('bad input: one line on stderr, exit 2', () => {
  const notReport = join(work, 'not-a-report.json');
  writeFileSync(notReport, '{"schemaVersion": 1}');
  const cases: [string, string[], RegExp][] = [
    ['an unknown reporter', ['--reporter', 'xml'], /--reporter must be one of spec, tap, json, markdown, junit, html, got 'xml'$/],
    ['two reporters without destinations', ['--reporter', 'spec', '--reporter', 'tap'], /several --reporter need a --reporter-destination each/],
    ['unpaired destinations', ['--reporter', 'tap', '--reporter-destination', 'a', '--reporter-destination', 'b'], /1 --reporter but 2 --reporter-destination: pair each/],
    ['a destination without a reporter', ['--reporter-destination', 'x.xml'], /--reporter-destination without --reporter/],
    ['two reporters on stdout', ['--reporter', 'spec', '--reporter-destination', 'stdout', '--reporter', 'tap', '--reporter-destination', 'stdout'], /spec and tap both write to stdout/],
    ['a reporter and a shorthand on one file', ['--reporter', 'junit', '--reporter-destination', join(work, 'x.out'), '--html', join(work, 'x.out')], /--reporter-destination and --html name the same file/],
    ['--html in a missing directory', ['--html', '/nonexistent-dir/r.html'], /--html \/nonexistent-dir\/r\.html: directory \/nonexistent-dir does not exist$/],
    ['--markdown with an empty name (an unset $GITHUB_STEP_SUMMARY)', ['--markdown', ''], /--markdown takes a file name, got ''$/],
    ['report without a file', ['report'], /report takes one saved JSON report, got none$/],
    ['report of a missing file', ['report', '/nonexistent.json'], /cannot read \/nonexistent\.json: ENOENT$/],
    ['report of something else', ['report', notReport], /not-a-report\.json is not a gateway-lock-conformance report \(schemaVersion is 1, not 2\)/],
    ['report with an unknown option', ['report', OPENCLAW, '--bogus'], /report: Unknown option '--bogus'/],
    ['compare without files', ['compare'], /compare takes saved JSON reports/],
    ['compare in an unknown format', ['compare', OPENCLAW, '--format', 'pdf'], /--format must be one of markdown, html, json, got 'pdf'$/],
  ];
  for (const [name, args, message] of cases) {
    test(name, async () => {
      const run = await runCli(args, { timeoutMs: 30_000 });
      assertUsageError(run, message);
      assert.equal(run.stdout, '');
    });
  }
});
