/** Runs the selected checks against a candidate, at most `concurrency` at a time, and builds the report. */
import { cpus, release } from 'node:os';
import { CATALOGUE, requirement } from './catalog.js';
import type { Check } from './checks/check.js';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { CheckResult, Report, Warmup } from './report.js';
import { CheckContext, CheckFailed, CheckSkipped, RUN_TMP_PREFIX } from './run/context.js';
import { reaperWatch } from './run/reaper.js';
import type { ResolvedOptions } from './run/options.js';
import { PortPool } from './run/ports.js';
import { now, round, sleep } from './run/time.js';
import { summarize, verdict } from './judge/verdict.js';
import { HARNESS } from './version.js';

export interface EngineHooks {
  onCheckStart?(id: string): void;
  onResult?(result: CheckResult): void;
  onWarmup?(phase: 'start' | 'end', warmup?: Warmup): void;
  /** Aborting ends every running candidate and rejects with `Interrupted`. */
  signal?: AbortSignal;
}

export class Interrupted extends Error {
  constructor(readonly running: string[]) {
    super(`interrupted while running ${running.join(', ') || 'no check'}`);
  }
}

/** A watchdog on a whole check: every wait inside is budgeted, so reaching it is a harness bug. */
function checkDeadlineMs(options: ResolvedOptions): number {
  return (options.trials * 3 + 12) * (options.startupCeilingMs + options.exitBudgetMs) + 60_000;
}

/** What every check of one run shares: its port pool and its temp dir (the candidates' TMPDIR). */
interface RunScope {
  pool: PortPool;
  tmpDir: string;
  live: Set<CheckContext>;
}

async function runCheck(check: Check, options: ResolvedOptions, scope: RunScope): Promise<CheckResult> {
  const req = requirement(check.id);
  const live = scope.live;
  const ctx = new CheckContext(options, scope.pool, scope.tmpDir);
  live.add(ctx);
  const startedAt = now();
  let status: CheckResult['status'] = 'pass';
  let message: string;
  let watchdog: NodeJS.Timeout | undefined;
  try {
    const deadline = new Promise<never>((_, reject) => {
      watchdog = setTimeout(() => reject(new Error(`the check did not finish within ${checkDeadlineMs(options)} ms`)), checkDeadlineMs(options));
    });
    message = await Promise.race([check.run(ctx), deadline]);
  } catch (error) {
    if (error instanceof CheckFailed) {
      status = 'fail';
      if (error.details.expected !== undefined) ctx.evidence.expected = error.details.expected;
      if (error.details.actual !== undefined) ctx.evidence.actual = error.details.actual;
    } else {
      status = error instanceof CheckSkipped ? 'skip' : 'error';
    }
    message = status === 'error' ? `harness error: ${(error as Error).message}` : (error as Error).message;
  } finally {
    clearTimeout(watchdog);
  }
  try {
    await ctx.cleanup();
  } catch (error) {
    if (status === 'pass') status = 'error';
    ctx.note(`cleanup failed: ${(error as Error).message}`);
  }
  live.delete(ctx);
  return {
    id: req.id,
    level: req.level,
    title: req.title,
    section: req.section,
    status,
    outcome: status,
    durationMs: round(now() - startedAt),
    message,
    measurements: ctx.measurements,
    evidence: ctx.evidence,
  };
}

/** Runs `checks` with a concurrency limit; an exclusive check runs with nothing beside it. */
async function schedule(checks: Check[], options: ResolvedOptions, hooks: EngineHooks, scope: RunScope): Promise<CheckResult[]> {
  const live = scope.live;
  const running = new Map<string, Promise<void>>();
  const results = new Map<string, CheckResult>();
  const pending = [...checks];
  let aborted = false;
  let interrupted: string[] = [];
  const onAbort = () => {
    aborted = true;
    interrupted = [...running.keys()];
    for (const ctx of live) void ctx.abort();
  };
  hooks.signal?.addEventListener('abort', onAbort, { once: true });
  try {
    while (pending.length > 0 && !aborted) {
      const next = pending[0]!;
      const room = next.exclusive ? running.size === 0 : running.size < options.concurrency;
      const blockedByExclusive = [...running.keys()].some((id) => checks.find((c) => c.id === id)?.exclusive);
      if (!room || blockedByExclusive) {
        await Promise.race(running.values());
        continue;
      }
      pending.shift();
      hooks.onCheckStart?.(next.id);
      const task = runCheck(next, options, scope).then((result) => {
        results.set(next.id, result);
        running.delete(next.id);
        if (!aborted) hooks.onResult?.(result);
      });
      running.set(next.id, task);
      await sleep(0);
    }
    await Promise.all(running.values());
    if (aborted) throw new Interrupted(interrupted);
  } finally {
    hooks.signal?.removeEventListener('abort', onAbort);
  }
  return checks.map((c) => results.get(c.id)!);
}

/**
 * One unjudged start before the checks: the first start of a real build after install is its
 * slowest (cold compile and module caches), and it should not be a sample of BIND-5 or CONFLICT-3.
 */
async function warmUp(options: ResolvedOptions, scope: RunScope, signal?: AbortSignal): Promise<Warmup> {
  // A candidate that never gets ready is the checks' business: the warm-up waits only the budget.
  const ctx = new CheckContext({ ...options, startupCeilingMs: options.startupBudgetMs }, scope.pool, scope.tmpDir);
  scope.live.add(ctx);
  const onAbort = () => void ctx.abort();
  signal?.addEventListener('abort', onAbort, { once: true });
  const t0 = now();
  try {
    const candidate = await ctx.start(await ctx.profile(), 'warm-up');
    return {
      durationMs: round(now() - t0),
      listenMs: round(candidate.listening.at - candidate.spawnedAt),
      readyMs: round(candidate.ready.at - candidate.listening.at),
      readiness: candidate.ready.method,
    };
  } catch (error) {
    return { durationMs: round(now() - t0), problem: (error as Error).message };
  } finally {
    signal?.removeEventListener('abort', onAbort);
    await ctx.cleanup().catch(() => {});
    scope.live.delete(ctx);
  }
}

export async function runChecks(checks: Check[], options: ResolvedOptions, hooks: EngineHooks = {}): Promise<Report> {
  const startedAt = new Date();
  const t0 = now();
  const tmpDir = mkdtempSync(join(tmpdir(), RUN_TMP_PREFIX));
  reaperWatch.dir(tmpDir);
  const scope: RunScope = { pool: new PortPool(), tmpDir, live: new Set() };
  let results: CheckResult[];
  let warmup: Warmup | undefined;
  try {
    if (options.warmup) {
      hooks.onWarmup?.('start');
      warmup = await warmUp(options, scope, hooks.signal);
      hooks.onWarmup?.('end', warmup);
      if (hooks.signal?.aborted) throw new Interrupted([]);
    }
    results = await schedule(checks, options, hooks, scope);
  } finally {
    rmSync(tmpDir, { recursive: true, force: true });
    reaperWatch.dirRemoved(tmpDir);
  }
  const judged = verdict(results, options);
  results.forEach((r, i) => (r.outcome = judged.outcomes[i]!));
  return {
    schemaVersion: 2,
    harness: HARNESS,
    specVersion: CATALOGUE.specVersion,
    candidate: { argv: options.command, cwd: options.cwd, env: options.env },
    environment: {
      platform: process.platform,
      kernel: release(),
      arch: process.arch,
      node: process.version,
      uid: process.getuid?.() ?? -1,
      cpus: cpus().length,
    },
    options: {
      trials: options.trials,
      concurrency: options.concurrency,
      timeoutMultiplier: options.timeoutMultiplier,
      startupBudgetMs: options.startupBudgetMs,
      releaseBudgetMs: options.releaseBudgetMs,
      exitBudgetMs: options.exitBudgetMs,
      startupCeilingMs: options.startupCeilingMs,
      strict: options.strict,
      warmup: options.warmup,
      ...(options.readyPattern !== undefined ? { readyPattern: options.readyPattern } : {}),
      ...(options.readyDelayMs !== undefined ? { readyDelayMs: options.readyDelayMs } : {}),
      selected: checks.map((c) => c.id),
    },
    ...(warmup ? { warmup } : {}),
    startedAt: startedAt.toISOString(),
    durationMs: round(now() - t0),
    conformant: judged.conformant,
    exitCode: judged.exitCode,
    summary: summarize(results),
    checks: results,
  };
}
