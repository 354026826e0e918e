import type { CheckResult, Outcome, Report } from '../report.js';

/** A reporter may write a line per check as it finishes, and renders the whole report at the end. */
export interface Reporter {
  onResult?(result: CheckResult): string;
  finish(report: Report): string;
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

/** The headline measurement of a check, for one-line output. */
export function keyMeasurement(result: CheckResult): string {
  const m = result.measurements;
  const name = ['release.p50', 'startup.p50', 'startup', 'conflictExit.max', 'SIGKILL.toExit'].find((k) => k in m);
  return name ? `${name} ${m[name]} ms` : '';
}
