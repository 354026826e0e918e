/**
 * What a run cost in units of the candidate's own startup: its wall time divided by the median
 * spawn-to-ready of the starts it made (startup-equivalents), beside how many processes it spawned.
 * A candidate's startup is the physical limit of a run; this is the number to keep small.
 */
import type { Report } from '../report.js';
import { median } from '../judge/stats.js';

export interface RunCost {
  spawns: number;
  /** Gateways that got ready (distinct processes in the evidence). */
  starts: number;
  medianSpawnToReadyMs: number;
  startupEquivalents: number;
}

export function runCost(report: Report): RunCost {
  const seen = new Map<string, number>();
  for (const check of report.checks) {
    for (const p of check.evidence.processes) {
      if (p.startup?.readyMs === undefined) continue;
      // A shared scenario's processes appear in every check it served: count each once.
      seen.set(`${p.pid}:${p.role}`, p.startup.listenMs + p.startup.readyMs);
    }
  }
  const spawnToReady = median([...seen.values()]);
  return {
    spawns: report.spawns ?? Number.NaN,
    starts: seen.size,
    medianSpawnToReadyMs: spawnToReady,
    startupEquivalents: Number.isFinite(spawnToReady) && spawnToReady > 0 ? report.durationMs / spawnToReady : Number.NaN,
  };
}
