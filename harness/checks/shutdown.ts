/** SHUTDOWN: a graceful stop frees the port promptly. */
import type { CheckContext } from '../run/context.js';
import { describeExit } from '../run/context.js';
import { median, summarize, within } from '../run/time.js';
import type { Check } from './check.js';
import { settle, stopAndTime } from './procedures.js';
import { WAITS } from '../run/options.js';

interface Trials {
  release: number[];
  exit: number[];
  /** What fails the check: trials without release (and, when the exit is required, without exit). */
  problems: string[];
}

/**
 * `--trials` starts, each stopped with `signal` (after connecting `clients` clients), timed. The
 * trials end early once the check has failed: a trial without release (or, with `requireExit`,
 * without exit) fails it, and so does a majority of releases over the budget (the median is over).
 */
async function timedStops(ctx: CheckContext, signal: NodeJS.Signals, clients: number, requireExit: boolean): Promise<Trials> {
  const trials: Trials = { release: [], exit: [], problems: [] };
  const overBudget = () => trials.release.filter((ms) => ms > ctx.options.releaseBudgetMs).length;
  const failed = () => trials.problems.length > 0 || overBudget() > ctx.options.trials / 2;
  for (let trial = 1; trial <= ctx.options.trials && !failed(); trial++) {
    const profile = await ctx.profile();
    const candidate = await ctx.start(profile, `candidate #${trial}`);
    if (clients > 0) await ctx.clients(candidate, profile.port, clients);
    await settle(profile.port, ctx.wait(WAITS.settleMs), candidate.servingHost);
    const timing = await stopAndTime(ctx, candidate, profile.port, signal);
    if (timing.releaseMs === undefined) trials.problems.push(`trial ${trial}: port still held ${ctx.options.exitBudgetMs} ms after ${signal}`);
    else trials.release.push(timing.releaseMs);
    if (timing.exitMs !== undefined) trials.exit.push(timing.exitMs);
    else if (requireExit) trials.problems.push(`trial ${trial}: the gateway process had not exited ${ctx.options.exitBudgetMs} ms after ${signal}`);
    await candidate.kill();
  }
  ctx.measure({ ...summarize('release', trials.release), ...summarize('exit', trials.exit) });
  return trials;
}

function judgeRelease(ctx: CheckContext, signal: string, trials: Trials): string {
  const budget = ctx.options.releaseBudgetMs;
  if (trials.problems.length > 0) ctx.fail(trials.problems.join('; '));
  const p50 = median(trials.release);
  if (p50 > budget) {
    ctx.fail(`median ${signal}-to-port-free ${Math.round(p50)} ms exceeds the release budget of ${budget} ms`, {
      expected: `median <= ${budget} ms`,
      actual: `p50 ${ctx.measurements['release.p50']} ms, max ${ctx.measurements['release.max']} ms`,
    });
  }
  return `port free ${ctx.measurements['release.p50']} ms (p50), ${ctx.measurements['release.max']} ms (max) after ${signal}`;
}

// SHUTDOWN-1 MUST: On SIGTERM the port is free within the release budget (median of --trials).
const shutdown1: Check = {
  id: 'SHUTDOWN-1',
  async run(ctx: CheckContext) {
    return judgeRelease(ctx, 'SIGTERM', await timedStops(ctx, 'SIGTERM', 0, false));
  },
};

// SHUTDOWN-2 MUST: The same on SIGINT.
const shutdown2: Check = {
  id: 'SHUTDOWN-2',
  async run(ctx: CheckContext) {
    return judgeRelease(ctx, 'SIGINT', await timedStops(ctx, 'SIGINT', 0, false));
  },
};

// SHUTDOWN-3 MUST: With 10 connected clients SIGTERM frees the port in budget and the process exits.
const shutdown3: Check = {
  id: 'SHUTDOWN-3',
  async run(ctx: CheckContext) {
    const message = judgeRelease(ctx, 'SIGTERM', await timedStops(ctx, 'SIGTERM', 10, true));
    return `${message}; exit ${ctx.measurements['exit.max']} ms (max) with 10 clients`;
  },
};

// SHUTDOWN-4 MUST: After a graceful stop the same profile restarts at once.
const shutdown4: Check = {
  id: 'SHUTDOWN-4',
  async run(ctx: CheckContext) {
    const profile = await ctx.profile();
    const first = await ctx.start(profile, 'candidate');
    first.signalGateway('SIGTERM');
    ctx.event('SIGTERM sent', `to pid ${first.gatewayPid}`);
    if ((await first.waitGatewayExit(ctx.options.exitBudgetMs)) === undefined) {
      ctx.fail(`no graceful stop: the gateway process was still running ${ctx.options.exitBudgetMs} ms after SIGTERM`);
    }
    await first.waitExit(ctx.options.exitBudgetMs);
    await first.kill();
    const restarted = await ctx.start(profile, 'restart');
    return `restarted and listening ${Math.round(restarted.listening.at - restarted.spawnedAt)} ms after spawn`;
  },
};

// SHUTDOWN-5 SHOULD: Exit status 0 after SIGTERM/SIGINT (not death by the signal).
const shutdown5: Check = {
  id: 'SHUTDOWN-5',
  async run(ctx: CheckContext) {
    const problems: string[] = [];
    for (const signal of ['SIGTERM', 'SIGINT'] as const) {
      const profile = await ctx.profile();
      const candidate = await ctx.start(profile, `candidate (${signal})`);
      candidate.signalGateway(signal);
      ctx.event(`${signal} sent`, `to pid ${candidate.gatewayPid}`);
      const exit = await candidate.waitExit(ctx.options.exitBudgetMs);
      if (!exit) problems.push(`still running ${ctx.options.exitBudgetMs} ms after ${signal}`);
      else if (exit.code !== 0 || exit.signal !== null) problems.push(`after ${signal}: ${describeExit(candidate)}`);
      await candidate.kill();
    }
    if (problems.length > 0) ctx.fail(problems.join('; '), { expected: 'exit code 0', actual: problems.join('; ') });
    return 'exit code 0 after SIGTERM and after SIGINT';
  },
};

const GOOD_CLOSE_CODES = [1001, 1012];

// SHUTDOWN-6 SHOULD: Connected clients get a WebSocket close frame (1001 or 1012).
const shutdown6: Check = {
  id: 'SHUTDOWN-6',
  async run(ctx: CheckContext) {
    const profile = await ctx.profile();
    const candidate = await ctx.start(profile);
    const clients = await ctx.clients(candidate, profile.port, 3, ctx.wait(WAITS.connectMs));
    if (!clients.websocket || clients.size < 3) ctx.fail('no WebSocket client could connect, so none can receive a close frame');
    candidate.signalGateway('SIGTERM');
    ctx.event('SIGTERM sent', `to pid ${candidate.gatewayPid}`);
    const ends = await within(Promise.all(clients.ends), ctx.options.exitBudgetMs);
    const codes = ends ? ends.map((e) => e.code) : await Promise.all(clients.ends.map((end) => within(end, 0).then((e) => e?.code ?? -1)));
    ctx.event('client close codes', codes.join(', '));
    const bad = codes.filter((code) => !GOOD_CLOSE_CODES.includes(code));
    if (bad.length > 0) {
      ctx.fail(`clients ended with close codes ${codes.join(', ')} (1006: no close frame; -1: still open after ${ctx.options.exitBudgetMs} ms)`, {
        expected: '1001 or 1012 for every client',
        actual: codes.join(', '),
      });
    }
    return `every client received close ${[...new Set(codes)].join('/')}`;
  },
};

export const shutdownChecks: Check[] = [shutdown1, shutdown2, shutdown3, shutdown4, shutdown5, shutdown6];
