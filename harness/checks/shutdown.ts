/** SHUTDOWN observation plans: trials of a start, a timed stop by a signal, and what followed. */
import type { ClientsSeen, StopObservation, StopSignal, StopTrial } from '../judge/shutdown.js';
import type { ClientGroup } from '../run/clients.js';
import { exitSeen, type CheckContext, type Profile, type StartedCandidate } from '../run/context.js';
import { WAITS } from '../run/options.js';
import { now, within } from '../run/time.js';
import type { Scenario } from './check.js';
import { settle, stopAndTime } from './procedures.js';
import { clearPassTrials } from '../judge/sequential.js';

interface StopPlan {
  name: string;
  signal: StopSignal;
  clients: number;
  /** The check that times the release on every trial (early end by its criterion). */
  timedBy: 'SHUTDOWN-1' | 'SHUTDOWN-2' | 'SHUTDOWN-3';
}

/**
 * Up to --trials trials, each: start with a fresh profile, connect the clients, settle, send the
 * signal, time the port release and the gateway process's exit (up to the exit budget). The plan
 * goes on while a dependent is undecided: the timing check (its criterion ends it early), BIND-5
 * (it samples every start's spawn-to-LISTEN; its trials need no stop) and the first-trial
 * dependents: SHUTDOWN-5 (the spawned process's exit status), SHUTDOWN-6 (the clients' close
 * codes), SHUTDOWN-4 (after the graceful stop the same profile is started again at once; that
 * restart, once ready, is the next trial's gateway).
 */
function stopTrials(plan: StopPlan): Scenario<StopObservation> {
  return {
    name: plan.name,
    weight: 5,
    // A clear series ends after a majority of --trials (sequential.ts); SHUTDOWN-4's restart is trial 2.
    spawns: (settings) => ({ least: settings.earlyStop ? clearPassTrials(settings.trials) : settings.trials, most: settings.trials }),
    async observe(ctx, needs) {
      const observation: StopObservation = { signal: plan.signal, trials: [] };
      const budget = ctx.options.exitBudgetMs;
      const firstTrialOf = (id: string) => needs.has(id) && observation.trials.length === 0;
      const wanted = () =>
        (needs.has(plan.timedBy) && needs.pending(plan.timedBy, observation)) ||
        (needs.has('BIND-5') && needs.pending('BIND-5', observation)) ||
        ['SHUTDOWN-4', 'SHUTDOWN-5', 'SHUTDOWN-6', 'BIND-4'].some(firstTrialOf);
      let restarted: { candidate: StartedCandidate; profile: Profile } | undefined;
      for (let trial = 1; trial <= ctx.options.trials && wanted(); trial++) {
        const reused = restarted;
        restarted = undefined;
        const profile = reused?.profile ?? (await ctx.profile());
        const started = reused ? { ok: true as const, candidate: reused.candidate } : await ctx.attempt(async () => ({ candidate: await ctx.start(profile, `candidate #${trial}`) }));
        if (!started.ok) {
          observation.trials.push({ trial, start: started });
          continue;
        }
        const candidate = started.candidate;
        const t: StopTrial = {
          trial,
          start: { ok: true, listenMs: candidate.listening.at - candidate.spawnedAt, readyMs: candidate.ready.at - candidate.listening.at, readiness: candidate.ready.method, restart: reused !== undefined },
        };
        const first = trial === 1;
        const closeCodes = first && needs.has('SHUTDOWN-6');
        const exitStatus = first && needs.has('SHUTDOWN-5');
        const restart = first && needs.has('SHUTDOWN-4');
        // Once the timing check is decided (a fail), further trials are BIND-5's samples only.
        const timed = needs.has(plan.timedBy) && needs.pending(plan.timedBy, observation);
        const listed = first && needs.has('BIND-4');
        if (!timed && !closeCodes && !exitStatus && !restart && !listed) {
          // A sample of BIND-5 only: no signal, so no listing before one.
          observation.trials.push({ ...t, sampleOnly: true });
          await candidate.kill();
          continue;
        }
        let group: ClientGroup | undefined;
        if (plan.clients > 0) group = await ctx.clients(candidate, profile.port, plan.clients, closeCodes ? ctx.wait(WAITS.connectMs) : undefined);
        if (group) t.clients = { requested: plan.clients, connected: group.size, websocket: group.websocket };
        await settle(profile.port, ctx.wait(WAITS.settleMs), candidate.servingHost);
        // BIND-4 lists its listeners before every signal: one opened late, or under load, counts too.
        if (needs.has('BIND-4')) t.listeners = ctx.listeners(candidate, profile.port);
        if (!timed && !closeCodes && !exitStatus && !restart) {
          // The listing was all this trial was for.
          observation.trials.push({ ...t, sampleOnly: true });
          await candidate.kill();
          continue;
        }
        const sentAt = now();
        const ends = closeCodes && group ? within(Promise.all(group.ends), budget) : undefined;
        const timing = await stopAndTime(ctx, candidate, profile.port, plan.signal);
        if (timing.releaseMs !== undefined) t.releaseMs = timing.releaseMs;
        if (timing.exitMs !== undefined) t.gatewayExitMs = timing.exitMs;
        if (ends && group) t.clients!.closeCodes = await closeCodesOf(group, await ends, ctx);
        if (exitStatus || restart) {
          const exit = await candidate.waitExit(Math.max(0, budget - (now() - sentAt)));
          if (exit) t.exit = exitSeen(exit);
        }
        observation.trials.push(t);
        await candidate.kill();
        if (restart && t.gatewayExitMs !== undefined) {
          const again = await ctx.attempt(async () => ({ candidate: await ctx.start(profile, 'restart') }));
          observation.restart = again.ok ? { ok: true, listenMs: again.candidate.listening.at - again.candidate.spawnedAt } : again;
          if (again.ok) restarted = { candidate: again.candidate, profile };
        }
      }
      await restarted?.candidate.kill();
      return observation;
    },
  };
}

/** Close codes per client: 1006 without a close frame, -1 for a connection still open. */
async function closeCodesOf(group: ClientGroup, ends: { code: number }[] | undefined, ctx: CheckContext): Promise<number[]> {
  const codes = ends ? ends.map((e) => e.code) : await Promise.all(group.ends.map((end) => within(end, 0).then((e) => e?.code ?? -1)));
  ctx.event('client close codes', codes.join(', '));
  return codes;
}

export const stopBySigterm = stopTrials({ name: 'SIGTERM stops', signal: 'SIGTERM', clients: 0, timedBy: 'SHUTDOWN-1' });
export const stopBySigint = stopTrials({ name: 'SIGINT stops', signal: 'SIGINT', clients: 0, timedBy: 'SHUTDOWN-2' });
/** SHUTDOWN-3's 10 clients; SHUTDOWN-6 reads their close codes. */
export const stopWithClients = stopTrials({ name: 'SIGTERM stops with clients', signal: 'SIGTERM', clients: 10, timedBy: 'SHUTDOWN-3' });
