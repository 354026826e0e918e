/** CONFLICT criteria: pure functions over instances started on a taken port. */
import { describeBindAttempts, type BindAttempt } from './binds.js';
import { failFastBudgetMs, judgePath, type ConflictTiming, type FailFastLimits, type StartBaseline } from './fail-fast.js';
import { describeExitSeen, fail, failed, outputHint, pass, undecided, type ExitSeen, type Failure, type Judgement, type JudgeSettings, type Step } from './judgement.js';
import { findTemplateLine, templateValues } from './revision.js';
import { closestLine, findLockMessage, findTypedLine, LOCK_MESSAGE_TEMPLATE, lockMessage } from './messages.js';
import { describeStillRunning, type HangSign } from './hang.js';
import { median, summarize } from './stats.js';

/** Which way the port is taken when an instance starts: CONFLICT-1, -2 and -3 share these paths. */
export type ConflictPath = 'foreign occupier' | 'isolated profile' | 'same profile';
export const CONFLICT_PATHS: ConflictPath[] = ['foreign occupier', 'isolated profile', 'same profile'];

/** Hosts a foreign occupier listens on, in the order CONFLICT-1 tries them. */
export const OCCUPIERS = [
  { host: '127.0.0.1', label: 'a listener on 127.0.0.1' },
  { host: '0.0.0.0', label: 'a listener on 0.0.0.0' },
  { host: '::', label: 'a dual-stack listener on [::]' },
] as const;

export { failFastPatienceMs } from './fail-fast.js';

/** What was seen of one instance started on a taken port, until it exited or was ended. */
export interface ConflictInstance {
  role: string;
  path: ConflictPath;
  port: number;
  /** The foreign occupier's host (foreign path). */
  occupier?: string;
  /** Addresses it listened on instead of failing. */
  listenedOn?: string;
  exit?: ExitSeen;
  /** How long it was watched, when it neither exited nor listened. */
  watchedMs?: number;
  /** Why it was judged hung before the ceiling: it printed its lock error or idled (judge/hang.ts). */
  hang?: HangSign;
  stdout: string;
  stderr: string;
  /** Both streams, as one text. */
  output: string;
  /** Its bind() calls, where they were traced. */
  binds?: BindAttempt[];
  timing: ConflictTiming;
  /** CONFLICT-3's patience when the instance was spawned: an exit later than this counts as a hang. */
  failFastPatienceMs: number;
}

/** A first instance on a free port (CONFLICT-2's first, CONFLICT-3's baseline start). */
export type FirstInstance = Step<{ port: number; listenMs: number; idleUntilListenMs: number }>;

export interface ConflictRound {
  first?: FirstInstance;
  isolated?: ConflictInstance;
  same?: ConflictInstance;
  /** After both second instances: does the first still hold its socket and answer (CONFLICT-2)? */
  firstKept?: { held: boolean; upgrade: { ok: boolean; error?: string } };
  /**
   * The first instance's processes after the same-profile instance ended: a refusal that names
   * the lock's holder (FILELOCK-1, LAYER-2) must name one of them.
   */
  firstPids?: number[];
  /** Instances beside a foreign occupier: 127.0.0.1 first; round 1 adds 0.0.0.0 and [::]. */
  foreign: ConflictInstance[];
}

export interface ConflictObservation {
  rounds: ConflictRound[];
}

/**
 * What CONFLICT-1 and -2 require of an instance on a taken port ("exit non-zero, output contains
 * the lock message"); empty when it behaved. `patienceMs` is how long it was waited for.
 */
export function lockFailureProblems(instance: ConflictInstance, patienceMs: number, judged: { message: boolean } = { message: true }): string[] {
  const { role, exit } = instance;
  if (instance.listenedOn) return [`${role} listened on ${instance.listenedOn} instead of failing`];
  if (!exit) {
    const seen = instance.binds ? `; ${describeBindAttempts(instance.binds, instance.port)}` : '';
    const state = describeStillRunning(instance.watchedMs ?? patienceMs, instance.hang, instance.timing.idleMs);
    return [`${role} was ${state}${seen}${outputHint(instance.output)}`];
  }
  const problems: string[] = [];
  if (exit.code === 0 && !exit.signal) problems.push(`${role} exited with code 0`);
  if (judged.message && !findLockMessage(instance.output, instance.port).found) {
    const expected = lockMessage(instance.port);
    const near = closestLine(instance.output, expected);
    problems.push(`${role}'s output lacks "${expected}"${near ? `; closest: "${near}"` : ''}`);
  }
  return problems;
}

const labelOf = (host: string | undefined) => OCCUPIERS.find((o) => o.host === host)?.label ?? `a listener on ${host}`;

/**
 * CONFLICT-1: "Pass when, for each of the three occupiers, the candidate exits with a non-zero
 * status within the startup ceiling and its output contains the lock message." The first
 * occupier the candidate mishandles decides: the rest are not needed.
 */
export function judgeForeignOccupier(observation: ConflictObservation, settings: JudgeSettings): Judgement {
  const seen = observation.rounds[0]?.foreign ?? [];
  for (const instance of seen) {
    const problems = lockFailureProblems(instance, settings.startupCeilingMs);
    if (problems.length > 0) return fail(problems.map((p) => `with ${labelOf(instance.occupier)}: ${p}`).join('; '), { expected: LOCK_MESSAGE_TEMPLATE });
  }
  if (seen.length < OCCUPIERS.length) return undecided();
  return pass('failed with the lock message against all three occupiers');
}

/**
 * CONFLICT-2: "Pass when both second instances exit non-zero with the lock message, and the
 * first instance still holds its listening socket and answers a WebSocket upgrade."
 */
export function judgeSecondInstance(observation: ConflictObservation, settings: JudgeSettings): Judgement {
  return judgeSecondInstances(observation, settings, { sameProfileMessage: true });
}

/**
 * CONFLICT-2F, CONFLICT-2L: CONFLICT-2 where a lock in front of the listener refuses the
 * same-profile instance with a message of its own (judged by FILELOCK-1 or LAYER-2): that instance
 * must exit non-zero without listening, its message is not judged here.
 */
export function judgeSecondInstanceBehindLock(observation: ConflictObservation, settings: JudgeSettings): Judgement {
  return judgeSecondInstances(observation, settings, { sameProfileMessage: false });
}

function judgeSecondInstances(observation: ConflictObservation, settings: JudgeSettings, rules: { sameProfileMessage: boolean }): Judgement {
  const round = observation.rounds[0];
  if (!round?.first) return undecided();
  if (!round.first.ok) return failed(round.first.failure);
  const problemsOf = (instance: ConflictInstance) =>
    instance.path === 'same profile' && !rules.sameProfileMessage ? refusalProblems(instance, settings.startupCeilingMs) : lockFailureProblems(instance, settings.startupCeilingMs);
  // A second instance that did not fail as CONFLICT-1 asks decides the check at once.
  const seen = [round.isolated, round.same].filter((i): i is ConflictInstance => i !== undefined);
  const early = seen.flatMap(problemsOf);
  if (early.length > 0 && !round.firstKept) return fail(early.join('; '));
  if (!round.isolated || !round.same || !round.firstKept) return undecided();
  const problems = [round.isolated, round.same].flatMap(problemsOf);
  problems.push(...firstKeptProblems(round.firstKept));
  if (problems.length > 0) return fail(problems.join('; '));
  return pass(rules.sameProfileMessage ? 'both second instances failed with the lock message; the first kept serving' : 'the isolated-profile instance failed with the lock message, the same-profile instance was refused; the first kept serving');
}

/** What is wrong with the first instance after a second one met it: its socket, its upgrade. */
export function firstKeptProblems(kept: NonNullable<ConflictRound['firstKept']>): string[] {
  const problems: string[] = [];
  if (!kept.held) problems.push('the first instance no longer holds its listening socket');
  if (!kept.upgrade.ok) problems.push(`the first instance no longer answers a WebSocket upgrade: ${kept.upgrade.error}`);
  return problems;
}

/** An instance that must be refused (exit non-zero, never listen), whatever it prints; empty when it was. */
const refusalProblems = (instance: ConflictInstance, patienceMs: number): string[] => lockFailureProblems(instance, patienceMs, { message: false });

/**
 * "spawn to exit at most 1.5 × median baseline spawn-to-LISTEN + W + F": a refusal that came later
 * than a normal start plus the lock wait, said as a problem; undefined when it came in time.
 */
export function lateRefusal(instance: { role: string; timing: { spawnToExitMs: number } }, baselineStartupMs: number[], lockWaitMs: number, settings: JudgeSettings): string | undefined {
  const startup = baselineStartupMs.length > 0 ? median(baselineStartupMs) : 0;
  const limit = 1.5 * startup + lockWaitMs + failFastBudgetMs(settings);
  const took = instance.timing.spawnToExitMs;
  if (!(Number.isFinite(took) && took > limit)) return undefined;
  return `${instance.role} exited ${Math.round(took)} ms after spawn, over 1.5 x a normal start's ${Math.round(startup)} ms + the lock wait of ${lockWaitMs} ms + ${failFastBudgetMs(settings)} ms`;
}

/** What a lock in front of the listener documents for a refused same-profile instance. */
export interface LockRefusalRules {
  /** The longest it may wait for the lock, ms. */
  lockWaitMs: number;
  /** The refusal's message template (`<pid>`, `<ms>`: decimal numbers), when it is judged. */
  message?: string;
  /** Whether the instance must be refused in time and the first keep serving (false: the message alone). */
  refusal: boolean;
}

/**
 * FILELOCK-1, LAYER-1, LAYER-2: the same-profile instance of CONFLICT-2 (B′), refused by a lock in
 * front of the listener. "B′ exits non-zero without listening, [its output contains the message],
 * its idle time beyond the median idle time of the run's baseline starts up to LISTEN is at most
 * W + F, and A still holds its LISTEN socket and answers the upgrade with 101."
 */
export function judgeLockRefusal(observation: ConflictObservation, settings: JudgeSettings, rules: LockRefusalRules): Judgement {
  const round = observation.rounds[0];
  if (!round?.first) return undecided();
  if (!round.first.ok) return failed(round.first.failure);
  const same = round.same;
  if (!same) return undecided();
  const problems: string[] = [];
  const measurements: Record<string, number> = { lockWait: rules.lockWaitMs };
  if (rules.refusal) {
    problems.push(...refusalProblems(same, settings.startupCeilingMs));
    const firsts = observation.rounds.flatMap((r) => (r.first?.ok ? [r.first] : []));
    const baseIdle = median(firsts.map((f) => f.idleUntilListenMs));
    const beyond = Math.max(0, same.timing.idleMs - baseIdle);
    const limit = rules.lockWaitMs + failFastBudgetMs(settings);
    measurements.idleBeyondStartup = beyond;
    if (Number.isFinite(same.timing.spawnToExitMs)) measurements.spawnToExit = same.timing.spawnToExitMs;
    if (same.exit && beyond > limit) problems.push(`${same.role} waited ${Math.round(beyond)} ms (idle time beyond a normal start's ${Math.round(baseIdle)} ms), over the lock wait of ${rules.lockWaitMs} ms + ${failFastBudgetMs(settings)} ms`);
    // On a loaded host a lock polled every 100 ms is seldom idle: wall time bounds the wait too.
    const late = lateRefusal(same, firsts.map((f) => f.listenMs), rules.lockWaitMs, settings);
    if (same.exit && late) problems.push(late);
  }
  let line: string | undefined;
  if (rules.message !== undefined) {
    line = findTemplateLine(same.output, rules.message);
    if (!line) {
      const near = closestLine(same.output, rules.message);
      // Nothing like it: what it did print is what the maintainer needs to see.
      problems.push(`${same.role}'s output lacks "${rules.message}"${near ? `; closest: "${near}"` : outputHint(same.output)}`);
    } else if (round.firstPids) {
      // The holder it names is the first instance: any other pid is a lock someone else holds,
      // or a number that is no pid.
      const named = templateValues(line, rules.message).filter((v) => v.name === 'pid').map((v) => v.value);
      const stranger = named.find((pid) => !round.firstPids!.includes(pid));
      if (stranger !== undefined) problems.push(`${same.role}'s message names pid ${stranger}, not a process of the first instance (${round.firstPids.join(', ') || 'none'})`);
    }
  }
  if (rules.refusal) {
    if (problems.length > 0 && !round.firstKept) return fail(problems.join('; '), rules.message ? { expected: rules.message } : {}, measurements);
    if (!round.firstKept) return undecided(measurements);
    problems.push(...firstKeptProblems(round.firstKept));
  }
  if (problems.length > 0) return fail(problems.join('; '), rules.message ? { expected: rules.message } : {}, measurements);
  const exit = `${same.role} ${describeExitSeen(same.exit)} ${Math.round(same.timing.spawnToExitMs)} ms after spawn`;
  return pass(line ? `${exit}: ${line.trim()}` : `${exit}; the first kept serving`, measurements);
}

/** CONFLICT-3 runs this many rounds at most: medians of three. */
export const failFastRounds = (settings: JudgeSettings): number => Math.min(settings.trials, 3);


/** An instance as CONFLICT-3 times it: one that exited after CONFLICT-3's patience had not exited. */
function asTimed(instance: ConflictInstance): ConflictTiming {
  const { timing, failFastPatienceMs: patience } = instance;
  if (timing.spawnToExitMs <= patience) return timing;
  return { ...timing, spawnToExitMs: Infinity, watchedMs: Math.min(timing.watchedMs ?? Infinity, patience) };
}

const pathOf = (round: ConflictRound, path: ConflictPath): ConflictInstance[] =>
  path === 'foreign occupier' ? round.foreign.slice(0, 1) : path === 'isolated profile' ? (round.isolated ? [round.isolated] : []) : round.same ? [round.same] : [];

const pathKey = (path: ConflictPath) => path.replace(/ (\w)/g, (_, c: string) => c.toUpperCase());

/**
 * CONFLICT-3: "Fail fast on every conflict path: no retry loop, no lock wait, no hang." Per path,
 * on medians over the rounds (fail-fast.ts): first failing bind to exit within the budget, idle
 * time beyond a normal start within the budget, and where no failing bind was seen, spawn to
 * exit within 1.5 x the median startup + the budget. An instance that listened instead of failing
 * is not timed (CONFLICT-1 and -2 judge it).
 */
export function judgeFailFast(observation: ConflictObservation, settings: JudgeSettings): Judgement {
  return judgeFailFastAllowing(observation, settings, {});
}

/**
 * What a spec revision allows a conflict path beyond CONFLICT-3's budget: a documented lock wait
 * before the bind, documented EADDRINUSE retries after it, and how many binds may fail.
 */
export type PathAllowances = Partial<Record<ConflictPath, Omit<FailFastLimits, 'budgetMs'>>>;

/** CONFLICT-3F, CONFLICT-3L: CONFLICT-3 with the allowances a revision documents, per path. */
export function judgeFailFastAllowing(observation: ConflictObservation, settings: JudgeSettings, allowances: PathAllowances): Judgement {
  const rounds = failFastRounds(settings);
  const limits = { budgetMs: failFastBudgetMs(settings) };
  const limitsOf = (path: ConflictPath): FailFastLimits => ({ ...limits, ...allowances[path] });
  const firstFailure = observation.rounds.map((r) => r.first).find((f): f is Extract<FirstInstance, { ok: false }> => f !== undefined && !f.ok);
  if (firstFailure) return failed(firstFailure.failure);
  const firsts = observation.rounds.flatMap((r) => (r.first?.ok ? [r.first] : []));
  const baseline: StartBaseline = { startupMs: firsts.map((f) => f.listenMs), idleMs: firsts.map((f) => f.idleUntilListenMs) };
  const timed = (path: ConflictPath) => observation.rounds.flatMap((r) => pathOf(r, path)).filter((i) => !i.listenedOn);
  const verdicts = CONFLICT_PATHS.map((path) => judgePath(path, timed(path).map(asTimed), baseline, limitsOf(path), rounds));
  const measurements: Record<string, number> = { ...summarize('startup', baseline.startupMs), budget: limits.budgetMs };
  for (const [i, verdict] of verdicts.entries()) {
    for (const [name, value] of Object.entries(verdict.measurements)) if (Number.isFinite(value)) measurements[`${pathKey(CONFLICT_PATHS[i]!)}.${name}`] = value;
  }
  const complete = observation.rounds.length >= rounds && observation.rounds.every((r) => r.first && r.isolated && r.same && r.foreign.length > 0);
  // --no-early-stop: every round, whatever the first ones decided.
  if (!settings.earlyStop && !complete) return undecided(measurements);
  const problems = verdicts.flatMap((v) => v.problems);
  if (problems.length > 0) return fail(problems.join('; '), { expected: `exit within ${limits.budgetMs} ms of the failing bind, no waiting, on every conflict path` }, measurements);
  if (!verdicts.every((v) => v.decision === 'pass') && !complete) return undecided(measurements);
  return pass(CONFLICT_PATHS.map((path, i) => `${path}: ${describeTiming(timed(path).map(asTimed), verdicts[i]!.measurements)}`).join('; '), measurements);
}

function describeTiming(timings: ConflictTiming[], medians: Record<string, number>): string {
  if (timings.length === 0) return 'not timed: it listened instead of failing (CONFLICT-1/2 judge that)';
  const exits = timings.map((t) => (Number.isFinite(t.spawnToExitMs) ? `${Math.round(t.spawnToExitMs)} ms` : 'never')).join(', ');
  const bind = medians.bindToExit !== undefined ? `, ${Math.round(medians.bindToExit)} ms after the failing bind (median)` : '';
  return `exit ${exits} after spawn${bind}`;
}

/**
 * CONFLICT-4: "Pass when a stderr line contains GatewayLockError: followed by the lock message."
 * Judged on the instance beside the 127.0.0.1 occupier.
 */
export function judgeTypedError(observation: ConflictObservation): Judgement {
  const instance = observation.rounds[0]?.foreign[0];
  if (!instance) return undecided();
  const message = lockMessage(instance.port);
  const expected = `GatewayLockError: ${message}`;
  const line = findTypedLine(instance.stderr, message);
  if (!line.found) {
    const onStdout = findTypedLine(instance.stdout, message).found;
    const near = closestLine(instance.stderr, expected);
    return fail(onStdout ? 'the typed error went to stdout, not stderr' : 'stderr has no line naming GatewayLockError with the lock message', {
      expected: `a stderr line containing "${expected}"`,
      actual: near ?? '(no similar line on stderr)',
    });
  }
  return pass(`stderr: ${line.line!.trim()}`);
}

export type { Failure };
