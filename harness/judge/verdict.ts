/** The verdict: a small pure function from check results to outcomes, conformance and exit code. */
import type { CheckResult, Level, Outcome, Status, Summary } from '../report.js';

export interface VerdictInput {
  id: string;
  level: Level;
  status: Status;
}

export interface VerdictOptions {
  strict: boolean;
  expectedFailures: ReadonlySet<string>;
}

export function outcomeOf(result: VerdictInput, options: VerdictOptions): Outcome {
  const expected = options.expectedFailures.has(result.id);
  if (result.status === 'fail') {
    if (expected) return 'expected-failure';
    return result.level === 'SHOULD' && !options.strict ? 'should-failure' : 'fail';
  }
  if (result.status === 'pass' && expected) return 'stale-expected-failure';
  return result.status;
}

export interface Verdict {
  outcomes: Outcome[];
  conformant: boolean;
  exitCode: 0 | 1 | 2;
}

/** Exit 1 when a counted failure or a stale baseline entry exists; else 2 on a harness error; else 0. */
export function verdict(results: VerdictInput[], options: VerdictOptions): Verdict {
  const outcomes = results.map((r) => outcomeOf(r, options));
  const notConformant = outcomes.some((o) => o === 'fail' || o === 'stale-expected-failure');
  const harnessError = outcomes.includes('error');
  const exitCode = notConformant ? 1 : harnessError ? 2 : 0;
  return { outcomes, conformant: exitCode === 0, exitCode };
}

export function summarize(checks: CheckResult[]): Summary {
  const count = (pred: (c: CheckResult) => boolean) => checks.filter(pred).length;
  return {
    total: checks.length,
    pass: count((c) => c.status === 'pass'),
    fail: count((c) => c.status === 'fail'),
    skip: count((c) => c.status === 'skip'),
    error: count((c) => c.status === 'error'),
    expectedFailures: count((c) => c.outcome === 'expected-failure'),
    staleExpectedFailures: count((c) => c.outcome === 'stale-expected-failure'),
  };
}
