/** The fixed part of a synthetic report, shared by the tests that build one by hand. */
import { requirement } from '../../harness/catalog.js';
import { outcomeOf, type VerdictOptions } from '../../harness/judge/verdict.js';
import type { CheckResult, Report, Status } from '../../harness/report.js';

export function reportHeader(options: Partial<Report['options']> = {}): Pick<Report, 'schemaVersion' | 'harness' | 'specVersion' | 'environment' | 'options'> {
  return {
    schemaVersion: 2,
    harness: { name: 'gateway-lock-conformance', version: '0.1.0' },
    specVersion: '2025-12-11',
    environment: { platform: 'linux', kernel: '6.8.0', arch: 'x64', node: 'v20.19.0', uid: 1000, cpus: 2 },
    options: {
      trials: 5,
      earlyStop: true,
      concurrency: 1,
      timeoutMultiplier: 1,
      startupBudgetMs: 30000,
      releaseBudgetMs: 1000,
      exitBudgetMs: 5000,
      startupCeilingMs: 120000,
      strict: false,
      warmup: true,
      isolated: false,
      selected: [],
      ...options,
    },
  };
}

/** A synthetic check result: the catalogue's level, title and sentence, the outcome from `verdict`. */
export function syntheticResult(
  id: string,
  status: Status,
  verdict: VerdictOptions,
  extra: Partial<Pick<CheckResult, 'message' | 'measurements' | 'durationMs' | 'evidence'>> = {},
): CheckResult {
  const req = requirement(id);
  return {
    id,
    level: req.level,
    title: req.title,
    section: req.section,
    requirement: req.sentence,
    status,
    outcome: outcomeOf({ id, level: req.level, status }, verdict),
    durationMs: 100,
    message: `${id} ${status}`,
    measurements: {},
    evidence: { processes: [], portHolders: [], timeline: [], notes: [] },
    ...extra,
  };
}
