/** Library entry: `runConformance(options)` resolves to the conformance report. */
import { resolveRun } from './config.js';
import { runChecks, type EngineHooks } from './engine.js';
import type { Report } from './report.js';
import type { RunOptions } from './run/options.js';

export { UsageError, referenceCommand } from './config.js';
export { Interrupted, type EngineHooks } from './engine.js';
export { CATALOGUE, type Requirement } from './catalog.js';
export { CHECKS } from './checks/index.js';
export { verdict, outcomeOf } from './judge/verdict.js';
export type { RunOptions } from './run/options.js';
export type * from './report.js';
export { htmlReport } from './reporters/html.js';
export { compareReports, compareMarkdown, compareJson, type CompareInput, type Comparison } from './reporters/compare.js';
export { compareHtml } from './reporters/compare-html.js';

/** Throws UsageError for bad options, Interrupted when `hooks.signal` aborts. */
export async function runConformance(options: RunOptions = {}, hooks: EngineHooks = {}): Promise<Report> {
  const run = resolveRun(options);
  return runChecks(run.checks, run.options, hooks);
}
