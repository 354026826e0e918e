/** Steps several checks share: stopping with a signal and timing the release, expecting a lock failure. */
import { closestLine, findLockMessage, lockMessage } from '../judge/messages.js';
import { bindProbe, portHolders, websocketUpgrade } from '../observe/probes.js';
import { listenSocketsOnPort } from '../observe/procfs.js';
import type { CandidateProcess } from '../run/candidate.js';
import { describeExit, type CheckContext, type Profile } from '../run/context.js';
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

/**
 * Spawns an instance that must fail because the port is taken: it exits non-zero within the
 * startup budget with the lock message. Returns what is wrong, empty when it behaved.
 */
export async function expectLockFailure(ctx: CheckContext, profile: Profile, role: string): Promise<string[]> {
  const candidate = ctx.spawn(profile, role);
  const listening = await candidate.waitListening(profile.port, ctx.options.startupBudgetMs);
  const problems: string[] = [];
  const exit = listening ? undefined : await candidate.waitExit(0);
  if (listening) {
    ctx.event(`${role} listening`, listening.sockets.map((s) => s.address).join(', '));
    problems.push(`${role} listened on ${listening.sockets.map((s) => s.address).join(', ')} instead of failing`);
  } else if (!exit) {
    problems.push(`${role} neither listened nor exited within the startup budget of ${ctx.options.startupBudgetMs} ms`);
  } else {
    ctx.event(`${role} exited`, describeExit(candidate), exit.at);
    if (exit.code === 0) problems.push(`${role} exited with code 0`);
    if (!findLockMessage(candidate.output(), profile.port).found) {
      const expected = lockMessage(profile.port);
      const near = closestLine(candidate.output(), expected);
      problems.push(`${role}'s output lacks "${expected}"${near ? `; closest: "${near}"` : ''}`);
    }
  }
  await candidate.kill();
  return problems;
}
