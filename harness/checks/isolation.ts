/** ISOLATION: one gateway per port, not per host. */
import { websocketUpgrade } from '../observe/probes.js';
import { listenSocketsOnPort } from '../observe/procfs.js';
import type { CheckContext } from '../run/context.js';
import { WAITS } from '../run/options.js';
import type { Check } from './check.js';

// ISOLATION-1 MUST: Two instances with isolated profiles on two ports run side by side.
const isolation1: Check = {
  id: 'ISOLATION-1',
  async run(ctx: CheckContext) {
    const profiles = [await ctx.profile(), await ctx.profile()];
    const instances = [];
    for (const [i, profile] of profiles.entries()) instances.push(await ctx.start(profile, `instance ${i + 1}`));
    const problems: string[] = [];
    for (const [i, profile] of profiles.entries()) {
      const inodes = instances[i]!.listening.inodes;
      if (!listenSocketsOnPort(profile.port).some((s) => inodes.includes(s.inode))) problems.push(`instance ${i + 1} stopped listening on ${profile.port}`);
      const upgrade = await websocketUpgrade(profile.port, ctx.wait(WAITS.connectMs));
      if (!upgrade.ok) problems.push(`instance ${i + 1} on ${profile.port} did not answer the upgrade: ${upgrade.error}`);
    }
    if (problems.length > 0) ctx.fail(problems.join('; '));
    return `both instances listen and answer on ${profiles.map((p) => p.port).join(' and ')}`;
  },
};

export const isolationChecks: Check[] = [isolation1];
