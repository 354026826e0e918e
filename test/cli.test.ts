/**
 * The CLI's run contract beyond bad input (harness-reference.test.ts has the usage errors): the
 * first line, verdicts that name MUSTs that did not run, --require and --fail-on-skip, partial
 * reports on SIGTERM, --verbose, and live progress on a terminal (a pseudo-terminal from script).
 */
import assert from 'node:assert/strict';
import { spawn, spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, test } from 'node:test';
import Ajv2020Module from 'ajv/dist/2020.js';
import type { Report } from '../harness/report.js';
import { CLI, MISBEHAVE, REFERENCE, ROOT, commandLine, killLeftovers, processesWith, runCli, uniqueMarker } from './helpers/cli.js';

const Ajv2020 = (Ajv2020Module as unknown as { default?: typeof Ajv2020Module }).default ?? Ajv2020Module;
const work = mkdtempSync(join(tmpdir(), 'glc-cli-'));
process.on('exit', () => rmSync(work, { recursive: true, force: true }));

function validator() {
  const schema = JSON.parse(readFileSync(join(ROOT, 'spec/report.schema.json'), 'utf8'));
  return new (Ajv2020 as unknown as new (o: object) => { compile(s: object): ((d: unknown) => boolean) & { errors?: unknown } })({ strict: true, allErrors: true }).compile(schema);
}

/** A command whose {port} is not a --port option: BIND-2 skips at once ("no command without a port"). */
const BIND2_SKIPS = ['--no-warmup', '--only', 'BIND-2', '--', 'sh', '-c', 'exec "$1" "$2" --port "$0"', '{port}', process.execPath, REFERENCE];

describe('verdict lines and exit codes', () => {
  test('the first line names the candidate and the selection', async () => {
    const run = await runCli(BIND2_SKIPS);
    assert.equal(run.stdout.split('\n')[0], `Testing sh -c 'exec "$1" "$2" --port "$0"' {port} ${process.execPath} ${REFERENCE}: 1 of 21 checks: BIND-2, 5 trials per timed check (spec 2025-12-11)`);
  });

  test('a skipped MUST is named in the verdict line; the run stays conformant (exit 0)', async () => {
    const json = join(work, 'skip.json');
    const run = await runCli([...BIND2_SKIPS.slice(0, 3), '--json', json, ...BIND2_SKIPS.slice(3)]);
    assert.equal(run.code, 0, run.stderr);
    assert.match(run.stdout, /^CONFORMANT, 1 MUST not run: BIND-2\n0 passed, 0 failed, 0 warnings, 0 expected failures, 0 stale entries, 1 skipped, 0 errors in /m);
    const report = JSON.parse(readFileSync(json, 'utf8')) as Report;
    assert.deepEqual(report.summary.mustNotRun, ['BIND-2']);
  });

  test('--require ID: a skip of it fails the run (exit 1), counted as failed', async () => {
    const run = await runCli(['--require', 'BIND-2', ...BIND2_SKIPS]);
    assert.equal(run.code, 1, run.stdout);
    assert.match(run.stdout, /^FAIL {2}BIND-2 /m, 'the live line says what the summary says');
    assert.match(run.stdout, /^NOT CONFORMANT: failed BIND-2; 1 MUST not run: BIND-2\n0 passed, 1 failed, 0 warnings, 0 expected failures, 0 stale entries, 0 skipped, 0 errors in /m);
  });

  test('--fail-on-skip: a skipped MUST fails the run (exit 1)', async () => {
    const run = await runCli(['--fail-on-skip', '--reporter', 'json', ...BIND2_SKIPS]);
    assert.equal(run.code, 1);
    const report = JSON.parse(run.stdout) as Report;
    assert.deepEqual([report.exitCode, report.checks[0]!.status, report.checks[0]!.outcome, report.summary.failed], [1, 'skip', 'fail', 1]);
    assert.equal(report.options.failOnSkip, true);
    assert.equal(validator()(report), true);
  });
});

describe('SIGTERM and Ctrl-C: a partial report in every requested file, exit 2', () => {
  for (const signal of ['SIGTERM', 'SIGINT'] as const) {
    test(signal, async (t) => {
      const marker = uniqueMarker(`partial-${signal}`);
      t.after(() => killLeftovers(marker));
      const json = join(work, `${marker}.json`);
      const junit = join(work, `${marker}.xml`);
      let harnessPid = 0;
      const running = runCli(
        // Serve (BIND-1) and bind failures (BINDFAIL-1) weigh the same: catalogue order, BIND-1 first.
        ['--no-warmup', '--concurrency', '1', '--only', 'BIND-1,BINDFAIL-1', '--json', json, '--junit', junit, '--', process.execPath, MISBEHAVE, 'never-binds', '--port', '{port}', '--marker', marker],
        { onSpawn: (pid) => (harnessPid = pid), timeoutMs: 60_000 },
      );
      const deadline = Date.now() + 10_000;
      while (!processesWith(marker).some((pid) => pid !== harnessPid && !commandLine(pid).includes(CLI)) && Date.now() < deadline) await new Promise((r) => setTimeout(r, 20));
      assert.equal(readFileSync(json, 'utf8'), '', 'the report file exists (empty) once the first check runs');
      process.kill(harnessPid, signal);
      const run = await running;
      assert.equal(run.code, 2, run.stderr);
      assert.match(run.stderr, /interrupted while running BIND-1; every candidate process was ended; partial report written to /);
      assert.match(run.stdout, new RegExp(`^INTERRUPTED by ${signal} while running BIND-1; not started: BINDFAIL-1$`, 'm'));
      const report = JSON.parse(readFileSync(json, 'utf8')) as Report;
      assert.deepEqual(report.interrupted, { signal, running: ['BIND-1'], notStarted: ['BINDFAIL-1'] });
      assert.deepEqual([report.exitCode, report.conformant], [2, false]);
      assert.deepEqual(report.checks.map((c) => [c.id, c.status, c.outcome]), [['BIND-1', 'error', 'error']]);
      assert.match(report.checks[0]!.message, new RegExp(`^interrupted by ${signal} after `));
      const validate = validator();
      assert.equal(validate(report), true, JSON.stringify(validate.errors));
      const xml = readFileSync(junit, 'utf8');
      assert.match(xml, /<error type="error" message="interrupted by /);
      if (process.env.JUNIT_XSD && spawnSync('xmllint', ['--version']).status === 0) {
        const lint = spawnSync('xmllint', ['--noout', '--schema', process.env.JUNIT_XSD, junit], { encoding: 'utf8' });
        assert.equal(lint.status, 0, lint.stderr);
      }
      assert.deepEqual(processesWith(marker), []);
    });
  }
});

describe('progress and steps', () => {
  // Five trials each way: long enough (over a second) for the progress line to be redrawn.
  const shutdown = ['--only', 'SHUTDOWN-1', '--trials', '5', '--no-early-stop'];

  test('--verbose prints each step to stderr, in the GLC_TRACE format; stdout is unchanged', async () => {
    const verbose = await runCli(['--verbose', ...shutdown]);
    assert.equal(verbose.code, 0, verbose.stderr);
    assert.match(verbose.stderr, /^\[trace\] SHUTDOWN-1 [\d.]+ ms spawn candidate #1: pid \d+ on port \d+$/m);
    assert.match(verbose.stderr, /^\[trace\] warm-up [\d.]+ ms spawn warm-up: /m);
    assert.doesNotMatch(verbose.stdout, /\[trace\]/);
    const traced = await runCli(shutdown, { env: { GLC_TRACE: '1' } });
    assert.match(traced.stderr, /^\[trace\] SHUTDOWN-1 [\d.]+ ms spawn candidate #1: /m, 'GLC_TRACE prints the same lines');
  });

  test('off a terminal: nothing but the report on stdout', async () => {
    const run = await runCli(shutdown);
    assert.equal(run.code, 0);
    assert.doesNotMatch(run.stdout, /\r|\u001b\[K/);
    assert.match(run.stdout, /^PASS {2}SHUTDOWN-1 /m);
  });

  const hasScript = spawnSync('script', ['--version']).status === 0;
  test('on a terminal: a progress line, overwritten in place, then the result line', { skip: hasScript ? false : 'script (util-linux) not installed', timeout: 60_000 }, async () => {
    const command = [process.execPath, CLI, ...shutdown].map((w) => `'${w}'`).join(' ');
    // script gives the CLI a pseudo-terminal as stdout; NO_COLOR leaves colours off, not progress.
    const { GLC_TRACE: _trace, ...env } = process.env; // tracing replaces the progress line
    const child = spawn('script', ['-qfec', command, '/dev/null'], { stdio: ['ignore', 'pipe', 'pipe'], env: { ...env, NO_COLOR: '1' } });
    let out = '';
    child.stdout.setEncoding('utf8').on('data', (d: string) => (out += d));
    const code = await new Promise<number | null>((resolve) => child.once('close', resolve));
    assert.equal(code, 0, out);
    // Led by the starts made of those planned, and the time left once a start was measured.
    assert.match(out, /\r\u001b\[K\[\d+ of \d+ starts(?:, about [\d a-z]+ left)?\] SHUTDOWN-1 \d+ s: /, `a progress line: ${JSON.stringify(out)}`);
    const frames = out.split('\r\u001b[K').filter((f) => /^\[[^\]]*\] SHUTDOWN-1 \d+ s: /.test(f));
    assert.ok(frames.length >= 2, `overwritten at least once: ${JSON.stringify(frames)}`);
    assert.match(out, /\r\u001b\[KPASS {2}SHUTDOWN-1 /, 'the line is cleared before the result line');
    assert.match(out, /^CONFORMANT\r?$/m);
    assert.doesNotMatch(out, /\u001b\[3\dm/, 'no colour with NO_COLOR');
  });
});

test('--dry-run prints the plan and starts nothing', async () => {
  const marker = uniqueMarker('dry-run');
  const run = await runCli(['--dry-run', '--', process.execPath, REFERENCE, '--port', '{port}', '--state-dir', `{stateDir}/${marker}`]);
  assert.equal(run.code, 0, run.stderr);
  assert.match(run.stdout, /^Plan: shared planning, 5 trials at most per timed check/);
  assert.match(run.stdout, /^ {2}SIGTERM stops +3-5 {2}BIND-4, SHUTDOWN-1, SHUTDOWN-4, SHUTDOWN-5$/m);
  assert.match(run.stdout, /^ {2}default port +1 {2}BIND-2 {2}\(alone\)$/m);
  assert.match(run.stdout, /^ {2}artefacts +2 {2}CRASH-4 {2}\(alone\)$/m);
  assert.match(run.stdout, /^ {2}first gateway and conflicts +10-14 {2}BIND-1, BIND-3, BIND-4, CONFLICT-1, CONFLICT-2, CONFLICT-3, CONFLICT-4, ISOLATION-1$/m);
  assert.match(run.stdout, /^8 scenario runs: 28-38 candidate processes\. Nothing was started \(--dry-run\)\.$/m);
  assert.deepEqual(processesWith(marker), [], 'nothing was spawned');
  const fixed = await runCli(['--dry-run', '--no-early-stop', '--only', 'SHUTDOWN-1']);
  assert.match(fixed.stdout, /^ {2}SIGTERM stops +5 {2}SHUTDOWN-1$/m);
});

test('every option in --help is in the spec\'s Options table and the README\'s options table', async () => {
  const help = await runCli(['--help']);
  const flags = [...new Set([...help.stdout.matchAll(/^ {2}(?:-\w, )?(--[a-z-]+)/gm)].map((m) => m[1]!))];
  assert.ok(flags.length > 20, flags.join(' '));
  const spec = readFileSync(join(ROOT, 'spec/gateway-lock.md'), 'utf8');
  const options = spec.slice(spec.indexOf('### Options'), spec.indexOf('### Statuses'));
  const readme = readFileSync(join(ROOT, 'README.md'), 'utf8');
  const table = readme.slice(readme.indexOf('| Option | Meaning |'), readme.indexOf('Exit codes:'));
  const inReadme = (flag: string) => table.includes(`\`${flag}`) || table.includes(`${flag}\``) || table.includes(` ${flag} `);
  assert.deepEqual(flags.filter((f) => !options.includes(`\`${f}`)), [], 'missing from spec/gateway-lock.md Options');
  assert.deepEqual(flags.filter((f) => !['--help', '--version'].includes(f) && !inReadme(f)), [], 'missing from the README options table');
});
