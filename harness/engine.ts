/** Runs the selected checks against a candidate, at most `concurrency` at a time, and builds the report. */
import { cpus, release } from 'node:os';
import { CATALOGUE, requirement } from './catalog.js';
import type { Check } from './checks/check.js';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { CheckResult, Interruption, Report, TimelineEvent, Warmup } from './report.js';
import { CheckContext, CheckFailed, CheckSkipped, RUN_TMP_PREFIX, SurvivedCleanup } from './run/context.js';
import { reaperWatch } from './run/reaper.js';
import type { ResolvedOptions } from './run/options.js';
import { PortPool } from './run/ports.js';
import { now, round, sleep } from './run/time.js';
import { outcomeOf, summarize, verdictOfOutcomes, type VerdictOptions } from './judge/verdict.js';
import { HARNESS } from './version.js';

export interface EngineHooks {
  onCheckStart?(id: string): void;
  /** Each result as soon as it exists, with its final outcome (the report's verdict uses the same). */
  onResult?(result: CheckResult): void;
  onWarmup?(phase: 'start' | 'end', warmup?: Warmup): void;
  /** Every timeline event of a running check (`warm-up` for the warm-up start), as it happens. */
  onEvent?(id: string, event: TimelineEvent): void;
  /** Print every timeline event to stderr as it happens (default: when GLC_TRACE is set). */
  trace?: boolean;
  /** Overrides the per-check watchdog (tests); by default it follows from the budgets. */
  watchdogMs?: number;
  /** Aborting ends every running candidate and rejects with `Interrupted`; a string reason names the signal. */
  signal?: AbortSignal;
}

export class Interrupted extends Error {
  constructor(
    readonly running: string[],
    /** What ran: completed checks, the interrupted ones with status error, marked `interrupted`. */
    readonly report?: Report,
  ) {
    super(running.length > 0 ? `interrupted while running ${running.join(', ')}` : 'interrupted before any check ran (during the warm-up start)');
  }
}

/** The ID under which the warm-up start's events are told. */
export const WARMUP_ID = 'warm-up';

const traceLine = (id: string, event: TimelineEvent) =>
  process.stderr.write(`[trace] ${id} ${event.tMs} ms ${event.event}${event.detail ? `: ${event.detail}` : ''}\n`);

function listen(ctx: CheckContext, id: string, hooks: EngineHooks): void {
  const trace = hooks.trace ?? Boolean(process.env.GLC_TRACE);
  if (!trace && !hooks.onEvent) return;
  ctx.onEvent = (event) => {
    if (trace) traceLine(id, event);
    hooks.onEvent?.(id, event);
  };
}

export function verdictOptions(options: ResolvedOptions): VerdictOptions {
  return { strict: options.strict, expectedFailures: options.expectedFailures, require: options.required, failOnSkip: options.failOnSkip };
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
  /** Set when the run is interrupted: checks that end from now on are marked interrupted. */
  interrupted?: { signal?: string };
}

class WatchdogExpired extends Error {}

async function runCheck(check: Check, options: ResolvedOptions, scope: RunScope, hooks: EngineHooks): Promise<CheckResult> {
  const req = requirement(check.id);
  const live = scope.live;
  const ctx = new CheckContext(options, scope.pool, scope.tmpDir);
  listen(ctx, check.id, hooks);
  live.add(ctx);
  const startedAt = now();
  let status: CheckResult['status'] = 'pass';
  let message: string;
  let watchdog: NodeJS.Timeout | undefined;
  try {
    const deadlineMs = hooks.watchdogMs ?? checkDeadlineMs(options);
    const deadline = new Promise<never>((_, reject) => {
      watchdog = setTimeout(() => reject(new WatchdogExpired(`the check did not finish within ${deadlineMs} ms`)), deadlineMs);
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
    // The check's own code still runs after the watchdog: stop it from starting anything first,
    // so that nothing it spawns outlives the cleanup below.
    if (error instanceof WatchdogExpired) await ctx.abort();
  } finally {
    clearTimeout(watchdog);
  }
  try {
    await ctx.cleanup();
  } catch (error) {
    if (error instanceof SurvivedCleanup) {
      // The harness failed to end the candidate: whatever the check found, the run is not clean.
      message = `harness error: ${error.message} (the check itself: ${status}: ${message})`;
      status = 'error';
    } else {
      if (status === 'pass') status = 'error';
      ctx.note(`cleanup failed: ${(error as Error).message}`);
    }
  }
  live.delete(ctx);
  const durationMs = round(now() - startedAt);
  if (scope.interrupted) {
    // Whatever it concluded, it concluded from a candidate the interrupt killed.
    ctx.note(`when interrupted the check was ending as ${status}: ${message}`);
    const last = ctx.evidence.timeline.at(-1);
    status = 'error';
    message = `interrupted${scope.interrupted.signal ? ` by ${scope.interrupted.signal}` : ''} after ${(durationMs / 1000).toFixed(1)} s${last ? `, after "${last.event}"` : ''}`;
  }
  return {
    id: req.id,
    level: req.level,
    title: req.title,
    section: req.section,
    status,
    outcome: outcomeOf({ id: req.id, level: req.level, status }, verdictOptions(options)),
    durationMs,
    message,
    measurements: ctx.measurements,
    evidence: ctx.evidence,
  };
}

class ScheduleInterrupted extends Error {
  constructor(
    readonly running: string[],
    readonly results: Map<string, CheckResult>,
  ) {
    super('interrupted');
  }
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
    scope.interrupted = signalName(hooks.signal);
    for (const ctx of live) void ctx.abort();
  };
  if (hooks.signal?.aborted) onAbort();
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
      const task = runCheck(next, options, scope, hooks).then((result) => {
        results.set(next.id, result);
        running.delete(next.id);
        if (!aborted) hooks.onResult?.(result);
      });
      running.set(next.id, task);
      await sleep(0);
    }
    await Promise.all(running.values());
    if (aborted) throw new ScheduleInterrupted(interrupted, results);
  } finally {
    hooks.signal?.removeEventListener('abort', onAbort);
  }
  return checks.map((c) => results.get(c.id)!);
}

function signalName(signal: AbortSignal | undefined): { signal?: string } {
  const reason: unknown = signal?.reason;
  return typeof reason === 'string' && /^SIG[A-Z0-9]+$/.test(reason) ? { signal: reason } : {};
}

/**
 * One unjudged start before the checks: the first start of a real build after install is its
 * slowest (cold compile and module caches), and it should not be a sample of BIND-5 or CONFLICT-3.
 */
async function warmUp(options: ResolvedOptions, scope: RunScope, hooks: EngineHooks): Promise<Warmup> {
  const signal = hooks.signal;
  // A candidate that never gets ready is the checks' business: the warm-up waits only the budget.
  const ctx = new CheckContext({ ...options, startupCeilingMs: options.startupBudgetMs }, scope.pool, scope.tmpDir);
  listen(ctx, WARMUP_ID, hooks);
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
  const partial = (running: string[], done: CheckResult[]): Interrupted => {
    const ran = new Set(done.map((r) => r.id));
    const interruption: Interruption = { ...signalName(hooks.signal), running, notStarted: checks.filter((c) => !ran.has(c.id)).map((c) => c.id) };
    return new Interrupted(running, buildReport(checks, options, done, { startedAt, durationMs: round(now() - t0), warmup, interruption }));
  };
  try {
    if (options.warmup) {
      hooks.onWarmup?.('start');
      warmup = await warmUp(options, scope, hooks);
      hooks.onWarmup?.('end', warmup);
      if (hooks.signal?.aborted) throw partial([], []);
    }
    try {
      results = await schedule(checks, options, hooks, scope);
    } catch (error) {
      if (!(error instanceof ScheduleInterrupted)) throw error;
      throw partial(error.running, checks.map((c) => error.results.get(c.id)).filter((r): r is CheckResult => r !== undefined));
    }
  } finally {
    rmSync(tmpDir, { recursive: true, force: true });
    reaperWatch.dirRemoved(tmpDir);
  }
  return buildReport(checks, options, results, { startedAt, durationMs: round(now() - t0), warmup });
}

/** The report of a run, or of the part of it that ran before an interrupt (exit code 2). */
function buildReport(
  checks: Check[],
  options: ResolvedOptions,
  results: CheckResult[],
  run: { startedAt: Date; durationMs: number; warmup?: Warmup; interruption?: Interruption },
): Report {
  const judged = verdictOfOutcomes(results.map((r) => r.outcome));
  const exitCode = run.interruption ? 2 : judged.exitCode;
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
      ...(options.required.size > 0 ? { require: [...options.required] } : {}),
      ...(options.failOnSkip ? { failOnSkip: true } : {}),
      selected: checks.map((c) => c.id),
    },
    ...(run.warmup ? { warmup: run.warmup } : {}),
    startedAt: run.startedAt.toISOString(),
    durationMs: run.durationMs,
    conformant: exitCode === 0,
    exitCode,
    summary: summarize(results),
    ...(run.interruption ? { interrupted: run.interruption } : {}),
    checks: results,
  };
}
