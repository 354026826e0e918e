/**
 * TAP version 14: one test point per check, streamed with its final outcome; YAML diagnostics for
 * problems. A TAP consumer counts what the exit code says:
 *   pass                          ok N - ...
 *   skip                          ok N - ... # SKIP <reason>
 *   expected-failure              not ok N - ... # TODO expected failure (...)   (tolerated)
 *   should-failure (no --strict)  not ok N - ... # TODO warning: SHOULD not met (...)   (tolerated)
 *   fail, stale entry, error      not ok N - ...   (counted)
 * then the plan and one comment line with the same counts as every other reporter. An
 * interrupted run ends with `Bail out!` instead of a plan.
 */
import type { CheckResult, Report } from '../report.js';
import { countsText, outcomeReason, startLine, specLabel, verdictLine, type Reporter } from './reporter.js';

const yamlString = (text: string) => JSON.stringify(text);
/** A description or directive reason on one line, with `#` and `\` escaped as TAP 14 asks. */
const tapText = (text: string) => text.replace(/[\r\n]+/g, ' ').replace(/\\/g, '\\\\').replace(/#/g, '\\#');

export function tapReporter(): Reporter {
  let count = 0;
  const streamed = new Set<string>();
  let headerWritten = false;
  const header = () => (headerWritten ? '' : ((headerWritten = true), 'TAP version 14\n'));
  const point = (result: CheckResult): string => {
    count++;
    streamed.add(result.id);
    let ok = false;
    let directive = '';
    switch (result.outcome) {
      case 'pass':
        ok = true;
        break;
      case 'skip':
        ok = true;
        directive = ` # SKIP ${tapText(result.message)}`;
        break;
      case 'expected-failure':
      case 'should-failure':
        directive = ` # TODO ${tapText(outcomeReason(result))}`;
        break;
    }
    const line = `${ok ? 'ok' : 'not ok'} ${count} - ${tapText(`${result.id} (${result.level}) ${result.title}`)}${directive}\n`;
    if (result.outcome === 'pass' || result.outcome === 'skip') return header() + line;
    const diag = [
      '  ---',
      `  message: ${yamlString(result.message)}`,
      `  outcome: ${result.outcome}`,
      `  status: ${result.status}`,
      ...(result.outcome === 'stale-expected-failure' || (result.outcome === 'fail' && result.status === 'skip') ? [`  reason: ${yamlString(outcomeReason(result))}`] : []),
      ...(result.evidence.expected !== undefined ? [`  expected: ${yamlString(result.evidence.expected)}`] : []),
      ...(result.evidence.actual !== undefined ? [`  actual: ${yamlString(result.evidence.actual)}`] : []),
      `  durationMs: ${result.durationMs}`,
      '  ...',
    ];
    return `${header()}${line}${diag.join('\n')}\n`;
  };
  return {
    // TAP owns stdout: the CLI writes this first line to stderr.
    start: (run) => `${startLine(run)}\n`,
    onResult: point,
    finish(report: Report) {
      // Results not streamed (an interrupted run's last checks) are written now.
      const rest = report.checks.filter((c) => !streamed.has(c.id)).map(point).join('');
      const counts = `# ${countsText(report.summary)}; exit ${report.exitCode}: ${verdictLine(report)}\n# spec ${tapText(specLabel(report))}\n`;
      if (report.interrupted) return `${header()}${rest}${counts}Bail out! ${tapText(verdictLine(report))}\n`;
      return `${header()}${rest}1..${count}\n${counts}`;
    },
  };
}
