/** A Markdown report: the verdict and counts, a results table, then the problems with their evidence. */
import { DIFFERENCE_MARK_LEGEND, hasDifferenceMark } from '../judge/messages.js';
import type { Report } from '../report.js';
import { OUTCOME_LABEL, countsText, keyMeasurement, outcomeReason, startLine, specLabel, verdictLine, type Reporter } from './reporter.js';

const cell = (text: string) => text.replace(/\|/g, '\\|').replace(/\n/g, ' ');

export function markdownReporter(): Reporter {
  return {
    // Markdown owns stdout: the CLI writes this first line to stderr.
    start: (run) => `${startLine(run)}\n`,
    finish(report: Report) {
      const lines = [
        `# Gateway lock conformance: ${cell(verdictLine(report))}`,
        '',
        `Candidate: \`${cell(report.candidate.argv.join(' '))}\`  `,
        `Spec ${specLabel(report)}, ${report.harness.name} ${report.harness.version}, Node ${report.environment.node}, kernel ${report.environment.kernel}  `,
        `${countsText(report.summary)} in ${(report.durationMs / 1000).toFixed(1)} s`,
        '',
        '| ID | Level | Result | Requirement | Measurement | Message |',
        '|---|---|---|---|---|---|',
        ...report.checks.map((c) => `| ${c.id} | ${c.level} | ${OUTCOME_LABEL[c.outcome]} | ${cell(c.title)} | ${keyMeasurement(c)} | ${cell(c.message)} |`),
      ];
      if (report.interrupted?.notStarted.length) lines.push('', `Not started (interrupted): ${report.interrupted.notStarted.join(', ')}`);
      const problems = report.checks.filter((c) => !['pass', 'skip'].includes(c.outcome));
      for (const c of problems) {
        lines.push('', `## ${c.id}: ${c.title}`, '', `${OUTCOME_LABEL[c.outcome]}${c.outcome === 'error' ? '' : ` (${cell(outcomeReason(c))})`}: ${cell(c.message)}`);
        if (c.evidence.expected !== undefined) lines.push('', `- expected: \`${cell(c.evidence.expected)}\``);
        if (c.evidence.actual !== undefined) lines.push(`- actual: \`${cell(c.evidence.actual)}\``);
        for (const note of c.evidence.notes) lines.push(`- note: ${cell(note)}`);
        const last = c.evidence.processes.at(-1);
        if (last?.stderrTail.trim()) lines.push('', '```text', last.stderrTail.trimEnd().slice(-1500), '```');
      }
      const shown = problems.flatMap((c) => [c.message, c.evidence.actual ?? '', ...c.evidence.notes]);
      if (shown.some(hasDifferenceMark)) lines.push('', `Marks: ${DIFFERENCE_MARK_LEGEND}.`);
      return `${lines.join('\n')}\n`;
    },
  };
}
