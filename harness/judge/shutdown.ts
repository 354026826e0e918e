/** SHUTDOWN criteria: pure functions over timed stops, exits, restarts and client close codes. */
import { describeExitSeen, fail, failed, pass, undecided, type ExitSeen, type Judgement, type JudgeSettings, type Step } from './judgement.js';
import { clearlyWithin, fixedCountOpen } from './sequential.js';
import { median, summarize } from './stats.js';
import type { PortHolder } from '../report.js';

export type StopSignal = 'SIGTERM' | 'SIGINT';

/** Clients connected before the stop, and how each connection ended. */
export interface ClientsSeen {
  requested: number;
  connected: number;
  /** False when the upgrade was refused and the clients are plain TCP connections. */
  websocket: boolean;
  /** Per client: its close code (1006: no close frame; -1: still open after the exit budget). */
  closeCodes?: number[];
}

/** One trial: a start, a signal, and what followed it. */
export interface StopTrial {
  trial: number;
  start: Step<{ listenMs: number; readyMs: number; readiness: string; restart: boolean }>;
  /** Signal to port free, ms; undefined when the port was still held after the exit budget. */
  releaseMs?: number;
  /** Signal to the gateway process's exit, ms; undefined when it had not exited in the exit budget. */
  gatewayExitMs?: number;
  /** The spawned process's exit, when it came within the exit budget of the signal. */
  exit?: ExitSeen;
  clients?: ClientsSeen;
  /** The gateway's LISTEN sockets on P just before the signal, with its clients connected (BIND-4). */
  listeners?: PortHolder[];
  /** No signal was sent: a start sampled for BIND-5 or listed for BIND-4 only, then ended. */
  sampleOnly?: true;
}

export interface StopObservation {
  signal: StopSignal;
  trials: StopTrial[];
  /** SHUTDOWN-4: the same profile started again at once after trial 1's graceful stop. */
  restart?: Step<{ listenMs: number }>;
}

type Started = StopTrial & { start: { ok: true } };
const started = (o: StopObservation) => o.trials.filter((t): t is Started => t.start.ok);
/** The trials whose gateway was sent the signal: the ones a release was timed on. */
const stopped = (o: StopObservation) => started(o).filter((t) => !t.sampleOnly);
const startFailure = (o: StopObservation) => o.trials.map((t) => t.start).find((s) => !s.ok);

/**
 * SHUTDOWN-1 and -2 (`requireExit` false), SHUTDOWN-3 (true): "Pass when the median over the
 * trials is within the release budget and the port became free within the exit budget in every
 * trial" (SHUTDOWN-3: "and the gateway process exits within the exit budget in every trial").
 * Decided early as the common procedure says: a trial without release (or exit) fails, and so
 * does a majority of releases over the budget; a pass needs every trial, or a clear majority
 * (sequential.ts: at least 3, every release within half the budget).
 */
export function judgeRelease(o: StopObservation, settings: JudgeSettings, requireExit: boolean): Judgement {
  const failure = startFailure(o);
  if (failure && !failure.ok) return failed(failure.failure);
  const trials = stopped(o);
  const release = trials.flatMap((t) => (t.releaseMs !== undefined ? [t.releaseMs] : []));
  const exits = trials.flatMap((t) => (t.gatewayExitMs !== undefined ? [t.gatewayExitMs] : []));
  const measurements = { ...summarize('release', release), ...summarize('exit', exits) };
  const problems: string[] = [];
  for (const t of trials) {
    if (t.releaseMs === undefined) problems.push(`trial ${t.trial}: port still held ${settings.exitBudgetMs} ms after ${o.signal}`);
    if (requireExit && t.gatewayExitMs === undefined) problems.push(`trial ${t.trial}: the gateway process had not exited ${settings.exitBudgetMs} ms after ${o.signal}`);
  }
  if (fixedCountOpen(trials.length, settings)) return undecided(measurements);
  if (problems.length > 0) return fail(problems.join('; '), {}, measurements);
  const budget = settings.releaseBudgetMs;
  const over = release.filter((ms) => ms > budget).length;
  const decided = over > settings.trials / 2 || trials.length >= settings.trials || clearlyWithin(release, budget, settings);
  if (!decided) return undecided(measurements);
  const p50 = median(release);
  if (p50 > budget) {
    return fail(
      `median ${o.signal}-to-port-free ${Math.round(p50)} ms exceeds the release budget of ${budget} ms`,
      { expected: `median <= ${budget} ms`, actual: `p50 ${measurements['release.p50']} ms, max ${measurements['release.max']} ms` },
      measurements,
    );
  }
  const withExit = requireExit ? `; exit ${measurements['exit.max']} ms (max)` : '';
  const clients = requireExit ? ` with ${trials[0]?.clients?.requested ?? 0} clients` : '';
  return pass(`port free ${measurements['release.p50']} ms (p50), ${measurements['release.max']} ms (max) after ${o.signal}${withExit}${clients}`, measurements);
}

/**
 * SHUTDOWN-4: "Pass when the first instance's gateway process exits within the exit budget and
 * the second instance starts: it listens within the startup ceiling and does not exit before it
 * is ready."
 */
export function judgeRestartAfterStop(o: StopObservation, settings: JudgeSettings): Judgement {
  const first = o.trials[0];
  if (!first) return undecided();
  if (!first.start.ok) return failed(first.start.failure);
  if (first.gatewayExitMs === undefined) return fail(`no graceful stop: the gateway process was still running ${settings.exitBudgetMs} ms after ${o.signal}`);
  if (!o.restart) return undecided();
  if (!o.restart.ok) return failed(o.restart.failure);
  return pass(`restarted and listening ${Math.round(o.restart.listenMs)} ms after spawn`, { restart: o.restart.listenMs });
}

/**
 * SHUTDOWN-5: "Pass when, both times, the spawned process exits within the exit budget with exit
 * code 0 and no signal." Judged on the first trial of each signal.
 */
export function judgeCleanExit(term: StopObservation, int: StopObservation, settings: JudgeSettings): Judgement {
  const problems: string[] = [];
  for (const o of [term, int]) {
    const first = o.trials[0];
    if (!first) return undecided();
    if (!first.start.ok) return failed(first.start.failure);
    if (!first.exit) problems.push(`still running ${settings.exitBudgetMs} ms after ${o.signal}`);
    else if (first.exit.code !== 0 || first.exit.signal !== null) problems.push(`after ${o.signal}: ${describeExitSeen(first.exit)}`);
  }
  if (problems.length > 0) return fail(problems.join('; '), { expected: 'exit code 0', actual: problems.join('; ') });
  return pass('exit code 0 after SIGTERM and after SIGINT');
}

/** SHUTDOWN-6 asks this many WebSocket clients, and these close codes. */
export const CLOSE_FRAME_CLIENTS = 3;
export const GOOD_CLOSE_CODES = [1001, 1012];

/**
 * SHUTDOWN-6: "Pass when every client received a Close frame with code 1001 or 1012 before its
 * connection ended. Another code, or no close frame (1006), fails. The check also fails if no
 * client can connect." Judged on the first trial's clients.
 */
export function judgeCloseFrames(o: StopObservation, settings: JudgeSettings): Judgement {
  const first = o.trials[0];
  if (!first) return undecided();
  if (!first.start.ok) return failed(first.start.failure);
  const clients = first.clients;
  if (!clients) return undecided();
  if (!clients.websocket || clients.connected < CLOSE_FRAME_CLIENTS) return fail('no WebSocket client could connect, so none can receive a close frame');
  const codes = clients.closeCodes ?? [];
  const bad = codes.filter((code) => !GOOD_CLOSE_CODES.includes(code));
  if (bad.length > 0) {
    return fail(`clients ended with close codes ${codes.join(', ')} (1006: no close frame; -1: still open after ${settings.exitBudgetMs} ms)`, {
      expected: '1001 or 1012 for every client',
      actual: codes.join(', '),
    });
  }
  return pass(`every client received close ${[...new Set(codes)].join('/')}`);
}
