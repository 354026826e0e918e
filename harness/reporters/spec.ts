/** Human output: a live line per check, then the details of every problem and a summary. */
import { DIFFERENCE_MARK_LEGEND, hasDifferenceMark } from '../judge/messages.js';
import type { CheckResult, Report } from '../report.js';
import { OUTCOME_LABEL, countsText, keyMeasurement, outcomeReason, startLine, specLabel, verdictLine, type Reporter } from './reporter.js';
import type { Style } from './style.js';

const indent = (text: string, pad: string) => text.trimEnd().split('\n').map((l) => pad + l).join('\n');

export function specReporter(style: Style): Reporter {
  const paint = (result: CheckResult, text: string) => {
    switch (result.outcome) {
      case 'pass':
        return style.green(text);
      case 'fail':
      case 'error':
      case 'stale-expected-failure':
        return style.red(text);
      default:
        return style.yellow(text);
    }
  };
  const line = (result: CheckResult) => {
    const measure = keyMeasurement(result);
    return `${paint(result, OUTCOME_LABEL[result.outcome].padEnd(5))} ${result.id.padEnd(11)} ${result.level.padEnd(6)} ${result.title}${measure ? style.dim(`  (${measure})`) : ''}\n`;
  };
  const details = (result: CheckResult): string => {
    const why = result.outcome === 'error' ? '' : style.dim(` — ${outcomeReason(result)}`);
    const parts = [`${paint(result, OUTCOME_LABEL[result.outcome])} ${style.bold(result.id)} ${result.title}${why}`, `  ${result.message}`];
    // What was required, in the spec's words, for a failure (a skip or an error is no verdict on it).
    if (result.status === 'fail' && result.requirement) parts.push(style.dim(`  requirement: ${result.requirement}`));
    const e = result.evidence;
    if (e.expected !== undefined) parts.push(`  expected: ${e.expected}`);
    if (e.actual !== undefined) parts.push(`  actual:   ${e.actual}`);
    for (const note of e.notes) parts.push(`  note: ${note}`);
    for (const h of e.portHolders) parts.push(`  port holder: pid ${h.pid} ${h.address} ${h.cmdline}`);
    for (const p of e.processes.slice(-3)) {
      const exit = p.signal ? `signal ${p.signal}` : p.exitCode === null ? 'killed by the harness or still running' : `exit ${p.exitCode}`;
      parts.push(`  ${p.role}: pid ${p.pid}${p.gatewayPid ? ` (gateway pid ${p.gatewayPid})` : ''}, ${exit}`);
      if (p.stderrTail.trim()) parts.push(style.dim(indent(p.stderrTail.slice(-800), '    stderr| ')));
      if (p.stdoutTail.trim()) parts.push(style.dim(indent(p.stdoutTail.slice(-400), '    stdout| ')));
    }
    if (e.timeline.length > 0) {
      parts.push('  timeline:');
      for (const t of e.timeline.slice(-12)) parts.push(style.dim(`    ${String(t.tMs).padStart(9)} ms  ${t.event}${t.detail ? `: ${t.detail}` : ''}`));
    }
    return parts.join('\n');
  };
  return {
    start: (run) => `${style.dim(startLine(run))}\n`,
    onResult: line,
    finish(report: Report) {
      const problems = report.checks.filter((c) => !['pass', 'skip'].includes(c.outcome));
      const skips = report.checks.filter((c) => c.outcome === 'skip');
      const blocks = problems.map(details);
      for (const skip of skips) blocks.push(`${style.yellow('SKIP')} ${skip.id}: ${skip.message}`);
      // The marks of a closest-line hint, explained once where one is shown.
      const shown = problems.flatMap((c) => [c.message, c.evidence.actual ?? '', ...c.evidence.notes]);
      if (shown.some(hasDifferenceMark)) blocks.push(style.dim(`Marks: ${DIFFERENCE_MARK_LEGEND}.`));
      const word = (w: string) => (report.exitCode === 0 ? style.green(w) : style.red(w));
      const footer = `${countsText(report.summary)} in ${(report.durationMs / 1000).toFixed(1)} s (spec ${specLabel(report)}, ${report.harness.name} ${report.harness.version})`;
      return `${blocks.length ? `\n${blocks.join('\n\n')}\n` : ''}\n${verdictLine(report, word)}\n${footer}\n`;
    },
  };
}
