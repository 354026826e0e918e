/**
 * Sequential trials: when a timing check's series of trials may end before --trials. A series
 * ends on an exact decision (more trials cannot change the verdict: a trial that failed outright,
 * or a majority of samples over the budget, which puts the median over it whatever follows), or
 * on a clear one: a majority of the planned trials, at least three, every sample within half the
 * budget. That is a pass whatever the remaining trials measure (the median of N samples of which
 * a majority is under half the budget is under the budget), so the only verdict it can change is
 * "every trial" clauses: a candidate fast in its first three trials and stuck in a later one
 * passes on three trials where the fixed count fails it. The half-budget margin keeps such a
 * series for candidates whose samples come near the budget. --no-early-stop runs every trial.
 */
import type { JudgeSettings } from './judgement.js';

/** The least samples, and the share of the budget every one must be within, for a clear pass. */
export const EARLY_STOP = { leastTrials: 3, withinShare: 0.5 } as const;

/** A majority of the planned trials, and at least three (all of them when fewer are planned). */
export function clearPassTrials(trials: number): number {
  return Math.max(Math.min(EARLY_STOP.leastTrials, trials), Math.floor(trials / 2) + 1);
}

/** True when a series may end as a pass now: enough samples, every one within half the budget. */
export function clearlyWithin(samples: readonly number[], budgetMs: number, settings: JudgeSettings): boolean {
  if (!settings.earlyStop) return false;
  return samples.length >= clearPassTrials(settings.trials) && samples.every((ms) => ms <= budgetMs * EARLY_STOP.withinShare);
}

/** With --no-early-stop, a series is open until it has every trial, whatever it showed. */
export function fixedCountOpen(done: number, settings: JudgeSettings): boolean {
  return !settings.earlyStop && done < settings.trials;
}
