/** Steps several checks share: stopping with a signal and timing the release, expecting a lock failure. */
import { bindProbe, portHolders, websocketUpgrade } from '../observe/probes.js';
import { listenSocketsOnPort } from '../observe/procfs.js';
import type { ConflictTiming } from '../judge/fail-fast.js';
import { describeBindAttempts } from '../observe/bind-trace.js';
import type { ConflictInstance, ConflictPath } from '../judge/conflict.js';
import type { CandidateProcess, ExitInfo, Listening } from '../run/candidate.js';
import { describeExit, exitSeen, hangLimitsOf, type CheckContext, type Profile } from '../run/context.js';
import { describeHang, hangSign, printedLockError, type HangSign } from '../judge/hang.js';
import { now, sleep } from '../run/time.js';

const FREE_POLL_MS = 1;

/** Monotonic time the port was first seen free (bind probe and LISTEN scan), or undefined. */
export async function waitPortFree(port: number, deadline: number): Promise<number | undefined> {
  while (now() < deadline) {
    const at = now();
    if ((await bindProbe(port)) && listenSocketsOnPort(port).length === 0) return at;
    await sleep(FREE_POLL_MS);
  }
  return undefined;
}

const IDLE_ROUND_TRIP_MS = 2;

/**
 * Waits (at most `budgetMs`) until an upgrade is answered within 2 ms: a gateway that has just
 * started may still be busy finishing its startup, and a timed signal should measure the
 * shutdown, not the rest of the startup.
 */
export async function settle(port: number, budgetMs: number, host: string): Promise<void> {
  const deadline = now() + budgetMs;
  while (now() < deadline) {
    const answer = await websocketUpgrade(port, Math.max(1, deadline - now()), host);
    if (answer.roundTripMs === undefined || answer.roundTripMs < IDLE_ROUND_TRIP_MS) return;
  }
}

export interface StopTiming {
  /** Signal to port free, ms; undefined when not freed within the exit budget. */
  releaseMs?: number;
  /** Signal to the gateway process's exit, ms; undefined when it did not exit within the exit budget. */
  exitMs?: number;
}

/** Sends `signal` to the gateway process and times the port release and the exit. */
export async function stopAndTime(
  ctx: CheckContext,
  candidate: CandidateProcess,
  port: number,
  signal: NodeJS.Signals,
): Promise<StopTiming> {
  const budget = ctx.options.exitBudgetMs;
  const sentAt = now();
  candidate.signalGateway(signal);
  ctx.event(`${signal} sent`, `to pid ${candidate.gatewayPid}`, sentAt);
  const [freeAt, exitAt] = await Promise.all([
    waitPortFree(port, sentAt + budget),
    candidate.waitGatewayExit(budget),
  ]);
  if (freeAt !== undefined) ctx.event('port free', undefined, freeAt);
  else {
    ctx.event('port still held', `${budget} ms after ${signal}`);
    ctx.recordHolders(portHolders(port));
  }
  if (exitAt !== undefined) ctx.event('gateway process exited', describeExit(candidate), exitAt);
  return {
    ...(freeAt !== undefined ? { releaseMs: freeAt - sentAt } : {}),
    ...(exitAt !== undefined ? { exitMs: exitAt - sentAt } : {}),
  };
}

/** What became of an instance that should exit (judge/hang.ts). */
export interface ShouldExitSeen {
  listening?: Listening;
  exit?: ExitInfo;
  /** Why it was judged hung before `watchMs` ran out, when it was. */
  hang?: HangSign;
}

/**
 * Watches an instance that should exit (on a taken port, or with its bind made to fail) until it
 * exits, listens on `port`, `watchMs` runs out, or it is a hang: past the hang patience (the
 * run's, at least `patienceFloorMs`) after it printed its lock error or idled beyond a normal
 * start. A busy, silent instance gets all of `watchMs`. Tells the timeline how it ended.
 */
export async function watchShouldExit(ctx: CheckContext, candidate: CandidateProcess, port: number, watchMs: number, patienceFloorMs = 0): Promise<ShouldExitSeen> {
  const run = hangLimitsOf(ctx);
  const limits = { ...run, patienceMs: Math.max(run.patienceMs, patienceFloorMs) };
  let hang: HangSign | undefined;
  // The output is scanned again only when more has come since the last census.
  let scanned = { chars: -1, printed: false };
  const printedError = () => {
    const chars = candidate.stdout.totalChars + candidate.stderr.totalChars;
    if (chars !== scanned.chars) scanned = { chars, printed: printedLockError(candidate.output(), port) };
    return scanned.printed;
  };
  const giveUp = () => {
    hang = hangSign({ elapsedMs: now() - candidate.spawnedAt, idleMs: candidate.idle.idleMs, printedError }, limits);
    return hang !== undefined;
  };
  const listening = await candidate.waitListening(port, watchMs, undefined, giveUp);
  const exit = listening ? undefined : await candidate.waitExit(0);
  const role = candidate.role;
  if (exit) ctx.event(`${role} exited`, describeExit(candidate), exit.at);
  else if (!listening) {
    const watched = now() - candidate.spawnedAt;
    ctx.event(`${role} still running`, hang ? describeHang(hang, watched, candidate.idle.idleMs) : `after ${Math.round(watched)} ms`);
  }
  return { ...(listening ? { listening } : {}), ...(exit ? { exit } : {}), ...(hang && !exit && !listening ? { hang } : {}) };
}

/**
 * Spawns an instance on `profile` whose port is taken and watches it until it listens, exits,
 * or `patienceMs` runs out; then ends it. Binds on P are traced where the host allows it, and
 * idle time is sampled throughout (CONFLICT-3 judges both). Returns what was seen, as data.
 */
export async function observeConflict(
  ctx: CheckContext,
  profile: Profile,
  role: string,
  path: ConflictPath,
  patienceMs: number,
  failFastPatienceMs: number,
  occupier?: string,
): Promise<ConflictInstance> {
  const tracer = await ctx.bindTracer();
  const candidate = await ctx.spawn(profile, role, tracer ? { trace: tracer } : {});
  const { listening, exit, hang } = await watchShouldExit(ctx, candidate, profile.port, patienceMs, failFastPatienceMs);
  const listenedOn = listening?.sockets.map((s) => s.address).join(', ');
  if (listening) ctx.event(`${role} listening`, listenedOn, listening.at);
  const endedAt = now();
  await candidate.kill();
  const binds = tracer ? candidate.readBinds(profile.port) : undefined;
  const failed = binds?.filter((b) => !b.ok) ?? [];
  const timing: ConflictTiming = {
    spawnToExitMs: exit ? exit.at - candidate.spawnedAt : Infinity,
    ...(exit ? {} : { watchedMs: endedAt - candidate.spawnedAt }),
    idleMs: candidate.idle.idleMs,
    ...(failed.length > 0
      ? {
          firstFailedBindMs: candidate.sinceSpawn(failed[0]!.atEpochMs),
          failedBinds: failed.length,
          failedBindSpanMs: failed.at(-1)!.atEpochMs - failed[0]!.atEpochMs,
        }
      : {}),
  };
  if (!listenedOn) {
    const exitAt = exit ? { code: exit.code, signal: exit.signal, atEpochMs: performance.timeOrigin + exit.at } : undefined;
    ctx.event(`${role} timed`, `idle ${Math.round(timing.idleMs)} ms${binds ? `; ${describeBindAttempts(binds, profile.port, exitAt)}` : ''}`);
  }
  return {
    role,
    path,
    port: profile.port,
    ...(occupier ? { occupier } : {}),
    ...(listenedOn ? { listenedOn } : {}),
    ...(exit ? { exit: exitSeen(exit) } : { watchedMs: endedAt - candidate.spawnedAt }),
    ...(hang ? { hang } : {}),
    stdout: candidate.stdout.text(),
    stderr: candidate.stderr.text(),
    output: candidate.output(),
    ...(binds ? { binds } : {}),
    timing,
    failFastPatienceMs,
  };
}
