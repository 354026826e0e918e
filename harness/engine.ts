/**
 * Runs the selected checks against a candidate and builds the report: plans the scenario runs
 * (units) the checks need, runs at most `concurrency` at a time, and judges each check by its
 * criterion once its units have ended.
 */
import { cpus, release } from 'node:os';
import { DEFAULT_REVISION, requirement } from './catalog.js';
import type { Check, Needs, Scenario } from './checks/check.js';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { CheckResult, Evidence, Interruption, Report, RunPlan, TimelineEvent, Warmup } from './report.js';
import { CheckContext, CheckFailed, RUN_TMP_PREFIX, SurvivedCleanup } from './run/context.js';
import { reaperWatch } from './run/reaper.js';
import { bindTracer } from './observe/bind-trace.js';
import { useSockDiag } from './observe/procfs.js';
import { startSockDiag } from './observe/sock-diag.js';
import { buildNative } from './run/native.js';
import { seccompInjector } from './inject/bind-errno.js';
import type { ResolvedOptions } from './run/options.js';
import { PortPool } from './run/ports.js';
import { StartHistory } from './run/starts.js';
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
  /** The plan, once, before anything is spawned. */
  onPlan?(plan: RunPlan): void;
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

const traceLine = (label: string, event: TimelineEvent) =>
  process.stderr.write(`[trace] ${label} ${event.tMs} ms ${event.event}${event.detail ? `: ${event.detail}` : ''}\n`);

/** Forwards a context's events: once to the trace, to the hook for each check it serves. */
function listen(ctx: CheckContext, ids: string[], hooks: EngineHooks): void {
  const trace = hooks.trace ?? Boolean(process.env.GLC_TRACE);
  if (!trace && !hooks.onEvent) return;
  ctx.onEvent = (event) => {
    if (trace) traceLine(ids.join('+'), event);
    for (const id of ids) hooks.onEvent?.(id, event);
  };
}

export function verdictOptions(options: ResolvedOptions): VerdictOptions {
  return { strict: options.strict, expectedFailures: options.expectedFailures, require: options.required, failOnSkip: options.failOnSkip };
}

/** A watchdog on a whole scenario run: every wait inside is budgeted, so reaching it is a harness bug. */
function checkDeadlineMs(options: ResolvedOptions): number {
  return (options.trials * 3 + 12) * (options.startupCeilingMs + options.exitBudgetMs) + 60_000;
}

/** What every scenario run of one run shares: its port pool and its temp dir (the candidates' TMPDIR). */
interface RunScope {
  pool: PortPool;
  tmpDir: string;
  live: Set<CheckContext>;
  /** Set when the run is interrupted: units that end from now on are marked interrupted. */
  interrupted?: { signal?: string };
  /** Candidates spawned so far (the warm-up and every scenario run). */
  spawns: number;
  /** The warm-up, once some start has warmed the candidate's caches (or none is wanted). */
  warm: boolean;
  /** Every start that listened, in every unit and the warm-up (how long a hang is waited for). */
  starts: StartHistory;
  warmup?: Warmup;
}

class WatchdogExpired extends Error {}

/** One run of a scenario, for the checks that depend on it. */
interface Unit {
  scenario: Scenario<unknown>;
  checks: Check[];
}

/** What a unit left: its observation, or why there is none, and its evidence. */
interface UnitRun {
  observation?: unknown;
  /** A candidate failure that escaped the plan (a step not made an attempt), or a harness error: every dependent gets it. */
  broken?: { status: 'fail' | 'error'; message: string; expected?: string; actual?: string };
  interrupted?: string;
  evidence: Evidence;
  startedAt: number;
  endedAt: number;
}

/**
 * The units of a run. Shared: one per scenario, serving every selected check that names it.
 * Isolated: one per check and scenario, each observing only what that check needs. Units that
 * run alone come first; the rest longest first (a stable sort: ties keep catalogue order).
 */
export function planUnits(checks: Check[], isolated: boolean): Unit[] {
  const units: Unit[] = [];
  const shared = new Map<Scenario<unknown>, Unit>();
  for (const check of checks) {
    for (const scenario of check.scenarios) {
      const found = isolated ? undefined : shared.get(scenario);
      if (found) found.checks.push(check);
      else {
        const unit = { scenario, checks: [check] };
        units.push(unit);
        shared.set(scenario, unit);
      }
    }
  }
  const longestFirst = units.filter((u) => !u.scenario.exclusive).sort((a, b) => b.scenario.weight - a.scenario.weight);
  return [...units.filter((u) => u.scenario.exclusive), ...longestFirst];
}

const labelOf = (unit: Unit) => unit.checks.map((c) => c.id).join('+');

/**
 * The run's plan as data: its scenario runs in the order they are started, what each serves,
 * and how many processes each spawns (a range: a series ends early once decided).
 */
export function planRun(checks: Check[], options: ResolvedOptions): RunPlan {
  const units = planUnits(checks, options.isolated);
  const warmup = options.warmup && units.length > 0 && !units[0]!.scenario.warmsUp;
  const planned = units.map((u) => ({
    scenario: u.scenario.name,
    checks: u.checks.map((c) => c.id),
    alone: u.scenario.exclusive === true,
    spawns: u.scenario.spawns?.(options) ?? { least: u.scenario.weight, most: u.scenario.weight },
  }));
  const total = (key: 'least' | 'most') => (warmup ? 1 : 0) + planned.reduce((sum, u) => sum + u.spawns[key], 0);
  return { warmup, units: planned, spawns: { least: total('least'), most: total('most') } };
}

function needsOf(unit: Unit, options: ResolvedOptions): Needs<unknown> {
  const ids = new Set(unit.checks.map((c) => c.id));
  return {
    ids,
    has: (id) => ids.has(id),
    pending(id, observation) {
      const check = unit.checks.find((c) => c.id === id);
      if (!check) return false;
      if (check.scenarios.length !== 1) throw new Error(`${id} is judged on several scenarios: a plan cannot ask whether it is pending`);
      return check.judge([observation], options).status === 'undecided';
    },
  };
}

async function runUnit(unit: Unit, options: ResolvedOptions, scope: RunScope, hooks: EngineHooks): Promise<UnitRun> {
  const ctx = new CheckContext(options, scope.pool, scope.tmpDir, scope.starts);
  const ids = unit.checks.map((c) => c.id);
  listen(ctx, ids, hooks);
  scope.live.add(ctx);
  const startedAt = now();
  const run: Omit<UnitRun, 'endedAt'> = { evidence: ctx.evidence, startedAt };
  let watchdog: NodeJS.Timeout | undefined;
  try {
    const deadlineMs = hooks.watchdogMs ?? checkDeadlineMs(options);
    const deadline = new Promise<never>((_, reject) => {
      watchdog = setTimeout(() => reject(new WatchdogExpired(`the check did not finish within ${deadlineMs} ms`)), deadlineMs);
    });
    run.observation = await Promise.race([unit.scenario.observe(ctx, needsOf(unit, options)), deadline]);
  } catch (error) {
    if (error instanceof CheckFailed) run.broken = { status: 'fail', message: error.message, ...error.details };
    else run.broken = { status: 'error', message: `harness error: ${(error as Error).message}` };
    // The plan's own code still runs after the watchdog: stop it from starting anything first,
    // so that nothing it spawns outlives the cleanup below.
    if (error instanceof WatchdogExpired) await ctx.abort();
  } finally {
    clearTimeout(watchdog);
  }
  try {
    await ctx.cleanup();
  } catch (error) {
    if (error instanceof SurvivedCleanup) {
      // The harness failed to end the candidate: whatever the plan saw, the run is not clean.
      run.broken = { status: 'error', message: `harness error: ${error.message}` };
    } else {
      run.broken ??= { status: 'error', message: `harness error: cleanup failed: ${(error as Error).message}` };
      ctx.note(`cleanup failed: ${(error as Error).message}`);
    }
  }
  scope.live.delete(ctx);
  scope.spawns += ctx.spawnCount;
  if (scope.interrupted) {
    const last = ctx.evidence.timeline.at(-1);
    const seconds = ((now() - startedAt) / 1000).toFixed(1);
    run.interrupted = `interrupted${scope.interrupted.signal ? ` by ${scope.interrupted.signal}` : ''} after ${seconds} s${last ? `, after "${last.event}"` : ''}`;
  }
  return { ...run, endedAt: now() };
}

/** The evidence of a check judged on `runs`: theirs, timelines on the first run's clock. */
function evidenceOf(runs: UnitRun[]): Evidence {
  const origin = Math.min(...runs.map((r) => r.startedAt));
  const evidence: Evidence = { processes: [], portHolders: [], timeline: [], notes: [] };
  for (const run of runs) {
    const shift = round(run.startedAt - origin);
    evidence.processes.push(...run.evidence.processes);
    evidence.portHolders.push(...run.evidence.portHolders);
    evidence.timeline.push(...run.evidence.timeline.map((e) => (shift === 0 ? { ...e } : { ...e, tMs: round(e.tMs + shift) })));
    evidence.notes.push(...run.evidence.notes);
  }
  evidence.timeline.sort((a, b) => a.tMs - b.tMs);
  return evidence;
}

/** A check's result: its criterion over its units' observations, or what kept them from it. */
function resultOf(check: Check, runs: UnitRun[], options: ResolvedOptions): CheckResult {
  const req = requirement(check.id, options.revision?.id);
  const evidence = evidenceOf(runs);
  let status: CheckResult['status'];
  let message: string;
  let measurements: Record<string, number> = {};
  const broken = runs.find((r) => r.broken)?.broken;
  if (broken) {
    ({ status, message } = broken);
    if (broken.expected !== undefined) evidence.expected = broken.expected;
    if (broken.actual !== undefined) evidence.actual = broken.actual;
  } else {
    const judgement = check.judge(runs.map((r) => r.observation), options);
    for (const [name, value] of Object.entries(judgement.measurements ?? {})) if (Number.isFinite(value)) measurements[name] = round(value);
    evidence.notes.push(...(judgement.notes ?? []));
    if (judgement.status === 'undecided') {
      status = 'error';
      message = 'harness error: the observations left the criterion undecided';
    } else {
      status = judgement.status;
      message = judgement.message;
      if (judgement.status === 'fail') {
        if (judgement.expected !== undefined) evidence.expected = judgement.expected;
        if (judgement.actual !== undefined) evidence.actual = judgement.actual;
      }
    }
  }
  const interrupted = runs.find((r) => r.interrupted)?.interrupted;
  if (interrupted) {
    // Whatever it concluded, it concluded from a candidate the interrupt killed.
    evidence.notes.push(`when interrupted the check was ending as ${status}: ${message}`);
    status = 'error';
    message = interrupted;
    measurements = {};
  }
  return {
    id: req.id,
    level: req.level,
    title: req.title,
    section: req.section,
    requirement: req.sentence,
    status,
    outcome: outcomeOf({ id: req.id, level: req.level, status }, verdictOptions(options)),
    durationMs: round(Math.max(...runs.map((r) => r.endedAt)) - Math.min(...runs.map((r) => r.startedAt))),
    message,
    measurements,
    evidence,
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

/**
 * Runs the units with a concurrency limit (a unit that runs alone has nothing beside it), and
 * judges each check as soon as the last unit it depends on has ended.
 */
async function schedule(checks: Check[], options: ResolvedOptions, hooks: EngineHooks, scope: RunScope): Promise<CheckResult[]> {
  const live = scope.live;
  const units = planUnits(checks, options.isolated);
  hooks.onPlan?.(planRun(checks, options));
  const runs = new Map<Unit, UnitRun>();
  const running = new Map<Unit, Promise<void>>();
  const results = new Map<string, CheckResult>();
  const announced = new Set<string>();
  const pending = [...units];
  let aborted = false;
  let interrupted: string[] = [];
  const onAbort = () => {
    aborted = true;
    interrupted = [...new Set([...running.keys()].flatMap((u) => u.checks.map((c) => c.id)))];
    scope.interrupted = signalName(hooks.signal);
    for (const ctx of live) void ctx.abort();
  };
  if (hooks.signal?.aborted) onAbort();
  hooks.signal?.addEventListener('abort', onAbort, { once: true });
  const unitsOf = (check: Check) => units.filter((u) => u.checks.includes(check));
  const judgeReady = () => {
    for (const check of checks) {
      if (results.has(check.id)) continue;
      const own = unitsOf(check);
      if (!own.every((u) => runs.has(u))) continue;
      // In scenario order: the criterion takes the observations so.
      const ordered = check.scenarios.map((s) => runs.get(own.find((u) => u.scenario === s)!)!);
      const result = resultOf(check, ordered, options);
      results.set(check.id, result);
      if (!aborted) hooks.onResult?.(result);
    }
  };
  try {
    while (pending.length > 0 && !aborted) {
      const next = pending[0]!;
      // Before the first unit that judges a start, a warm start (common procedure, item 9).
      if (!scope.warm && !next.scenario.warmsUp) {
        // It runs alone: once what runs has ended.
        await (running.size > 0 ? Promise.race(running.values()) : warmUpNow(options, scope, hooks));
        continue;
      }
      const room = next.scenario.exclusive ? running.size === 0 : running.size < options.concurrency;
      const blockedByExclusive = [...running.keys()].some((u) => u.scenario.exclusive);
      if (!room || blockedByExclusive) {
        await Promise.race(running.values());
        continue;
      }
      pending.shift();
      for (const check of next.checks) {
        if (announced.has(check.id)) continue;
        announced.add(check.id);
        hooks.onCheckStart?.(check.id);
      }
      const task = runUnit(next, options, scope, hooks).then((run) => {
        if (next.scenario.warmsUp) warmedBy(next, run, scope);
        runs.set(next, run);
        running.delete(next);
        judgeReady();
      });
      running.set(next, task);
      await sleep(0);
    }
    await Promise.all(running.values());
    // A check judged on a unit that never started (SHUTDOWN-5) has no result: it did not run.
    if (aborted) throw new ScheduleInterrupted(interrupted.filter((id) => results.has(id)), results);
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
 * Where the run's first unit is one whose start no time criterion reads (BIND-2's, run alone),
 * its start is the warm one and this is not needed.
 */
async function warmUpNow(options: ResolvedOptions, scope: RunScope, hooks: EngineHooks): Promise<void> {
  scope.warm = true;
  hooks.onWarmup?.('start');
  scope.warmup = await warmUp(options, scope, hooks);
  hooks.onWarmup?.('end', scope.warmup);
}

/** The warm start was a unit's own: its first start that listened, if any (else the warm-up still runs). */
function warmedBy(unit: Unit, run: UnitRun, scope: RunScope): void {
  if (scope.warm) return;
  const first = run.evidence.processes.find((p) => p.startup?.listenMs !== undefined);
  if (!first?.startup) return;
  scope.warm = true;
  const { listenMs, readyMs, readiness } = first.startup;
  scope.warmup = { durationMs: 0, by: unit.checks.map((c) => c.id), listenMs, ...(readyMs !== undefined ? { readyMs } : {}), ...(readiness ? { readiness } : {}) };
}

async function warmUp(options: ResolvedOptions, scope: RunScope, hooks: EngineHooks): Promise<Warmup> {
  const signal = hooks.signal;
  // A candidate that never gets ready is the checks' business: the warm-up waits only the budget.
  const ctx = new CheckContext({ ...options, startupCeilingMs: options.startupBudgetMs }, scope.pool, scope.tmpDir, scope.starts);
  listen(ctx, [WARMUP_ID], hooks);
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
    scope.spawns += ctx.spawnCount;
  }
}

let sockDiagStarted: Promise<void> | undefined;

/**
 * Socket queries through the sock_diag helper, started once per harness process (compiled once
 * per version); /proc/net/tcp where it cannot be built or started.
 */
function socketQueries(): Promise<void> {
  return (sockDiagStarted ??= buildNative('sockdiag')
    .then(startSockDiag)
    .then(useSockDiag, () => useSockDiag(undefined)));
}

export async function runChecks(checks: Check[], options: ResolvedOptions, hooks: EngineHooks = {}): Promise<Report> {
  const startedAt = new Date();
  const t0 = now();
  const tmpDir = mkdtempSync(join(tmpdir(), RUN_TMP_PREFIX));
  reaperWatch.dir(tmpDir);
  const scope: RunScope = { pool: new PortPool(), tmpDir, live: new Set(), spawns: 0, warm: !options.warmup, starts: new StartHistory() };
  // The host probes (strace, the seccomp injector) run once per process: start them now, beside
  // the first unit, rather than in the middle of the conflict rounds.
  if (checks.some((c) => c.id.startsWith('CONFLICT-'))) void bindTracer();
  await socketQueries();
  if (checks.some((c) => c.id === 'BINDFAIL-1')) void seccompInjector().catch(() => undefined);
  let results: CheckResult[];
  const partial = (running: string[], done: CheckResult[]): Interrupted => {
    const ran = new Set(done.map((r) => r.id));
    const interruption: Interruption = { ...signalName(hooks.signal), running, notStarted: checks.filter((c) => !ran.has(c.id)).map((c) => c.id) };
    return new Interrupted(running, buildReport(checks, options, done, { startedAt, durationMs: round(now() - t0), spawns: scope.spawns, ...(scope.warmup ? { warmup: scope.warmup } : {}), interruption }));
  };
  try {
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
  return buildReport(checks, options, results, { startedAt, durationMs: round(now() - t0), spawns: scope.spawns, ...(scope.warmup ? { warmup: scope.warmup } : {}) });
}

/** The report of a run, or of the part of it that ran before an interrupt (exit code 2). */
function buildReport(
  checks: Check[],
  options: ResolvedOptions,
  results: CheckResult[],
  run: { startedAt: Date; durationMs: number; spawns: number; warmup?: Warmup; interruption?: Interruption },
): Report {
  const judged = verdictOfOutcomes(results.map((r) => r.outcome));
  const exitCode = run.interruption ? 2 : judged.exitCode;
  return {
    schemaVersion: 2,
    harness: HARNESS,
    specVersion: options.revision?.id ?? DEFAULT_REVISION,
    revision: options.revision ?? { id: DEFAULT_REVISION, chosenBy: 'default' },
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
      earlyStop: options.earlyStop,
      concurrency: options.concurrency,
      timeoutMultiplier: options.timeoutMultiplier,
      startupBudgetMs: options.startupBudgetMs,
      releaseBudgetMs: options.releaseBudgetMs,
      exitBudgetMs: options.exitBudgetMs,
      startupCeilingMs: options.startupCeilingMs,
      strict: options.strict,
      warmup: options.warmup,
      isolated: options.isolated,
      ...(options.readyPattern !== undefined ? { readyPattern: options.readyPattern } : {}),
      ...(options.readyDelayMs !== undefined ? { readyDelayMs: options.readyDelayMs } : {}),
      ...(options.required.size > 0 ? { require: [...options.required] } : {}),
      ...(options.failOnSkip ? { failOnSkip: true } : {}),
      selected: checks.map((c) => c.id),
    },
    ...(run.warmup ? { warmup: run.warmup } : {}),
    startedAt: run.startedAt.toISOString(),
    durationMs: run.durationMs,
    spawns: run.spawns,
    conformant: exitCode === 0,
    exitCode,
    summary: summarize(results),
    ...(run.interruption ? { interrupted: run.interruption } : {}),
    checks: results,
  };
}
