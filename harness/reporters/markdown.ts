/** A Markdown report: a results table, then the problems with their evidence. */
import type { Report } from '../report.js';
import { OUTCOME_LABEL, keyMeasurement, type Reporter } from './reporter.js';

const cell = (text: string) => text.replace(/\|/g, '\\|').replace(/\n/g, ' ');

export function markdownReporter(): Reporter {
  return {
    finish(report: Report) {
      const s = report.summary;
      const lines = [
        `# Gateway lock conformance: ${report.conformant ? 'conformant' : 'not conformant'}`,
        '',
        `Candidate: \`${cell(report.candidate.argv.join(' '))}\`  `,
        `Spec ${report.specVersion}, ${report.harness.name} ${report.harness.version}, Node ${report.environment.node}, kernel ${report.environment.kernel}  `,
        `${s.pass} passed, ${s.fail} failed, ${s.skip} skipped, ${s.error} errors in ${(report.durationMs / 1000).toFixed(1)} s`,
        '',
        '| ID | Level | Result | Requirement | Measurement | Message |',
        '|---|---|---|---|---|---|',
        ...report.checks.map((c) => `| ${c.id} | ${c.level} | ${OUTCOME_LABEL[c.outcome]} | ${cell(c.title)} | ${keyMeasurement(c)} | ${cell(c.message)} |`),
      ];
      const problems = report.checks.filter((c) => c.status === 'fail' || c.status === 'error');
      for (const c of problems) {
        lines.push('', `## ${c.id}: ${c.title}`, '', cell(c.message));
        if (c.evidence.expected !== undefined) lines.push('', `- expected: \`${cell(c.evidence.expected)}\``);
        if (c.evidence.actual !== undefined) lines.push(`- actual: \`${cell(c.evidence.actual)}\``);
        for (const note of c.evidence.notes) lines.push(`- note: ${cell(note)}`);
        const last = c.evidence.processes.at(-1);
        if (last?.stderrTail.trim()) lines.push('', '```text', last.stderrTail.trimEnd().slice(-1500), '```');
      }
      return `${lines.join('\n')}\n`;
    },
  };
}
