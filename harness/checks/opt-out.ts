/**
 * The opt-out observation plan (FILELOCK-3, LAYER-3): two instances on one state dir, on two
 * ports, both with the revision's opt-out variable set (--opt-out-env names a fork's). What the
 * second does is recorded as it is: it serves beside the first, or it is refused; the criteria of
 * each revision read the record their own way.
 */
import type { OptOutObservation } from '../judge/opt-out.js';
import { websocketUpgrade } from '../observe/probes.js';
import { listenSocketsOnPort } from '../observe/procfs.js';
import { exitSeen } from '../run/context.js';
import { WAITS } from '../run/options.js';
import { now } from '../run/time.js';
import type { Scenario } from './check.js';
import { watchShouldExit } from './procedures.js';

/**
 * A with a fresh profile on P and the opt-out variable set; once it is ready, B on A's state dir
 * and a free port Q, the same variable set, watched until it listens on Q or exits (the startup
 * ceiling, or the hang patience once it printed its error or went idle). If B listens it is
 * started as any gateway is and asked for an upgrade; then A's socket and an upgrade to A.
 */
export const optOut: Scenario<OptOutObservation> = {
  name: 'opt-out',
  weight: 2,
  async observe(ctx) {
    const env = ctx.options.optOutEnv ?? {};
    const observation: OptOutObservation = { env };
    const profile = await ctx.profile();
    const started = await ctx.attempt(async () => {
      const candidate = await ctx.start(profile, 'candidate (opt-out)', { env });
      return { candidate, port: profile.port, listenMs: candidate.listening.at - candidate.spawnedAt, idleUntilListenMs: candidate.idleUntilListen };
    });
    if (!started.ok) {
      observation.first = started;
      return observation;
    }
    const { candidate: first, ...timing } = started;
    observation.first = timing;
    // A's state dir, another port block: the ports of the two instances never meet.
    const shared = { port: (await ctx.profile()).port, stateDir: profile.stateDir };
    const role = 'second instance (same state dir, opt-out)';
    const second = await ctx.spawn(shared, role, { env });
    const seen = await watchShouldExit(ctx, second, shared.port, ctx.options.startupCeilingMs);
    const instance: NonNullable<OptOutObservation['second']> = {
      role,
      port: shared.port,
      spawnToExitMs: seen.exit ? seen.exit.at - second.spawnedAt : Infinity,
      idleMs: second.idle.idleMs,
      output: '',
    };
    if (seen.listening) {
      instance.listenedOn = seen.listening.sockets.map((s) => s.address).join(', ');
      const ready = await ctx.attempt(async () => ({ started: await ctx.finishStart(second, shared) }));
      const upgrade = ready.ok ? await websocketUpgrade(shared.port, ctx.wait(WAITS.connectMs), ready.started.servingHost) : { ok: false, error: ready.failure.message };
      ctx.event(`${role} upgrade`, upgrade.ok ? 'HTTP 101' : upgrade.error);
      instance.upgrade = { ok: upgrade.ok, ...(upgrade.error ? { error: upgrade.error } : {}) };
    } else if (seen.exit) instance.exit = exitSeen(seen.exit);
    else {
      instance.watchedMs = now() - second.spawnedAt;
      if (seen.hang) instance.hang = seen.hang;
    }
    const held = listenSocketsOnPort(profile.port).some((s) => first.listening.inodes.includes(s.inode));
    const upgrade = await websocketUpgrade(profile.port, ctx.wait(WAITS.connectMs), first.servingHost);
    ctx.event('first instance upgrade', upgrade.ok ? 'HTTP 101' : upgrade.error);
    observation.firstKept = { held, upgrade: { ok: upgrade.ok, ...(upgrade.error ? { error: upgrade.error } : {}) } };
    await second.kill();
    instance.output = second.output();
    observation.second = instance;
    await first.kill();
    return observation;
  },
};
