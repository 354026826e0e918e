import type { CheckResult, Outcome, Report, SpecRevision, Summary } from '../report.js';

/** A reporter may write a line per check as it finishes, and renders the whole report at the end. */
export interface Reporter {
  /** Written before the first check: names the candidate and the selection. */
  start?(run: RunStart): string;
  onResult?(result: CheckResult): string;
  finish(report: Report): string;
}

/** What the first line of a run tells. */
export interface RunStart {
  argv: string[];
  /** The command is the bundled reference gateway (no command after `--`). */
  reference: boolean;
  selected: string[];
  /** Every ID of the catalogue. */
  all: string[];
  trials: number;
  specVersion: string;
}

export const OUTCOME_LABEL: Record<Outcome, string> = {
  pass: 'PASS',
  fail: 'FAIL',
  skip: 'SKIP',
  error: 'ERROR',
  'expected-failure': 'XFAIL',
  'stale-expected-failure': 'STALE',
  'should-failure': 'WARN',
};

/** Every outcome's mark, beside its label: colour is never the only carrier. */
export const OUTCOME_MARK: Record<Outcome, string> = {
  pass: '✓',
  fail: '✗',
  error: '‼',
  skip: '–',
  'expected-failure': '✗',
  'stale-expected-failure': '!',
  'should-failure': '⚠',
};

/** Good, bad (counts against the run), tolerated, skipped: the page's four tones. */
export function tone(outcome: Outcome): 'good' | 'bad' | 'tolerated' | 'skipped' {
  switch (outcome) {
    case 'pass':
      return 'good';
    case 'skip':
      return 'skipped';
    case 'expected-failure':
    case 'should-failure':
      return 'tolerated';
    default:
      return 'bad';
  }
}

/**
 * Why a tolerated or counted result is what it is, in the words every reporter uses (the TAP
 * directive, the JUnit <skipped> message, the spec reporter's details).
 */
export function outcomeReason(result: CheckResult): string {
  switch (result.outcome) {
    case 'expected-failure':
      return 'expected failure (listed in --expected-failures)';
    case 'should-failure':
      return 'warning: SHOULD not met (fails the run only with --strict)';
    case 'stale-expected-failure':
      return `stale entry: listed in --expected-failures but passed; remove ${result.id} from the baseline`;
    case 'fail':
      return result.status === 'skip' ? 'required check did not run (--require or --fail-on-skip)' : 'failed';
    default:
      return result.outcome;
  }
}

/** The headline measurement of a check: its name and value in ms, if it has one. */
export function keyMeasurementEntry(result: CheckResult): [string, number] | undefined {
  const m = result.measurements;
  const name = ['release.p50', 'startup.p50', 'startup', 'conflictExit.max', 'SIGKILL.toExit'].find((k) => k in m);
  return name ? [name, m[name]!] : undefined;
}

/** The headline measurement of a check, for one-line output. */
export function keyMeasurement(result: CheckResult): string {
  const entry = keyMeasurementEntry(result);
  return entry ? `${entry[0]} ${entry[1]} ms` : '';
}

const plural = (n: number, one: string, many: string) => `${n} ${n === 1 ? one : many}`;

/**
 * The one set of counts every reporter prints, in one vocabulary; they add up to the number of
 * checks in the report: passed, failed (counted), warnings (tolerated SHOULD failures), expected
 * failures (baselined), stale entries (baselined but passed), skipped, errors.
 */
export function countsText(s: Summary): string {
  return [
    `${s.passed} passed`,
    `${s.failed} failed`,
    plural(s.warnings, 'warning', 'warnings'),
    plural(s.expectedFailures, 'expected failure', 'expected failures'),
    plural(s.staleExpectedFailures, 'stale entry', 'stale entries'),
    `${s.skip} skipped`,
    plural(s.error, 'error', 'errors'),
  ].join(', ');
}

const ids = (checks: CheckResult[]) => checks.map((c) => c.id).join(', ');

/**
 * The verdict in words, with what decided it: "CONFORMANT", "CONFORMANT, 1 MUST not run:
 * BINDFAIL-1", "NOT CONFORMANT: failed BIND-1; stale entry CRASH-4", "HARNESS ERROR: BIND-2 could
 * not be judged", "INTERRUPTED by SIGINT while running SHUTDOWN-1; not started: ...".
 */
export function verdictText(report: Report): { word: 'CONFORMANT' | 'NOT CONFORMANT' | 'HARNESS ERROR' | 'INTERRUPTED'; detail: string } {
  const notRun = report.summary.mustNotRun;
  const mustNotRun = notRun.length > 0 ? `${notRun.length} MUST not run: ${notRun.join(', ')}` : '';
  if (report.interrupted) {
    const i = report.interrupted;
    const parts = [
      `${i.signal ? `by ${i.signal} ` : ''}${i.running.length > 0 ? `while running ${i.running.join(', ')}` : 'before any check ran'}`,
      ...(i.notStarted.length > 0 ? [`not started: ${i.notStarted.join(', ')}`] : []),
    ];
    return { word: 'INTERRUPTED', detail: parts.join('; ') };
  }
  if (report.exitCode === 0) return { word: 'CONFORMANT', detail: mustNotRun };
  if (report.exitCode === 1) {
    const failed = report.checks.filter((c) => c.outcome === 'fail');
    const stale = report.checks.filter((c) => c.outcome === 'stale-expected-failure');
    const parts = [
      ...(failed.length > 0 ? [`failed ${ids(failed)}`] : []),
      ...(stale.length > 0 ? [`${stale.length === 1 ? 'stale entry' : 'stale entries'} ${ids(stale)}`] : []),
      ...(mustNotRun ? [mustNotRun] : []),
    ];
    return { word: 'NOT CONFORMANT', detail: parts.join('; ') };
  }
  const errors = report.checks.filter((c) => c.outcome === 'error');
  return { word: 'HARNESS ERROR', detail: `${ids(errors)} could not be judged${mustNotRun ? `; ${mustNotRun}` : ''}` };
}

/** `CONFORMANT, 1 MUST not run: BINDFAIL-1` / `NOT CONFORMANT: failed BIND-1`. */
export function verdictLine(report: Report, paint: (word: string) => string = (w) => w): string {
  const { word, detail } = verdictText(report);
  if (!detail) return paint(word);
  return `${paint(word)}${word === 'CONFORMANT' ? ', ' : word === 'INTERRUPTED' ? ' ' : ': '}${detail}`;
}

/** A command line for people: words with blanks or quotes are single-quoted. */
export function shellWords(argv: string[]): string {
  return argv.map((w) => (w === '' || /[\s'"\\$`|&;<>()*?!#~]/.test(w) ? `'${w.replace(/'/g, `'\\''`)}'` : w)).join(' ');
}

/** The run's first line: the candidate and the selection. */
export function startLine(run: RunStart): string {
  const candidate = run.reference ? `the bundled reference gateway (${shellWords(run.argv)})` : shellWords(run.argv);
  let selection: string;
  if (run.selected.length === run.all.length) selection = `all ${run.all.length} checks`;
  else if (run.selected.length <= run.all.length / 2) selection = `${run.selected.length} of ${run.all.length} checks: ${run.selected.join(', ')}`;
  else selection = `${run.selected.length} of ${run.all.length} checks, all but ${run.all.filter((id) => !run.selected.includes(id)).join(', ')}`;
  return `Testing ${candidate}: ${selection}, ${run.trials} trials per timed check (spec ${run.specVersion})`;
}

/**
 * The spec revision the run was judged against: `specVersion`, and how `--spec auto` chose it
 * where it did ("file-lock-2026-02, declared by gateway-lock.md"). Reports of earlier harnesses
 * lack `revision`, or carry it as a plain string; it is read without trusting its type.
 */
export function specLabel(report: Report): string {
  const revision = (report as unknown as { revision?: unknown }).revision;
  if (typeof revision === 'string' || typeof revision === 'number') return String(revision) !== report.specVersion ? `${report.specVersion}, revision ${revision}` : report.specVersion;
  const chosen = typeof revision === 'object' && revision !== null ? (revision as Partial<SpecRevision>) : undefined;
  const file = chosen?.declaration?.file;
  const name = typeof file === 'string' ? file.slice(file.lastIndexOf('/') + 1) : undefined;
  if (chosen?.chosenBy === 'declared' && name) return `${report.specVersion}, declared by ${name}`;
  if (chosen?.chosenBy === 'undeclared') return `${report.specVersion}, the default (--spec auto: no declaration${name ? ` in ${name}` : ''})`;
  return report.specVersion;
}
