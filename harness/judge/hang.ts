/**
 * When an instance that should exit is a hang: CONFLICT-1 and -2's instances on a taken port and
 * BINDFAIL-1's injected bind failures must exit, and are waited for up to the startup ceiling,
 * since a slow but busy start must not be called a hang. An instance that has printed its lock
 * error, or that has been idle well beyond what a normal start of the same candidate idles, is
 * not starting any more: it is waited for only as long as CONFLICT-3 watches an instance (its
 * patience, from the candidate's own median startup), then judged still running. Pure: the plans
 * ask it at every census of the instance.
 */
import { failFastBudgetMs, failFastPatienceMs, type StartBaseline } from './fail-fast.js';
import type { JudgeSettings } from './judgement.js';
import { findBindFailure, findLockMessage } from './messages.js';
import { median } from './stats.js';

/** How the run's own starts bound the wait for an instance that should exit. */
export interface HangLimits {
  /** CONFLICT-3's patience from the run's median spawn-to-LISTEN; the ceiling without a start. */
  patienceMs: number;
  /** A normal start's idle time until LISTEN (median), and the idle time beyond it that is waiting. */
  baselineIdleMs: number;
  idleBudgetMs: number;
}

/** What was seen of an instance so far. */
export interface InstanceSoFar {
  elapsedMs: number;
  idleMs: number;
  /**
   * Whether its output so far holds its lock error (printedLockError), asked only once the
   * patience is over: the output is up to 160 KB to join and scan, at every census.
   */
  printedError: () => boolean;
}

export type HangSign = 'printed its error' | 'idle';

export function hangLimits(baseline: StartBaseline, settings: JudgeSettings): HangLimits {
  const started = baseline.startupMs.length > 0;
  return {
    patienceMs: started ? failFastPatienceMs(median(baseline.startupMs), settings) : settings.startupCeilingMs,
    baselineIdleMs: baseline.idleMs.length > 0 ? median(baseline.idleMs) : 0,
    // A documented lock wait or bind retries idle by design: waiting that long is no hang sign.
    idleBudgetMs: failFastBudgetMs(settings) + (settings.documentedWaitMs ?? 0),
  };
}

/** The lock error an instance on a taken or failing port prints: the LOCK or the BIND-FAILURE message for P. */
export const printedLockError = (output: string, port: number): boolean => findLockMessage(output, port).found || findBindFailure(output, port).found;

/**
 * Why the instance counts as hung now, or undefined while it may still be starting: past the
 * patience, and it printed its lock error or idled more than a normal start plus the fail-fast
 * budget. A busy instance (running or waiting for a CPU) is given the ceiling.
 */
export function hangSign(seen: InstanceSoFar, limits: HangLimits): HangSign | undefined {
  if (seen.elapsedMs < limits.patienceMs) return undefined;
  if (seen.printedError()) return 'printed its error';
  if (seen.idleMs - limits.baselineIdleMs > limits.idleBudgetMs) return 'idle';
  return undefined;
}

/**
 * "still running 4100 ms after spawn, after it printed its error, idle 3900 ms: a hang"; without
 * an idle time, "still running 4100 ms after spawn, after it printed its error: a hang".
 */
export function describeHang(sign: HangSign, watchedMs: number, idleMs?: number): string {
  const idle = idleMs === undefined ? '' : ` ${Math.round(idleMs)} ms`;
  const why = sign === 'idle' ? `idle${idle}` : `after it printed its error${idle ? `, idle${idle}` : ''}`;
  return `still running ${Math.round(watchedMs)} ms after spawn, ${why}: a hang`;
}

/** An instance that never exited: as a hang where it was judged one, else how long it was watched. */
export function describeStillRunning(watchedMs: number, sign?: HangSign, idleMs?: number): string {
  return sign ? describeHang(sign, watchedMs, idleMs) : `still running after ${Math.round(watchedMs)} ms`;
}
