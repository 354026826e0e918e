/**
 * JUnit XML, valid against the Jenkins/Surefire schema (junit-10.xsd): one <testsuite> per
 * catalogue section, one <testcase> per check, named `<ID>: <title>`. What a JUnit consumer counts
 * is what the exit code says:
 *   pass                              a plain test case
 *   fail, stale entry                 <failure>                   (counted)
 *   error (also: interrupted)         <error>
 *   skip                              <skipped message="<reason>">
 *   expected-failure                  <skipped message="expected failure (...): <message>">   (tolerated)
 *   should-failure (no --strict)      <skipped message="warning: SHOULD not met (...): <message>">   (tolerated)
 * `failures`, `errors` and `skipped` of each <testsuite> count these; <testsuites> carries
 * `tests`, `failures` and `errors` (the schema has no `skipped` there). The first <testsuite>
 * has the run's verdict, exit code and counts as <properties>.
 */
import type { CheckResult, Report } from '../report.js';
import { countsText, outcomeReason, specLabel, verdictLine } from './reporter.js';

const xml = (text: string) =>
  text
    .replace(/[\u0000-\u0008\u000b\u000c\u000e-\u001f\ufffe\uffff]/g, '')
    .replace(/&/g, '&amp;')
    .replace(/</g, '&lt;')
    .replace(/>/g, '&gt;')
    .replace(/"/g, '&quot;');

const seconds = (ms: number) => (ms / 1000).toFixed(3);

type Kind = 'pass' | 'failure' | 'error' | 'skipped';

export function junitKind(result: CheckResult): Kind {
  switch (result.outcome) {
    case 'pass':
      return 'pass';
    case 'fail':
    case 'stale-expected-failure':
      return 'failure';
    case 'error':
      return 'error';
    default:
      return 'skipped';
  }
}

function testcase(c: CheckResult): string {
  const open = `    <testcase classname="gateway-lock.${xml(c.section)}" name="${xml(`${c.id}: ${c.title}`)}" time="${seconds(c.durationMs)}"`;
  const detail = xml(
    [c.message, c.evidence.expected && `expected: ${c.evidence.expected}`, c.evidence.actual && `actual: ${c.evidence.actual}`, ...c.evidence.notes]
      .filter(Boolean)
      .join('\n'),
  );
  const kind = junitKind(c);
  if (kind === 'pass') return `${open}/>`;
  let child: string;
  if (kind === 'skipped') {
    const message = c.outcome === 'skip' ? c.message : `${outcomeReason(c)}: ${c.message}`;
    child = c.outcome === 'skip' ? `<skipped type="skip" message="${xml(message)}"/>` : `<skipped type="${c.outcome}" message="${xml(message)}">${detail}</skipped>`;
  } else {
    const message = c.outcome === 'fail' && c.status === 'fail' ? c.message : `${c.outcome === 'error' ? '' : `${outcomeReason(c)}: `}${c.message}`;
    child = `<${kind} type="${c.outcome}" message="${xml(message)}">${detail}</${kind}>`;
  }
  return `${open}>\n      ${child}\n    </testcase>`;
}

export function junitXml(report: Report): string {
  const count = (checks: CheckResult[], kind: Kind) => checks.filter((c) => junitKind(c) === kind).length;
  const properties = [
    ['conformant', String(report.conformant)],
    ['exitCode', String(report.exitCode)],
    ['verdict', verdictLine(report)],
    ['counts', countsText(report.summary)],
    ['specVersion', report.specVersion],
    ['specRevision', specLabel(report)],
    ['harness', `${report.harness.name} ${report.harness.version}`],
    ['candidate', report.candidate.argv.join(' ')],
  ];
  const propertiesXml = ['    <properties>', ...properties.map(([n, v]) => `      <property name="${n}" value="${xml(v!)}"/>`), '    </properties>'];
  const sections = [...new Set(report.checks.map((c) => c.section))];
  // The run's verdict and counts, once: in the first suite.
  const suites = sections.map((section, i) => {
    const checks = report.checks.filter((c) => c.section === section);
    const time = checks.reduce((sum, c) => sum + c.durationMs, 0);
    return [
      `  <testsuite name="gateway-lock.${xml(section)}" tests="${checks.length}" failures="${count(checks, 'failure')}" errors="${count(checks, 'error')}" skipped="${count(checks, 'skipped')}" timestamp="${report.startedAt}" time="${seconds(time)}">`,
      ...(i === 0 ? propertiesXml : []),
      ...checks.map(testcase),
      '  </testsuite>',
    ].join('\n');
  });
  let tests = report.checks.length;
  let errors = count(report.checks, 'error');
  if (report.interrupted && report.interrupted.running.length === 0) {
    // Interrupted before any check was running: one erroring case says so, so that no consumer
    // takes the file for a passing run.
    tests++;
    errors++;
    suites.push(
      [
        `  <testsuite name="gateway-lock.run" tests="1" failures="0" errors="1" skipped="0" timestamp="${report.startedAt}" time="${seconds(report.durationMs)}">`,
        ...propertiesXml,
        `    <testcase classname="gateway-lock.run" name="run interrupted" time="${seconds(report.durationMs)}">`,
        `      <error type="interrupted" message="${xml(verdictLine(report))}"/>`,
        '    </testcase>',
        '  </testsuite>',
      ].join('\n'),
    );
  }
  return [
    '<?xml version="1.0" encoding="UTF-8"?>',
    `<testsuites name="gateway-lock-conformance" tests="${tests}" failures="${count(report.checks, 'failure')}" errors="${errors}" time="${seconds(report.durationMs)}">`,
    ...suites,
    '</testsuites>',
    '',
  ].join('\n');
}
