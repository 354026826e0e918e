/**
 * What a criterion returns, and the vocabulary criteria share. A criterion is a pure function from
 * recorded observations (plain data, no processes, no clock) and the run's settings to a
 * judgement: pass, fail with evidence, skip, or undecided (more trials could still change it).
 * The observation plans call the same criteria to end early, so a check ends where it is judged.
 */
import type { RunSettings } from '../report.js';

export type Measurements = Record<string, number>;

/** Something the candidate did wrong at one step of a plan: the step could not go on. */
export interface Failure {
  message: string;
  expected?: string;
  actual?: string;
}

/** The outcome of one step of an observation plan: what it saw, or the candidate's failure. */
export type Step<T> = ({ ok: true } & T) | { ok: false; failure: Failure };

export type Judgement = (
  | { status: 'pass'; message: string }
  | { status: 'fail'; message: string; expected?: string; actual?: string }
  | { status: 'skip'; message: string }
  | { status: 'undecided' }
) & {
  measurements?: Measurements;
  /** Findings that are no verdict (an artefact another program may have made). */
  notes?: string[];
};

/** The settings criteria read: budgets and trials, after --timeout-multiplier. */
export type JudgeSettings = Pick<RunSettings, 'trials' | 'startupBudgetMs' | 'releaseBudgetMs' | 'exitBudgetMs' | 'startupCeilingMs' | 'timeoutMultiplier' | 'earlyStop'> & {
  /**
   * The longest the judged spec revision lets an instance on a taken port wait before it fails
   * (its documented lock wait and bind retries; absent or 0 in 2025-12-11): the watch of such an
   * instance is that much longer, so a documented wait is never cut off as a hang.
   */
  documentedWaitMs?: number;
};

export const pass = (message: string, measurements?: Measurements): Judgement => ({ status: 'pass', message, ...(measurements ? { measurements } : {}) });

export function fail(message: string, details: { expected?: string; actual?: string } = {}, measurements?: Measurements): Judgement {
  return {
    status: 'fail',
    message,
    ...(details.expected !== undefined ? { expected: details.expected } : {}),
    ...(details.actual !== undefined ? { actual: details.actual } : {}),
    ...(measurements ? { measurements } : {}),
  };
}

/** The judgement of a step the candidate failed. */
export const failed = (failure: Failure, measurements?: Measurements): Judgement => fail(failure.message, failure, measurements);

export const skip = (message: string): Judgement => ({ status: 'skip', message });

export const undecided = (measurements?: Measurements): Judgement => ({ status: 'undecided', ...(measurements ? { measurements } : {}) });


/** How a process ended, as criteria read it. */
export interface ExitSeen {
  code: number | null;
  signal: string | null;
  spawnError?: string;
}

export function describeExitSeen(exit: ExitSeen | undefined): string {
  if (!exit) return 'still running';
  if (exit.spawnError) return `could not be started: ${exit.spawnError}`;
  return exit.signal ? `killed by ${exit.signal}` : `exit code ${exit.code}`;
}

/** The last line of a candidate's output, as a hint in a failure message. */
export function outputHint(output: string): string {
  const last = output.trim().split('\n').filter(Boolean).pop();
  return last ? `; last output: "${last.trim().slice(0, 200)}"` : '';
}
