/**
 * Several reports side by side: a matrix of builds (one column per report) by requirement IDs,
 * with the key measurements and the run's cost, and, where two reports are runs of one build
 * (the same candidate argv and --env), what changed from the earlier to the later, regressions
 * (pass to fail or error) first. Pure: reports in, a comparison out, rendered as Markdown or JSON
 * here and as HTML in compare-html.ts.
 */
import type { CheckResult, Outcome, Report } from '../report.js';
import { REVISIONS } from '../catalog.js';
import { runCost } from './cost.js';
import { OUTCOME_LABEL, OUTCOME_MARK, shellWords, specLabel, verdictText } from './reporter.js';

export interface CompareInput {
  /** Column heading, e.g. the file name without `.json`. */
  label: string;
  report: Report;
  /** Where this report's HTML page is, for links (compare-html.ts). */
  htmlHref?: string;
}

/** The measurements every column shows, read from the checks that make them. */
export const KEY_MEASUREMENTS: { name: string; read(checks: Map<string, CheckResult>): number | undefined }[] = [
  { name: 'BIND-5 spawn to LISTEN p50', read: (c) => c.get('BIND-5')?.measurements['startup.p50'] },
  { name: 'BIND-5 LISTEN to ready p50', read: (c) => c.get('BIND-5')?.measurements['ready.p50'] },
  { name: 'SHUTDOWN-1 release p50', read: (c) => c.get('SHUTDOWN-1')?.measurements['release.p50'] },
  { name: 'SHUTDOWN-2 release p50', read: (c) => c.get('SHUTDOWN-2')?.measurements['release.p50'] },
  {
    // The worst conflict path: the longest exit after a failing bind (or the old single figure).
    name: 'CONFLICT-3 exit after failing bind, max',
    read: (c) => {
      const m = c.get('CONFLICT-3')?.measurements;
      if (!m) return undefined;
      const exits = Object.entries(m).filter(([k]) => /(^|\.)bindToExit$|^conflictExit\.max$/.test(k)).map(([, v]) => v);
      return exits.length > 0 ? Math.max(...exits) : undefined;
    },
  },
  { name: 'CRASH-1 SIGKILL to exit', read: (c) => c.get('CRASH-1')?.measurements['SIGKILL.toExit'] },
];

export interface BuildColumn {
  label: string;
  candidate: string;
  /** argv and --env: two reports with the same are runs of one build. */
  buildKey: string;
  spec: string;
  harness: string;
  startedAt: string;
  verdict: string;
  verdictWord: string;
  exitCode: 0 | 1 | 2;
  outcomes: Record<string, Outcome>;
  /** Status per ID: what a regression is judged on (a baseline change alone is no regression). */
  statuses: Record<string, CheckResult['status']>;
  measurements: Record<string, number>;
  wallMs: number;
  spawns?: number;
  startupEquivalents?: number;
  htmlHref?: string;
}

export type ChangeKind = 'regression' | 'changed' | 'slower' | 'fixed' | 'faster';

export interface Change {
  kind: ChangeKind;
  /** The build's candidate command. */
  candidate: string;
  from: string;
  to: string;
  /** A requirement ID or a key measurement's name. */
  subject: string;
  before: string;
  after: string;
}

export interface Comparison {
  comparisonVersion: 1;
  ids: string[];
  builds: BuildColumn[];
  changes: Change[];
  regressions: number;
}

const ORDER: ChangeKind[] = ['regression', 'changed', 'slower', 'fixed', 'faster'];

/** A measurement has changed when it moved by half or more and by at least this much. */
const MATERIAL_MS = 100;

function column(input: CompareInput): BuildColumn {
  const r = input.report;
  const checks = new Map(r.checks.map((c) => [c.id, c]));
  const measurements: Record<string, number> = {};
  for (const key of KEY_MEASUREMENTS) {
    const value = key.read(checks);
    if (value !== undefined) measurements[key.name] = value;
  }
  const cost = runCost(r);
  const { word } = verdictText(r);
  const env = Object.entries(r.candidate.env).sort(([a], [b]) => a.localeCompare(b)).map(([k, v]) => `${k}=${v}`);
  return {
    label: input.label,
    candidate: shellWords([...env, ...r.candidate.argv]),
    buildKey: JSON.stringify([r.candidate.argv, env]),
    spec: specLabel(r),
    harness: `${r.harness.name} ${r.harness.version}`,
    startedAt: r.startedAt,
    verdict: verdictTextLine(r),
    verdictWord: word,
    exitCode: r.exitCode,
    outcomes: Object.fromEntries(r.checks.map((c) => [c.id, c.outcome])),
    statuses: Object.fromEntries(r.checks.map((c) => [c.id, c.status])),
    measurements,
    wallMs: r.durationMs,
    ...(Number.isFinite(cost.spawns) ? { spawns: cost.spawns } : {}),
    ...(Number.isFinite(cost.startupEquivalents) ? { startupEquivalents: Math.round(cost.startupEquivalents * 10) / 10 } : {}),
    ...(input.htmlHref ? { htmlHref: input.htmlHref } : {}),
  };
}

function verdictTextLine(r: Report): string {
  const { word, detail } = verdictText(r);
  return detail ? `${word}${word === 'CONFORMANT' ? ', ' : word === 'INTERRUPTED' ? ' ' : ': '}${detail}` : word;
}

const label = (outcome: Outcome | undefined) => (outcome ? OUTCOME_LABEL[outcome] : 'not run');

function changesBetween(a: BuildColumn, b: BuildColumn, ids: string[]): Change[] {
  const out: Change[] = [];
  const base = { candidate: a.candidate, from: a.label, to: b.label };
  for (const id of ids) {
    const [before, after] = [a.outcomes[id], b.outcomes[id]];
    if (before === after) continue;
    const [sa, sb] = [a.statuses[id], b.statuses[id]];
    let kind: ChangeKind = 'changed';
    if (sa === 'pass' && (sb === 'fail' || sb === 'error')) kind = 'regression';
    else if ((sa === 'fail' || sa === 'error') && sb === 'pass') kind = 'fixed';
    out.push({ kind, ...base, subject: id, before: label(before), after: label(after) });
  }
  for (const key of KEY_MEASUREMENTS) {
    const [before, after] = [a.measurements[key.name], b.measurements[key.name]];
    if (before === undefined || after === undefined || Math.abs(after - before) < MATERIAL_MS) continue;
    if (after >= before * 1.5) out.push({ kind: 'slower', ...base, subject: key.name, before: `${before} ms`, after: `${after} ms` });
    else if (before >= after * 1.5) out.push({ kind: 'faster', ...base, subject: key.name, before: `${before} ms`, after: `${after} ms` });
  }
  return out;
}

/** The matrix, and the changes between consecutive reports (in the order given) of each build. */
export function compareReports(inputs: CompareInput[]): Comparison {
  const builds = inputs.map(column);
  const seen = new Set(inputs.flatMap((i) => i.report.checks.map((c) => c.id)));
  // Catalogue order, the default revision's IDs first, then each other revision's own; an ID this
  // harness does not know (a newer report) goes last.
  const known = [...new Set(REVISIONS.flatMap((r) => r.requirements.map((q) => q.id)))];
  const ids = [...known.filter((id) => seen.has(id)), ...[...seen].filter((id) => !known.includes(id))];
  const changes: Change[] = [];
  const last = new Map<string, BuildColumn>();
  for (const build of builds) {
    const earlier = last.get(build.buildKey);
    if (earlier) changes.push(...changesBetween(earlier, build, ids));
    last.set(build.buildKey, build);
  }
  changes.sort((x, y) => ORDER.indexOf(x.kind) - ORDER.indexOf(y.kind));
  return { comparisonVersion: 1, ids, builds, changes, regressions: changes.filter((c) => c.kind === 'regression').length };
}

/** A cell's text: the mark alone for a pass, mark and label otherwise; `·` where the check did not run. */
export const cellText = (outcome: Outcome | undefined): string => (!outcome ? '·' : outcome === 'pass' ? OUTCOME_MARK.pass : `${OUTCOME_MARK[outcome]} ${OUTCOME_LABEL[outcome]}`);

export const VERDICT_MARK: Record<string, string> = { CONFORMANT: '✓', 'NOT CONFORMANT': '✗', 'HARNESS ERROR': '‼', INTERRUPTED: '‼' };

export const LEGEND = '✓ pass; ✗ FAIL counted failure; ✗ XFAIL expected failure (baseline); ⚠ WARN SHOULD not met; ! STALE baselined but passed; – SKIP; ‼ ERROR; · not run';

export function ms(value: number | undefined): string {
  if (value === undefined) return '';
  return value >= 10_000 ? `${(value / 1000).toFixed(1)} s` : value >= 1000 ? `${(value / 1000).toFixed(2)} s` : `${value} ms`;
}

export const changeLine = (c: Change): string => `${c.kind}: ${c.subject} ${c.before} → ${c.after} (${c.from} → ${c.to}; ${c.candidate})`;

const md = (text: string) => text.replace(/\|/g, '\\|').replace(/\n/g, ' ');

export function compareMarkdown(c: Comparison): string {
  const head = `| | ${c.builds.map((b) => md(b.label)).join(' | ')} |`;
  const rule = `|---|${c.builds.map(() => ':-:').join('|')}|`;
  const row = (name: string, cells: string[]) => `| ${name} | ${cells.map(md).join(' | ')} |`;
  const lines = [
    head,
    rule,
    row('**verdict**', c.builds.map((b) => `${VERDICT_MARK[b.verdictWord] ?? ''} ${b.verdictWord}`)),
    ...c.ids.map((id) => row(id, c.builds.map((b) => cellText(b.outcomes[id])))),
    ...KEY_MEASUREMENTS.filter((k) => c.builds.some((b) => k.name in b.measurements)).map((k) => row(k.name, c.builds.map((b) => ms(b.measurements[k.name])))),
    row('wall time', c.builds.map((b) => `${Math.round(b.wallMs / 1000)} s`)),
    row('spawns', c.builds.map((b) => (b.spawns !== undefined ? String(b.spawns) : ''))),
    row('startup-equivalents', c.builds.map((b) => (b.startupEquivalents !== undefined ? b.startupEquivalents.toFixed(1) : ''))),
  ];
  const out = [`Marks: ${LEGEND}.`, '', ...lines, ''];
  out.push(...c.builds.map((b) => `- **${md(b.label)}**: \`${md(b.candidate)}\`, spec ${b.spec}, ${b.harness}, ${b.startedAt.slice(0, 10)}: ${md(b.verdict)}`));
  if (c.changes.length > 0) {
    out.push('', `### Changes between runs of one build (${c.regressions} regression${c.regressions === 1 ? '' : 's'})`, '');
    out.push(...c.changes.map((ch) => `- ${ch.kind === 'regression' ? `**${ch.kind}**` : ch.kind}: ${ch.subject} ${md(ch.before)} → ${md(ch.after)} (${md(ch.from)} → ${md(ch.to)})`));
  }
  return `${out.join('\n')}\n`;
}

export const compareJson = (c: Comparison): string => `${JSON.stringify(c, null, 2)}\n`;
