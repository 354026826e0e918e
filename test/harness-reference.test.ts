/** The full suite against the bundled reference gateway, and the CLI's reports and contract. */
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { before, describe, test } from 'node:test';
import Ajv2020Module from 'ajv/dist/2020.js';
import { CATALOGUE } from '../harness/catalog.js';
import type { Report } from '../harness/report.js';
import { ROOT, assertUsageError, runCli, type CliRun } from './helpers/cli.js';

const Ajv2020 = (Ajv2020Module as unknown as { default?: typeof Ajv2020Module }).default ?? Ajv2020Module;
const work = mkdtempSync(join(tmpdir(), 'glc-reference-'));
process.on('exit', () => rmSync(work, { recursive: true, force: true }));

function validator() {
  const schema = JSON.parse(readFileSync(join(ROOT, 'spec/report.schema.json'), 'utf8'));
  return new (Ajv2020 as unknown as new (o: object) => { compile(s: object): ((d: unknown) => boolean) & { errors?: unknown } })({ strict: true, allErrors: true }).compile(schema);
}

describe('the reference gateway passes every check', () => {
  let run: CliRun;
  let report: Report;
  const json = join(work, 'report.json');
  const junit = join(work, 'report.xml');

  before(async () => {
    run = await runCli(['--concurrency', '2', '--json', json, '--junit', junit], { timeoutMs: 300_000 });
    report = JSON.parse(readFileSync(json, 'utf8'));
  });

  test('exit 0, conformant, every catalogue requirement passed', () => {
    assert.equal(run.code, 0, run.stdout + run.stderr);
    assert.equal(report.conformant, true);
    const statuses = Object.fromEntries(report.checks.map((c) => [c.id, c.status]));
    // BIND-2 may skip only when another process holds 18789 on this host.
    const expected = Object.fromEntries(CATALOGUE.requirements.map((r) => [r.id, r.id === 'BIND-2' && statuses[r.id] === 'skip' ? 'skip' : 'pass']));
    assert.deepEqual(statuses, expected);
  });

  test('the JSON report validates against spec/report.schema.json', () => {
    const validate = validator();
    assert.equal(validate(report), true, JSON.stringify(validate.errors));
    assert.equal(report.specVersion, '2025-12-11');
    assert.deepEqual(report.candidate.argv.slice(-2), ['--port', '{port}']);
  });

  test('timing checks carry p50/p95/max measurements', () => {
    const shutdown = report.checks.find((c) => c.id === 'SHUTDOWN-1')!;
    for (const key of ['release.p50', 'release.p95', 'release.max']) assert.equal(typeof shutdown.measurements[key], 'number', key);
    assert.ok(shutdown.measurements['release.p50']! <= report.options.releaseBudgetMs);
  });

  test('human output: a line per check and the verdict', () => {
    for (const r of CATALOGUE.requirements) assert.match(run.stdout, new RegExp(`^(PASS|SKIP)\\s+${r.id}\\s`, 'm'));
    assert.match(run.stdout, /^Testing the bundled reference gateway \(.*\): all \d+ checks, /, 'the first line names the candidate and the selection');
    assert.match(run.stdout, /^CONFORMANT(, 1 MUST not run: BIND-2)?\n\d+ passed, 0 failed, 0 warnings, 0 expected failures, 0 stale entries, \d skipped, 0 errors in /m);
    assert.doesNotMatch(run.stdout, /\u001b\[/, 'no colour when not a TTY');
  });

  test('JUnit: one testcase per check, no failures', () => {
    const xml = readFileSync(junit, 'utf8');
    assert.match(xml, /^<\?xml version="1.0" encoding="UTF-8"\?>\n<testsuites /);
    assert.equal(xml.match(/<testcase /g)?.length, CATALOGUE.requirements.length);
    assert.doesNotMatch(xml, /<failure/);
    // One <testsuite> per catalogue section.
    assert.equal(xml.match(/<testsuite /g)?.length, CATALOGUE.sections.length);
    assert.equal(xml.match(/<\/testsuite>/g)?.length, CATALOGUE.sections.length);
  });
});

describe('reporters and baselines on a small selection', () => {
  const only = ['--only', 'BIND-1,CONFLICT-4', '--trials', '1'];

  test('TAP 14: version line, a point per check, plan', async () => {
    const run = await runCli([...only, '--reporter', 'tap']);
    assert.equal(run.code, 0);
    // Points stream as checks end: with --concurrency > 1 in any order, numbered as they come.
    assert.match(run.stdout, /^TAP version 14\nok 1 - (BIND-1 \(MUST\)|CONFLICT-4 \(SHOULD\))[^\n]*\nok 2 - (BIND-1 \(MUST\)|CONFLICT-4 \(SHOULD\))[^\n]*\n1\.\.2\n# 2 passed, 0 failed, /);
    assert.match(run.stdout, /BIND-1/);
    assert.match(run.stdout, /CONFLICT-4/);
    assert.match(run.stderr, /^Testing the bundled reference gateway .*: 2 of \d+ checks: BIND-1, CONFLICT-4, /, 'the first line goes to stderr: TAP owns stdout');
  });

  test('Markdown: a table row per check', async () => {
    const run = await runCli([...only, '--reporter', 'markdown']);
    assert.equal(run.code, 0);
    assert.match(run.stdout, /^# Gateway lock conformance: CONFORMANT\n/);
    assert.match(run.stdout, /^\| BIND-1 \| MUST \| PASS \|/m);
    assert.match(run.stdout, /^\| CONFLICT-4 \| SHOULD \| PASS \|/m);
  });

  test('--reporter json prints the report on stdout', async () => {
    const run = await runCli([...only, '--reporter', 'json']);
    const report = JSON.parse(run.stdout) as Report;
    assert.match(run.stderr, /^Testing /, 'the first line goes to stderr: JSON owns stdout');
    assert.deepEqual(report.options.selected, ['BIND-1', 'CONFLICT-4']);
    assert.deepEqual([report.summary.passed, report.summary.failed, report.summary.warnings, report.summary.mustNotRun], [2, 0, 0, []]);
    assert.equal(validator()(report), true);
  });

  test('a baseline entry that passes is stale: exit 1', async () => {
    const baseline = join(work, 'baseline.txt');
    writeFileSync(baseline, '# known failures\nBIND-1  # was broken in 1.0\n\n');
    const run = await runCli([...only, '--expected-failures', baseline, '--reporter', 'json']);
    assert.equal(run.code, 1);
    const report = JSON.parse(run.stdout) as Report;
    assert.equal(report.checks[0]!.outcome, 'stale-expected-failure');
    assert.equal(report.summary.staleExpectedFailures, 1);
  });
});

describe('bad input: one line on stderr, exit 2', () => {
  const cases: [string, string[], RegExp][] = [
    ['unknown option', ['--bogus'], /Unknown option '--bogus'/],
    ['no such command', ['--', 'no-such-gateway-binary', '--port', '{port}'], /command not found in PATH: no-such-gateway-binary/],
    ['not executable', ['--', join(ROOT, 'README.md'), '{port}'], /command not found or not executable/],
    ['no {port}', ['--', process.execPath, 'gw.js'], /no \{port\} placeholder/],
    ['unknown placeholder', ['--', process.execPath, '{prot}', '{port}'], /unknown placeholder \{prot\}/],
    ['bad number', ['--trials', 'many'], /--trials takes a number, got 'many'/],
    ['zero trials', ['--trials', '0'], /--trials must be a positive integer/],
    ['bad reporter', ['--reporter', 'xml'], /--reporter must be one of spec, tap, json, markdown/],
    ['selection matches nothing', ['--only', 'NOPE-9'], /--only matches no requirement: NOPE-9/],
    ['everything skipped', ['--skip', '*'], /the selection matches no check/],
    ['bad --env', ['--env', 'NOVALUE'], /--env takes K=V/],
    ['missing baseline file', ['--expected-failures', '/nonexistent/baseline'], /cannot read --expected-failures/],
    ['positional without --', ['my-gateway'], /put the gateway command after '--'/],
    ['bad cwd', ['--cwd', '/nonexistent-dir'], /--cwd is not a directory/],
    // Input that would turn a red run green: an empty variable is no selection and no command.
    ['--only with an empty value', ['--only', ''], /--only takes check IDs or globs \(e\.g\. --only BIND-1,CRASH-\*\), got ''$/],
    ['--only with only a comma', ['--only', ','], /--only takes check IDs or globs .*, got ','$/],
    ['--skip with an empty value', ['--skip', ''], /--skip takes check IDs or globs .*, got ''$/],
    ['--require with an empty value', ['--require', ' '], /--require takes check IDs or globs .*, got ' '$/],
    ['nothing after --', ['--only', 'BIND-1', '--'], /nothing after '--': give the gateway command .*; leave out '--' to test the bundled reference gateway$/],
    ['an empty command after --', ['--', '', '--port', '{port}'], /the gateway command after '--' is empty/],
    ['--require a check not selected', ['--only', 'BIND-1', '--require', 'BIND-2'], /--require names checks the selection leaves out: BIND-2$/],
    ['--require an unknown check', ['--require', 'NOPE-1'], /--require matches no requirement: NOPE-1$/],
    // Report files are checked (and created) before the first check, not after the run.
    ['--json in a missing directory', ['--json', '/nonexistent-dir/report.json'], /--json \/nonexistent-dir\/report\.json: directory \/nonexistent-dir does not exist$/],
    ['--junit that is a directory', ['--junit', tmpdir()], /--junit .* is a directory$/],
    ['--json under a file', ['--json', `${join(ROOT, 'README.md')}/report.json`], /README\.md is not a directory$/],
    ['--json that cannot be created', ['--json', '/proc/glc-report.json'], /cannot write --json \/proc\/glc-report\.json: ENOENT$/],
    ['--json with an empty name', ['--json', ''], /--json takes a file name, got ''$/],
    ['--json and --junit on one file', ['--json', join(work, 'same.out'), '--junit', join(work, 'same.out')], /--json and --junit name the same file/],
  ];
  for (const [name, args, message] of cases) {
    test(name, async () => {
      const run = await runCli(args, { timeoutMs: 30_000 });
      assertUsageError(run, message);
      assert.match(run.stderr, /^gateway-lock-conformance: /);
      assert.equal(run.stdout, '');
    });
  }

  test('--help, --version and --list exit 0 without running anything', async () => {
    const help = await runCli(['--help']);
    assert.equal(help.code, 0);
    assert.match(help.stdout, /^Usage: gateway-lock-conformance \[options\] -- <command>/);
    const version = await runCli(['--version']);
    assert.match(version.stdout, /^gateway-lock-conformance \d+\.\d+\.\d+ \(spec 2025-12-11\)\n$/);
    const list = await runCli(['--list', '--only', 'CRASH-*']);
    assert.deepEqual(list.stdout.trim().split('\n').map((l) => l.split(/\s+/).slice(0, 2).join(' ')), ['CRASH-1 MUST', 'CRASH-2 MUST', 'CRASH-3 MUST', 'CRASH-4 SHOULD']);
  });
});
