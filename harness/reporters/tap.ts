/** TAP version 14: one test point per check, streamed; YAML diagnostics for problems. */
import type { CheckResult, Report } from '../report.js';
import type { Reporter } from './reporter.js';

const yamlString = (text: string) => JSON.stringify(text);

export function tapReporter(): Reporter {
  let count = 0;
  let headerWritten = false;
  const header = () => (headerWritten ? '' : ((headerWritten = true), 'TAP version 14\n'));
  return {
    onResult(result: CheckResult) {
      count++;
      const ok = ['pass', 'skip', 'expected-failure', 'should-failure'].includes(result.outcome);
      let directive = '';
      if (result.outcome === 'skip') directive = ` # SKIP ${result.message}`;
      else if (result.outcome === 'expected-failure') directive = ' # TODO expected failure (baseline)';
      else if (result.outcome === 'should-failure') directive = ' # TODO SHOULD requirement (fails only with --strict)';
      const point = `${ok && result.status !== 'fail' ? 'ok' : 'not ok'} ${count} - ${result.id} (${result.level}) ${result.title}${directive}\n`;
      if (result.status === 'pass' || result.status === 'skip') return header() + point;
      const diag = [
        '  ---',
        `  message: ${yamlString(result.message)}`,
        `  outcome: ${result.outcome}`,
        ...(result.evidence.expected !== undefined ? [`  expected: ${yamlString(result.evidence.expected)}`] : []),
        ...(result.evidence.actual !== undefined ? [`  actual: ${yamlString(result.evidence.actual)}`] : []),
        `  durationMs: ${result.durationMs}`,
        '  ...',
      ];
      return `${header()}${point}${diag.join('\n')}\n`;
    },
    finish(report: Report) {
      const s = report.summary;
      return `${header()}1..${report.checks.length}\n# ${s.pass} passed, ${s.fail} failed, ${s.skip} skipped, ${s.error} errors; conformant: ${report.conformant}\n`;
    },
  };
}
