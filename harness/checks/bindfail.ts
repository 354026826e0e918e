/** BINDFAIL: any other bind failure. */
import { BIND_FAILURE_TEMPLATE, bindFailurePrefix, closestLine, findBindFailure, findLockMessage } from '../judge/messages.js';
import { seccompInjector, type InjectedErrno } from '../inject/bind-errno.js';
import type { CheckContext } from '../run/context.js';
import { describeExit } from '../run/context.js';
import type { Check } from './check.js';

const INJECTED: InjectedErrno[] = ['EACCES', 'EADDRNOTAVAIL'];

// BINDFAIL-1 MUST: A non-EADDRINUSE bind failure exits non-zero with the failed-to-bind message.
const bindfail1: Check = {
  id: 'BINDFAIL-1',
  async run(ctx: CheckContext) {
    const injector = await seccompInjector().catch((error: Error) => ctx.skip(`no bind-failure injection available: ${error.message}`));
    ctx.note(`bind failures injected with ${injector.method}`);
    const problems: string[] = [];
    for (const errno of INJECTED) {
      const profile = await ctx.profile();
      const candidate = await ctx.spawn(profile, `candidate (bind fails with ${errno})`, { launcher: injector.launcher(errno, profile.port) });
      const exit = await candidate.waitExit(ctx.options.startupCeilingMs);
      const output = candidate.output();
      if (!exit) {
        problems.push(`with ${errno}: still running after ${ctx.options.startupCeilingMs} ms`);
      } else {
        ctx.event('candidate exited', describeExit(candidate), exit.at);
        if (exit.code === 0) problems.push(`with ${errno}: exit code 0`);
      }
      if (findLockMessage(output, profile.port).found) problems.push(`with ${errno}: claims another instance is listening`);
      if (!findBindFailure(output, profile.port).found) {
        const near = closestLine(output, bindFailurePrefix(profile.port));
        problems.push(`with ${errno}: no "${bindFailurePrefix(profile.port)}<detail>" in the output${near ? `; closest: "${near}"` : ''}`);
      }
      await candidate.kill();
    }
    if (problems.length > 0) ctx.fail(problems.join('; '), { expected: BIND_FAILURE_TEMPLATE });
    return `failed with the bind-failure message for ${INJECTED.join(' and ')}`;
  },
};

export const bindfailChecks: Check[] = [bindfail1];
