/**
 * Every reporter tells the same verdict with the same counts, checked by real consumers: TAP with
 * tap-parser, JUnit against the Jenkins/Surefire schema (xmllint) and with test-results-parser
 * (a JUnit reader that decides pass/fail from the file, as CI dashboards do).
 */
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, test } from 'node:test';
import { Parser } from 'tap-parser';
import { requirement } from '../harness/catalog.js';
import { reportHeader, syntheticResult } from './helpers/report.js';
import { summarize, verdictOfOutcomes, type VerdictOptions } from '../harness/judge/verdict.js';
import { closestLine, lockMessage } from '../harness/judge/messages.js';
import type { CheckResult, Interruption, Report, Status } from '../harness/report.js';
import { junitXml } from '../harness/reporters/junit.js';
import { markdownReporter } from '../harness/reporters/markdown.js';
import { countsText } from '../harness/reporters/reporter.js';
import { Progress } from '../harness/reporters/progress.js';
import { specReporter } from '../harness/reporters/spec.js';
import { PLAIN } from '../harness/reporters/style.js';
import { tapReporter } from '../harness/reporters/tap.js';
import { ROOT } from './helpers/cli.js';

const require = createRequire(import.meta.url);
const { parse: parseJUnit } = require('test-results-parser') as {
  parse(options: { type: 'junit'; files: string[] }): {
    total: number;
    passed: number;
    failed: number;
    errors: number;
    skipped: number;
    status: string;
    suites: { name: string; total: number; failed: number; errors: number; skipped: number; status: string }[];
  };
};

/**
 * The Jenkins/Surefire JUnit schema is not ours to ship: JUNIT_XSD names a copy (e.g. the
 * jenkinsci/xunit-plugin's junit-10.xsd) and the schema checks run with xmllint where both exist.
 * test-results-parser, a JUnit consumer as CI dashboards read it, judges every case regardless.
 */
const XSD = process.env.JUNIT_XSD ?? '';
const work = mkdtempSync(join(tmpdir(), 'glc-reporters-'));
process.on('exit', () => rmSync(work, { recursive: true, force: true }));
const hasSchema = XSD !== '' && existsSync(XSD) && spawnSync('xmllint', ['--version']).status === 0;
const NO_SCHEMA = 'set JUNIT_XSD to the Jenkins/Surefire JUnit XSD (and install xmllint) to validate against it';

const result = (id: string, status: Status, options: VerdictOptions, message = `${id} ${status}`): CheckResult =>
  syntheticResult(id, status, options, {
    message,
    durationMs: 1234.5,
    evidence: { processes: [], portHolders: [], timeline: [{ tMs: 0, event: 'spawn candidate', detail: 'pid 1 on port 40000' }], notes: [] },
  });

/** A report as the engine builds it: outcomes per result, the verdict from the outcomes. */
function report(entries: [string, Status, string?][], options: Partial<VerdictOptions> = {}, interrupted?: Interruption): Report {
  const verdictOptions: VerdictOptions = { strict: false, expectedFailures: new Set(), ...options };
  const checks = entries.map(([id, status, message]) => result(id, status, verdictOptions, message));
  const exitCode = interrupted ? 2 : verdictOfOutcomes(checks.map((c) => c.outcome)).exitCode;
  return {
    ...reportHeader({ strict: verdictOptions.strict, selected: [...entries.map(([id]) => id), ...(interrupted?.notStarted ?? [])] }),
    candidate: { argv: ['node', 'gw.js', '--port', '{port}'], cwd: '/work', env: {} },
    startedAt: '2026-12-01T09:00:00.000Z',
    durationMs: 5000,
    spawns: 3,
    conformant: exitCode === 0,
    exitCode,
    summary: summarize(checks),
    ...(interrupted ? { interrupted } : {}),
    checks,
  };
}

/** A conforming run with both kinds of tolerated failure: a SHOULD without --strict and a baselined MUST. */
const tolerated = () =>
  report(
    [
      ['BIND-1', 'pass'],
      ['CONFLICT-1', 'fail', 'the lock message was missing'],
      ['BINDFAIL-1', 'skip', 'no bind-failure injection on this host'],
      ['CRASH-4', 'fail', 'a lock file outlived the gateway'],
    ],
    { expectedFailures: new Set(['CONFLICT-1']) },
  );

function tap(r: Report): { text: string; results: { ok: boolean; count: number; pass: number; fail: number; todo: number; skip: number; bailout: boolean | string; plan: { start: number; end: number } } } {
  const reporter = tapReporter();
  // Streamed as the CLI does: a point per result, then the plan and the counts.
  const text = r.checks.map((c) => reporter.onResult!(c)).join('') + reporter.finish(r);
  let results: ReturnType<typeof tap>['results'] | undefined;
  const parser = new Parser((final) => (results = final as unknown as typeof results));
  parser.end(text);
  assert.ok(results, 'tap-parser completed');
  return { text, results };
}

function junit(r: Report, name: string): { file: string; parsed: ReturnType<typeof parseJUnit> } {
  const file = join(work, `${name}.xml`);
  writeFileSync(file, junitXml(r));
  return { file, parsed: parseJUnit({ type: 'junit', files: [file] }) };
}

function xmllint(file: string): { ok: boolean; output: string } {
  if (!hasSchema) return { ok: true, output: 'not validated: no schema' };
  const run = spawnSync('xmllint', ['--noout', '--schema', XSD, file], { encoding: 'utf8' });
  return { ok: run.status === 0, output: `${run.stdout}${run.stderr}` };
}

describe('TAP (tap-parser)', () => {
  test('tolerated failures are # TODO: a conforming run parses as passing, with matching counts', () => {
    const r = tolerated();
    assert.equal(r.exitCode, 0);
    const { text, results } = tap(r);
    assert.equal(results.ok, true, text);
    assert.deepEqual([results.count, results.plan.start, results.plan.end], [4, 1, 4]);
    assert.equal(results.todo, 2, 'the SHOULD warning and the expected failure');
    assert.equal(results.skip, 1);
    assert.match(text, /^not ok 2 - CONFLICT-1 \(MUST\) .* # TODO expected failure/m);
    assert.match(text, /^not ok 4 - CRASH-4 \(SHOULD\) .* # TODO warning: SHOULD not met/m);
    assert.match(text, /^ok 3 - BINDFAIL-1 \(MUST\) .* # SKIP no bind-failure injection on this host$/m);
    assert.match(text, new RegExp(`^# ${countsText(r.summary)}; exit 0: CONFORMANT, 1 MUST not run: BINDFAIL-1$`, 'm'));
    assert.equal(countsText(r.summary), '1 passed, 0 failed, 1 warning, 1 expected failure, 0 stale entries, 1 skipped, 0 errors');
  });

  test('a real MUST failure, a stale entry and an error parse as failing', () => {
    const failing = tap(report([['BIND-1', 'fail'], ['CRASH-4', 'fail']]));
    assert.equal(failing.results.ok, false);
    assert.equal(failing.results.fail - failing.results.todo, 1, 'only BIND-1 counts');
    assert.match(failing.text, /^not ok 1 - BIND-1 \(MUST\) [^#\n]*$/m, 'a plain not ok, no directive');

    const stale = tap(report([['BIND-1', 'pass']], { expectedFailures: new Set(['BIND-1']) }));
    assert.equal(stale.results.ok, false);
    assert.match(stale.text, /^not ok 1 - BIND-1 \(MUST\) [^#\n]*\n {2}---\n[\s\S]*reason: "stale entry/m);

    const error = tap(report([['BIND-1', 'error']]));
    assert.equal(error.results.ok, false);
  });

  test('with --strict a SHOULD failure is a plain not ok; a required skip fails', () => {
    const strict = tap(report([['CRASH-4', 'fail']], { strict: true }));
    assert.equal(strict.results.ok, false);
    assert.equal(strict.results.todo, 0);
    const required = tap(report([['BINDFAIL-1', 'skip']], { require: new Set(['BINDFAIL-1']) }));
    assert.equal(required.results.ok, false);
    assert.match(required.text, /^not ok 1 - BINDFAIL-1 \(MUST\) [^#\n]*$/m);
  });

  test('titles with # are escaped, and an interrupted run bails out', () => {
    const r = report([['BIND-1', 'pass'], ['BIND-3', 'error', 'interrupted by SIGINT after 1.2 s']], {}, { signal: 'SIGINT', running: ['BIND-3'], notStarted: ['BIND-4'] });
    const { text, results } = tap(r);
    assert.equal(results.ok, false);
    assert.ok(results.bailout, text);
    assert.match(text, /^Bail out! INTERRUPTED by SIGINT while running BIND-3; not started: BIND-4$/m);
  });
});

describe('JUnit (Jenkins/Surefire XSD, test-results-parser)', () => {
  test('the schema is the real constraint: testsuites@skipped is rejected', { skip: hasSchema ? false : NO_SCHEMA }, () => {
    const file = join(work, 'old.xml');
    writeFileSync(file, '<?xml version="1.0"?>\n<testsuites tests="1" failures="0" errors="0" skipped="0"><testsuite name="s" tests="1" failures="0" errors="0"><testcase name="c"/></testsuite></testsuites>\n');
    const lint = xmllint(file);
    assert.equal(lint.ok, false);
    assert.match(lint.output, /skipped/);
  });

  test('tolerated failures are <skipped> with the reason: validates, zero failures for a conforming run', () => {
    const r = tolerated();
    const { file, parsed } = junit(r, 'tolerated');
    const lint = xmllint(file);
    assert.ok(lint.ok, lint.output);
    assert.deepEqual([parsed.failed, parsed.errors, parsed.status], [0, 0, 'PASS']);
    // <testsuites> has no skipped attribute in the schema: the suites count the skips.
    assert.equal(parsed.suites.reduce((n, suite) => n + Number(suite.skipped), 0), 3, 'the skip, the expected failure and the warning');
    assert.deepEqual(parsed.suites.filter((suite) => suite.status === 'FAIL'), [], 'no suite fails');
    const text = junitXml(r);
    assert.match(text, /<skipped type="expected-failure" message="expected failure \(listed in --expected-failures\): the lock message was missing">/);
    assert.match(text, /<skipped type="should-failure" message="warning: SHOULD not met \(fails the run only with --strict\): a lock file outlived the gateway">/);
    assert.match(text, /<skipped type="skip" message="no bind-failure injection on this host"\/>/);
    assert.doesNotMatch(text, /<failure|<error/);
    assert.match(text, /<property name="counts" value="1 passed, 0 failed, 1 warning, 1 expected failure, 0 stale entries, 1 skipped, 0 errors"\/>/);
  });

  test('counted failures are <failure>, errors <error>, and the counts agree', () => {
    const r = report([['BIND-1', 'fail'], ['BIND-3', 'pass'], ['BIND-4', 'error'], ['CRASH-4', 'fail']], { expectedFailures: new Set(['BIND-3']), strict: true });
    const { file, parsed } = junit(r, 'failing');
    const lint = xmllint(file);
    assert.ok(lint.ok, lint.output);
    assert.equal(parsed.status, 'FAIL');
    assert.deepEqual([parsed.failed, parsed.errors], [3, 1], 'BIND-1, the stale BIND-3 and the strict CRASH-4; BIND-4');
    assert.equal(r.summary.failed + r.summary.staleExpectedFailures, 3);
    assert.match(junitXml(r), /<failure type="stale-expected-failure" message="stale entry: listed in --expected-failures but passed; remove BIND-3 from the baseline: /);
  });

  test('an interrupted run validates and does not read as passing, even before any check ran', () => {
    for (const [name, r] of [
      ['mid-run', report([['BIND-1', 'pass'], ['BIND-3', 'error', 'interrupted by SIGTERM after 3.0 s']], {}, { signal: 'SIGTERM', running: ['BIND-3'], notStarted: [] })],
      ['warm-up', report([], {}, { signal: 'SIGINT', running: [], notStarted: ['BIND-1'] })],
    ] as const) {
      const { file, parsed } = junit(r, name);
      const lint = xmllint(file);
      assert.ok(lint.ok, `${name}: ${lint.output}`);
      assert.equal(parsed.status, 'FAIL', name);
      assert.ok(parsed.errors >= 1, name);
    }
  });
});

describe('one vocabulary and one set of counts', () => {
  test('the spec live line and summary agree; the verdict names a MUST that did not run', () => {
    const r = tolerated();
    const spec = specReporter(PLAIN);
    const lines = r.checks.map((c) => spec.onResult!(c)).join('');
    assert.match(lines, /^WARN {2}CRASH-4/m, 'the live line says what the summary says');
    assert.match(lines, /^XFAIL CONFLICT-1/m);
    assert.doesNotMatch(lines, /^FAIL/m);
    const out = spec.finish(r);
    assert.match(out, /^CONFORMANT, 1 MUST not run: BINDFAIL-1$/m);
    assert.ok(out.includes(`${countsText(r.summary)} in 5.0 s`));
    assert.match(out, /^WARN CRASH-4 .* — warning: SHOULD not met \(fails the run only with --strict\)$/m);
  });

  test('every format prints the same counts, and they add up to the checks', () => {
    for (const r of [tolerated(), report([['BIND-1', 'fail'], ['BIND-2', 'skip'], ['BIND-3', 'error']])]) {
      const counts = countsText(r.summary);
      const numbers = [...counts.matchAll(/(\d+) /g)].map((m) => Number(m[1]));
      assert.equal(numbers.reduce((a, b) => a + b, 0), r.checks.length, counts);
      assert.ok(specReporter(PLAIN).finish(r).includes(counts), 'spec');
      assert.ok(tapReporter().finish(r).includes(counts), 'tap');
      assert.ok(markdownReporter().finish(r).includes(counts), 'markdown');
      assert.ok(junitXml(r).includes(counts), 'junit');
    }
  });

  test('NOT CONFORMANT and HARNESS ERROR name what decided them', () => {
    const failing = specReporter(PLAIN).finish(report([['BIND-1', 'fail'], ['BIND-3', 'pass'], ['BIND-2', 'skip']], { expectedFailures: new Set(['BIND-3']) }));
    assert.match(failing, /^NOT CONFORMANT: failed BIND-1; stale entry BIND-3; 1 MUST not run: BIND-2$/m);
    assert.match(specReporter(PLAIN).finish(report([['BIND-4', 'error']])), /^HARNESS ERROR: BIND-4 could not be judged$/m);
    assert.match(markdownReporter().finish(report([['BIND-1', 'fail']])), /^# Gateway lock conformance: NOT CONFORMANT: failed BIND-1$/m);
  });

  test('the closest-line marks are explained once, only when a hint is shown', () => {
    const near = closestLine('Error: Another gateway instance is already listening on ws://127.0.0.1:40000\n', lockMessage(40000))!;
    const withHint = report([['CONFLICT-1', 'fail', `candidate's output lacks "${lockMessage(40000)}"; closest: "${near}"`], ['CONFLICT-2', 'fail', `closest: "${near}"`]]);
    const out = specReporter(PLAIN).finish(withHint);
    assert.equal(out.match(/^Marks: /gm)?.length, 1, out);
    assert.match(out, /⟦A → a⟧nother/);
    assert.doesNotMatch(specReporter(PLAIN).finish(report([['BIND-1', 'fail']])), /^Marks: /m);
  });
});

describe('live progress', () => {
  test('the line shows each running check\'s last event and times, is overwritten in place and cleared', () => {
    let t = 0;
    let written = '';
    const stream = { columns: 200, write: (s: string) => ((written += s), true) } as unknown as NodeJS.WriteStream;
    const progress = new Progress(stream, 60_000, () => t);
    progress.start('CONFLICT-1');
    t = 2000;
    progress.event('CONFLICT-1', { tMs: 2000, event: 'spawn candidate', detail: 'pid 42 on port 40000' });
    t = 14_500;
    progress.render();
    assert.equal(progress.text(), 'CONFLICT-1 14 s: spawn candidate: pid 42 on port 40000, 12 s ago');
    assert.ok(written.endsWith('\r\u001b[KCONFLICT-1 14 s: spawn candidate: pid 42 on port 40000, 12 s ago'), JSON.stringify(written));
    progress.clear();
    assert.ok(written.endsWith('\r\u001b[K'));
    progress.stop();
  });

  test('a line wider than the terminal is cut, never wrapped', () => {
    let written = '';
    const stream = { columns: 40, write: (s: string) => ((written += s), true) } as unknown as NodeJS.WriteStream;
    const progress = new Progress(stream, 60_000, () => 0);
    progress.start('SHUTDOWN-1');
    progress.event('SHUTDOWN-1', { tMs: 0, event: 'x'.repeat(100) });
    progress.render();
    const last = written.split('\r\u001b[K').at(-1)!;
    assert.ok(last.length <= 39, last);
    progress.stop();
  });
});



describe("the spec's Reporters section and the reporters agree", () => {
  const spec = readFileSync(join(ROOT, 'spec/gateway-lock.md'), 'utf8');
  const section = spec.slice(spec.indexOf('### Reporters'), spec.indexOf('### JSON report')).replace(/\s+/g, ' ');
  /** Every outcome once: pass, skip, fail (MUST), should-failure, expected-failure, stale entry, error. */
  const every = () =>
    report(
      [
        ['BIND-1', 'pass'],
        ['BIND-2', 'skip', '18789 is not free'],
        ['BIND-3', 'fail', 'the upgrade was refused'],
        ['BIND-4', 'fail', 'exposed on 0.0.0.0'],
        ['BIND-5', 'pass'],
        ['CONFLICT-1', 'error', 'harness error: no occupier'],
        ['CRASH-4', 'fail', 'a lock file outlived the gateway'],
      ],
      { expectedFailures: new Set(['BIND-4', 'BIND-5']) },
    );
  const said = (phrase: string) => assert.ok(section.includes(phrase), `the spec's Reporters section no longer says ${phrase}`);

  test('spec: the outcome labels the section lists are the labels written', () => {
    const text = specReporter(PLAIN).finish(every()) + every().checks.map((c) => specReporter(PLAIN).onResult!(c)).join('');
    for (const label of ['PASS', 'FAIL', 'WARN', 'XFAIL', 'STALE', 'SKIP', 'ERROR']) {
      said(`\`${label}\``);
      assert.match(text, new RegExp(`^${label} `, 'm'), label);
    }
    assert.match(text, /^ {2}requirement: The listener on P MUST be a WebSocket endpoint/m, 'a failure quotes its requirement sentence');
  });

  test('TAP: the directives the section lists are the directives written', () => {
    const { text } = tap(every());
    for (const [phrase, line] of [
      ['`ok … # SKIP <reason>`', /^ok \d+ - BIND-2 .* # SKIP 18789 is not free$/m],
      ['`not ok … # TODO expected failure (listed in --expected-failures)`', /^not ok \d+ - BIND-4 .* # TODO expected failure \(listed in --expected-failures\)$/m],
      ['`not ok … # TODO warning: SHOULD not met (fails the run only with --strict)`', /^not ok \d+ - CRASH-4 .* # TODO warning: SHOULD not met \(fails the run only with --strict\)$/m],
      ['a plain `not ok` for `fail`, `stale-expected-failure` and `error`', /^not ok \d+ - BIND-3 [^#\n]*$(?:[\s\S]*)^not ok \d+ - BIND-5 [^#\n]*$(?:[\s\S]*)^not ok \d+ - CONFLICT-1 [^#\n]*$/m],
    ] as const) {
      said(phrase);
      assert.match(text, line, phrase);
    }
  });

  test('JUnit: suites, names and elements as the section lists them', () => {
    const xml = junitXml(every());
    said('One `<testsuite>` per section, named `gateway-lock.<SECTION>`');
    assert.match(xml, /<testsuite name="gateway-lock\.BIND" /);
    assert.match(xml, /<testsuite name="gateway-lock\.CRASH" /);
    said('named `<ID>: <title>`, with classname `gateway-lock.<SECTION>`');
    assert.ok(xml.includes(`<testcase classname="gateway-lock.BIND" name="BIND-1: ${requirement('BIND-1').title}"`), 'testcase name and classname');
    for (const [phrase, element] of [
      ['`<failure>` for `fail` and `stale-expected-failure`', /<failure type="fail"[\s\S]*<failure type="stale-expected-failure"/],
      ['`<error>` for `error`', /<error type="error"/],
      ['`<skipped message="<reason>">` for `skip`', /<skipped type="skip" message="18789 is not free"/],
      ['`<skipped message="expected failure (listed in --expected-failures): <message>">`', /<skipped type="expected-failure" message="expected failure \(listed in --expected-failures\): exposed on 0\.0\.0\.0"/],
      ['`<skipped message="warning: SHOULD not met (fails the run only with --strict): <message>">`', /<skipped type="should-failure" message="warning: SHOULD not met \(fails the run only with --strict\): a lock file outlived the gateway"/],
    ] as const) {
      said(phrase.replace(/\s+/g, ' '));
      assert.match(xml, element, phrase);
    }
  });
});
