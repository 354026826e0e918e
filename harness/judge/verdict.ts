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
  /** --require: a skip of one of these IDs is a counted failure. */
  require?: ReadonlySet<string>;
  /** --fail-on-skip: a skipped MUST (with --strict, any skipped check) is a counted failure. */
  failOnSkip?: boolean;
}

/** Whether a skip of this check fails the run (--require, --fail-on-skip). */
export function skipCounts(result: Pick<VerdictInput, 'id' | 'level'>, options: VerdictOptions): boolean {
  if (options.require?.has(result.id)) return true;
  return options.failOnSkip === true && (result.level === 'MUST' || options.strict);
}

/**
 * How one result counts, decided as soon as the result exists (every reporter streams it):
 * pass, fail (counted), should-failure (a tolerated SHOULD: a warning), expected-failure
 * (baselined), stale-expected-failure (baselined but passed), skip, error.
 */
export function outcomeOf(result: VerdictInput, options: VerdictOptions): Outcome {
  const expected = options.expectedFailures.has(result.id);
  if (result.status === 'fail') {
    if (expected) return 'expected-failure';
    return result.level === 'SHOULD' && !options.strict ? 'should-failure' : 'fail';
  }
  if (result.status === 'pass' && expected) return 'stale-expected-failure';
  if (result.status === 'skip' && skipCounts(result, options)) return 'fail';
  return result.status;
}

export interface Verdict {
  outcomes: Outcome[];
  conformant: boolean;
  exitCode: 0 | 1 | 2;
}

/** Exit 1 when a counted failure or a stale baseline entry exists; else 2 on a harness error; else 0. */
export function verdictOfOutcomes(outcomes: Outcome[]): Verdict {
  const notConformant = outcomes.some((o) => o === 'fail' || o === 'stale-expected-failure');
  const harnessError = outcomes.includes('error');
  const exitCode = notConformant ? 1 : harnessError ? 2 : 0;
  return { outcomes, conformant: exitCode === 0, exitCode };
}

export function verdict(results: VerdictInput[], options: VerdictOptions): Verdict {
  return verdictOfOutcomes(results.map((r) => outcomeOf(r, options)));
}

/** The counts of a report; the outcome counts add up to `total`. */
export function summarize(checks: Pick<CheckResult, 'id' | 'level' | 'status' | 'outcome'>[]): Summary {
  const count = (pred: (c: (typeof checks)[number]) => boolean) => checks.filter(pred).length;
  const outcome = (o: Outcome) => count((c) => c.outcome === o);
  return {
    total: checks.length,
    pass: count((c) => c.status === 'pass'),
    fail: count((c) => c.status === 'fail'),
    skip: outcome('skip'),
    error: outcome('error'),
    expectedFailures: outcome('expected-failure'),
    staleExpectedFailures: outcome('stale-expected-failure'),
    passed: outcome('pass'),
    failed: outcome('fail'),
    warnings: outcome('should-failure'),
    mustNotRun: checks.filter((c) => c.level === 'MUST' && c.status === 'skip').map((c) => c.id),
  };
}
