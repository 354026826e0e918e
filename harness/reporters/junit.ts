/** JUnit XML: one testsuite, one testcase per check. */
import type { Report } from '../report.js';

const xml = (text: string) =>
  text
    .replace(/[\u0000-\u0008\u000b\u000c\u000e-\u001f]/g, '')
    .replace(/&/g, '&amp;')
    .replace(/</g, '&lt;')
    .replace(/>/g, '&gt;')
    .replace(/"/g, '&quot;');

export function junitXml(report: Report): string {
  const s = report.summary;
  const failures = report.checks.filter((c) => c.outcome === 'fail' || c.outcome === 'stale-expected-failure').length;
  const cases = report.checks.map((c) => {
    const open = `    <testcase classname="gateway-lock.${c.section}" name="${xml(`${c.id} (${c.level}) ${c.title}`)}" time="${(c.durationMs / 1000).toFixed(3)}"`;
    const detail = xml([c.message, c.evidence.expected && `expected: ${c.evidence.expected}`, c.evidence.actual && `actual: ${c.evidence.actual}`, ...c.evidence.notes].filter(Boolean).join('\n'));
    switch (c.outcome) {
      case 'pass':
        return `${open}/>`;
      case 'skip':
        return `${open}>\n      <skipped message="${xml(c.message)}"/>\n    </testcase>`;
      case 'error':
        return `${open}>\n      <error message="${xml(c.message)}">${detail}</error>\n    </testcase>`;
      case 'fail':
      case 'stale-expected-failure':
        return `${open}>\n      <failure message="${xml(c.message)}" type="${c.outcome}">${detail}</failure>\n    </testcase>`;
      default:
        return `${open}>\n      <system-out>${xml(`${c.outcome}: ${c.message}`)}</system-out>\n    </testcase>`;
    }
  });
  return [
    '<?xml version="1.0" encoding="UTF-8"?>',
    `<testsuites name="gateway-lock-conformance" tests="${s.total}" failures="${failures}" errors="${s.error}" skipped="${s.skip}" time="${(report.durationMs / 1000).toFixed(3)}">`,
    `  <testsuite name="gateway-lock ${xml(report.specVersion)}" tests="${s.total}" failures="${failures}" errors="${s.error}" skipped="${s.skip}" timestamp="${report.startedAt}" time="${(report.durationMs / 1000).toFixed(3)}">`,
    ...cases,
    '  </testsuite>',
    '</testsuites>',
    '',
  ].join('\n');
}
