/** BINDFAIL observation plan: the candidate's bind of P made to fail with another errno. */
import { INJECTED_ERRNOS, type BindFailObservation } from '../judge/bindfail.js';
import { seccompInjector } from '../inject/bind-errno.js';
import { describeExit, exitSeen } from '../run/context.js';
import type { Scenario } from './check.js';

/** For each injected errno: spawn with the injector, wait for the exit (up to the ceiling), record. */
export const bindFailures: Scenario<BindFailObservation> = {
  name: 'bind failures',
  weight: 2,
  async observe(ctx) {
    let injector;
    try {
      injector = await seccompInjector();
    } catch (error) {
      return { unavailable: (error as Error).message, cases: [] };
    }
    ctx.note(`bind failures injected with ${injector.method}`);
    const observation: BindFailObservation = { cases: [] };
    for (const errno of INJECTED_ERRNOS) {
      const profile = await ctx.profile();
      const candidate = await ctx.spawn(profile, `candidate (bind fails with ${errno})`, { launcher: injector.launcher(errno, profile.port) });
      const exit = await candidate.waitExit(ctx.options.startupCeilingMs);
      if (exit) ctx.event('candidate exited', describeExit(candidate), exit.at);
      observation.cases.push({
        errno,
        port: profile.port,
        ...(exit ? { exit: exitSeen(exit) } : {}),
        output: candidate.output(),
      });
      await candidate.kill();
    }
    return observation;
  },
};
