/** BINDFAIL observation plan: the candidate's bind of P made to fail with another errno. */
import { INJECTED_ERRNOS, type BindFailObservation, type InjectedCase } from '../judge/bindfail.js';
import { seccompInjector } from '../inject/bind-errno.js';
import { exitSeen } from '../run/context.js';
import { now } from '../run/time.js';
import type { Scenario } from './check.js';
import { watchShouldExit } from './procedures.js';

/**
 * For each injected errno, side by side (the instances are independent, each on its own port):
 * spawn with the injector, watch for the exit up to the ceiling, or until it is a hang
 * (procedures.ts), and record.
 */
export const bindFailures: Scenario<BindFailObservation> = {
  name: 'bind failures',
  weight: 1,
  spawns: () => ({ least: INJECTED_ERRNOS.length, most: INJECTED_ERRNOS.length }),
  async observe(ctx) {
    let injector;
    try {
      injector = await seccompInjector();
    } catch (error) {
      return { unavailable: (error as Error).message, cases: [] };
    }
    ctx.note(`bind failures injected with ${injector.method}`);
    const cases = await Promise.all(
      INJECTED_ERRNOS.map(async (errno): Promise<InjectedCase> => {
        const profile = await ctx.profile();
        const candidate = await ctx.spawn(profile, `candidate (bind fails with ${errno})`, { launcher: injector.launcher(errno, profile.port) });
        const { exit, hang } = await watchShouldExit(ctx, candidate, profile.port, ctx.options.startupCeilingMs);
        const watchedMs = now() - candidate.spawnedAt;
        await candidate.kill();
        return {
          errno,
          port: profile.port,
          ...(exit ? { exit: exitSeen(exit) } : { watchedMs, ...(hang ? { hang } : {}) }),
          output: candidate.output(),
        };
      }),
    );
    return { cases };
  },
};
