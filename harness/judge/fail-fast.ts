/**
 * CONFLICT-3's criterion, a pure function over what was observed of instances that met a taken
 * port. Spec: "Fail fast, on every conflict path (foreign occupier, isolated profile, same
 * profile): no retry loop, no lock wait, no hang." Three measures, each judged on its median
 * over the rounds of one path:
 * - bind to exit: from the first failing bind() on P to the exit, where binds were observed;
 * - waiting: idle time (the instance's processes neither running nor runnable) from spawn to
 *   exit, beyond what a normal start of the same candidate idles before LISTEN;
 * - spawn to exit, where no failing bind on P was observed: within 1.5 x the candidate's own
 *   median spawn-to-LISTEN + the fail-fast budget.
 * Idle time, not wall time, is what catches a polled lock or retry sleeps on a loaded host: a
 * starved process waits for a CPU (not idle), a sleeping one does not.
 */
import type { JudgeSettings } from './judgement.js';
import { median } from './stats.js';

/** First failing bind to exit, and waiting beyond a normal start: the fail-fast budget. */
export const FAIL_FAST_BUDGET_MS = 1000;

export const failFastBudgetMs = (settings: JudgeSettings): number => FAIL_FAST_BUDGET_MS * Math.max(1, settings.timeoutMultiplier);

/**
 * How long CONFLICT-3 watches an instance on a taken port: three spawn budgets tell a slow exit
 * from a retry loop or a hang, plus what the judged revision documents as a wait; never past the
 * startup ceiling.
 */
export function failFastPatienceMs(baselineStartupMs: number, settings: JudgeSettings): number {
  return Math.min(settings.startupCeilingMs, 3 * (1.5 * baselineStartupMs + failFastBudgetMs(settings)) + (settings.documentedWaitMs ?? 0));
}

export interface ConflictTiming {
  /** Spawn to exit of the spawned process; Infinity when it never exited (or listened instead). */
  spawnToExitMs: number;
  /** How long it was watched before it was ended, when it did not exit by itself. */
  watchedMs?: number;
  /** Spawn to its first failing bind() on P; undefined when none was observed. */
  firstFailedBindMs?: number;
  /** How many binds on P failed, over how long (first to last), when observed. */
  failedBinds?: number;
  failedBindSpanMs?: number;
  idleMs: number;
}

export interface StartBaseline {
  /** The same candidate's spawn-to-LISTEN times on free ports, this run. */
  startupMs: number[];
  /** Its idle time from spawn to LISTEN on those starts. */
  idleMs: number[];
}

export interface FailFastLimits {
  /** First failing bind to exit, and idle time beyond the baseline: 1000 ms x multiplier. */
  budgetMs: number;
  /**
   * What a spec revision allows on top of the budget (0 in 2025-12-11): a documented lock wait
   * before the bind adds `beforeBindMs` to the waiting and spawn-to-exit limits; documented
   * EADDRINUSE retries add `afterBindMs` to those and to bind-to-exit.
   */
  beforeBindMs?: number;
  afterBindMs?: number;
  /** At most this many binds of P may fail, where they were traced (documented retries + 1). */
  maxFailedBinds?: number;
}

export type Decision = 'pass' | 'fail' | undefined;

export interface PathVerdict {
  decision: Decision;
  /** One clause per measure that is over, empty when none is. */
  problems: string[];
  /** Named medians for the report. */
  measurements: Record<string, number>;
}

/** "21 binds of port P failed over 10.0 s". */
const retriesText = (t: ConflictTiming): string => `${t.failedBinds} binds of port P failed over ${((t.failedBindSpanMs ?? 0) / 1000).toFixed(1)} s`;

const ms = (value: number): string => (Number.isFinite(value) ? `${Math.round(value)} ms` : 'never');

/** A measure over `rounds` samples: decided once more than half of all rounds are on one side. */
function decide(values: number[], limit: number, rounds: number): Decision {
  const over = values.filter((v) => v > limit).length;
  const within = values.length - over;
  if (over > rounds / 2) return 'fail';
  if (within > rounds / 2) return 'pass';
  return values.length >= rounds ? (median(values) > limit ? 'fail' : 'pass') : undefined;
}

/**
 * Judges one conflict path from its rounds so far (`rounds` is how many it will have at most).
 * The decision is undefined while more rounds could still change it.
 */
export function judgePath(label: string, timings: ConflictTiming[], baseline: StartBaseline, limits: FailFastLimits, rounds: number): PathVerdict {
  const problems: string[] = [];
  const decisions: Decision[] = [];
  const measurements: Record<string, number> = {};
  const baseIdle = baseline.idleMs.length > 0 ? median(baseline.idleMs) : 0;
  const before = limits.beforeBindMs ?? 0;
  const after = limits.afterBindMs ?? 0;
  const allowance = before + after;
  const spawnLimit = 1.5 * (baseline.startupMs.length > 0 ? median(baseline.startupMs) : 0) + limits.budgetMs + allowance;
  const bindLimit = limits.budgetMs + after;
  const idleLimit = limits.budgetMs + allowance;
  /** "the budget of 1000 ms", or with a revision's allowance "the budget of 1000 ms + 5000 ms allowed". */
  const over = (limit: number, extra: number) => `over the budget of ${ms(limit - extra)}${extra > 0 ? ` + ${ms(extra)} allowed` : ''}`;

  const exitsNever = timings.filter((t) => !Number.isFinite(t.spawnToExitMs)).length;
  if (exitsNever > rounds / 2 || (timings.length >= rounds && exitsNever > 0 && median(timings.map((t) => t.spawnToExitMs)) === Infinity)) {
    const hung = timings.filter((t) => !Number.isFinite(t.spawnToExitMs));
    const watched = hung.map((t) => `${ms(t.watchedMs ?? Infinity)} (idle ${ms(t.idleMs)})`).join(', ');
    return { decision: 'fail', problems: [`${label}: the instance had not exited after ${watched}: a hang or a wait`], measurements };
  }

  const bound = timings.filter((t) => t.firstFailedBindMs !== undefined);
  if (bound.length > 0) {
    const bindToExit = bound.map((t) => t.spawnToExitMs - t.firstFailedBindMs!);
    measurements.bindToExit = median(bindToExit);
    const decision = decide(bindToExit, bindLimit, rounds);
    decisions.push(decision);
    if (decision === 'fail') {
      const worst = bound[bindToExit.indexOf(Math.max(...bindToExit))]!;
      const retries = worst.failedBinds && worst.failedBinds > 1 ? `${retriesText(worst)}, ` : '';
      problems.push(`${label}: ${retries}exit ${ms(median(bindToExit))} (median) after the first failing bind, ${over(bindLimit, after)}`);
    }
    if (limits.maxFailedBinds !== undefined) {
      const counts = bound.map((t) => t.failedBinds ?? 1);
      const retried = decide(counts, limits.maxFailedBinds, rounds);
      decisions.push(retried);
      if (retried === 'fail') problems.push(`${label}: ${median(counts)} binds of port P failed (median), more than the ${limits.maxFailedBinds} allowed`);
    }
  }

  const excessIdle = timings.map((t) => Math.max(0, t.idleMs - baseIdle));
  measurements.idleBeyondStartup = median(excessIdle);
  const idleDecision = decide(excessIdle, idleLimit, rounds);
  decisions.push(idleDecision);
  if (idleDecision === 'fail') {
    const allowed = allowance > 0 ? `, ${over(idleLimit, allowance)}` : '';
    problems.push(`${label}: waited ${ms(median(excessIdle))} (median idle time before the exit beyond a normal start's ${ms(baseIdle)})${allowed}: a retry loop or a lock wait`);
  }

  const unbound = timings.filter((t) => t.firstFailedBindMs === undefined);
  if (unbound.length > 0) {
    const spawnToExit = unbound.map((t) => t.spawnToExitMs);
    measurements.spawnToExit = median(spawnToExit);
    measurements.spawnToExitBudget = spawnLimit;
    const decision = decide(spawnToExit, spawnLimit, rounds);
    decisions.push(decision);
    if (decision === 'fail') {
      const allowed = allowance > 0 ? ` + ${ms(allowance)} allowed` : '';
      problems.push(`${label}: exited ${ms(median(spawnToExit))} (median) after spawn, no failing bind on P seen, over the budget of ${ms(spawnLimit)} (1.5 x median startup + ${ms(limits.budgetMs)}${allowed})`);
    }
  }

  let decision: Decision = decisions.includes('fail') ? 'fail' : decisions.every((d) => d === 'pass') ? 'pass' : undefined;
  // A retry loop seen directly decides the path in any round: binds of P that go on failing for
  // longer than the budget are the behaviour the requirement forbids, and load does not make a
  // gateway bind twice (the medians are for times that load can stretch).
  // A revision's documented EADDRINUSE retries (afterBindMs) are part of that allowance.
  const looped = timings.find((t) => (t.failedBinds ?? 0) > 1 && (t.failedBindSpanMs ?? 0) > bindLimit);
  if (looped && decision !== 'fail') {
    decision = 'fail';
    const bindToExit = looped.spawnToExitMs - (looped.firstFailedBindMs ?? 0);
    const exit = Number.isFinite(bindToExit) ? `exit ${ms(bindToExit)} after the first` : 'no exit';
    const budget = after > 0 ? `budget ${ms(limits.budgetMs)} + ${ms(after)} allowed` : `budget ${ms(limits.budgetMs)}`;
    problems.push(`${label}: a retry loop, ${retriesText(looped)}, ${exit} (${budget})`);
  }
  return { decision, problems, measurements };
}
