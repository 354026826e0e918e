/**
 * Per-trial numbers of a check, read back from its evidence, with the budget each is judged
 * against: signal to port free and to exit (from the lanes), spawn to LISTEN and LISTEN to ready
 * (each start's own record), and the exit after a failing bind (the tracer's binds). The report's
 * measurements give percentiles; these give every trial, so an outlier shows as one.
 */
import type { CheckResult, Report } from '../report.js';
import { exitMark, type Lanes } from './lanes.js';

export interface Sample {
  /** Which trial: the process's role and, for a stop, the signal. */
  label: string;
  valueMs: number;
}

export interface Distribution {
  /** e.g. `signal to port free`. */
  title: string;
  samples: Sample[];
  budgetMs?: number;
  /** What the budget is, e.g. `release budget`. */
  budgetName?: string;
}

const shortSignal = (label: string) => /^(SIG[A-Z0-9]+)/.exec(label)?.[1] ?? 'signal';

export function distributionsOf(check: CheckResult, lanes: Lanes, options: Report['options']): Distribution[] {
  const release: Sample[] = [];
  const exit: Sample[] = [];
  const conflictExit: Sample[] = [];
  for (const lane of lanes.lanes) {
    const signals = lane.marks.filter((m) => m.kind === 'signal');
    signals.forEach((signal, i) => {
      const until = signals[i + 1]?.tMs ?? Number.POSITIVE_INFINITY;
      const within = (kind: string) => lane.marks.find((m) => m.kind === kind && m.tMs >= signal.tMs && m.tMs < until);
      const label = `${lane.role}, ${shortSignal(signal.label)}`;
      const free = within('port-free');
      if (free) release.push({ label, valueMs: round(free.tMs - signal.tMs) });
      const exited = within('exit');
      if (exited) exit.push({ label, valueMs: round(exited.tMs - signal.tMs) });
    });
    const firstFailedBind = lane.marks.find((m) => m.kind === 'bind-failed');
    const exited = exitMark(lane);
    if (firstFailedBind && exited && exited.tMs >= firstFailedBind.tMs) conflictExit.push({ label: lane.role, valueMs: round(exited.tMs - firstFailedBind.tMs) });
  }
  const listen: Sample[] = [];
  const ready: Sample[] = [];
  for (const p of check.evidence.processes) {
    if (!p.startup) continue;
    listen.push({ label: p.role, valueMs: p.startup.listenMs });
    if (p.startup.readyMs !== undefined) ready.push({ label: p.role, valueMs: p.startup.readyMs });
  }
  const budget = check.measurements.budget;
  const found: Distribution[] = [
    { title: 'signal to port free', samples: release, budgetMs: options.releaseBudgetMs, budgetName: 'release budget' },
    { title: 'signal to exit', samples: exit, budgetMs: options.exitBudgetMs, budgetName: 'exit budget' },
    { title: 'first failing bind to exit', samples: conflictExit, ...(budget !== undefined ? { budgetMs: budget, budgetName: 'fail-fast budget' } : {}) },
    { title: 'spawn to LISTEN (startup)', samples: listen, budgetMs: options.startupBudgetMs, budgetName: 'startup budget' },
    { title: 'LISTEN to ready', samples: ready },
  ];
  return found.filter((d) => d.samples.length > 0);
}

const round = (ms: number) => Math.round(ms * 10) / 10;
