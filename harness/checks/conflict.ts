/** CONFLICT observation plan: instances started on a port that is already taken. */
import {
  failFastPatienceMs,
  failFastRounds,
  OCCUPIERS,
  type ConflictObservation,
  type ConflictRound,
} from '../judge/conflict.js';
import { median } from '../judge/stats.js';
import { websocketUpgrade } from '../observe/probes.js';
import { listenSocketsOnPort } from '../observe/procfs.js';
import type { StartedCandidate } from '../run/context.js';
import { WAITS } from '../run/options.js';
import type { Scenario } from './check.js';
import { observeConflict } from './procedures.js';

/**
 * Rounds of: a first instance on a free port (CONFLICT-3's baseline start, CONFLICT-2's first),
 * a second instance on its port with an isolated profile and one with the same profile, then an
 * instance beside a foreign occupier on 127.0.0.1 (CONFLICT-1's first occupier, CONFLICT-4's
 * stderr). Round 1 also tries the 0.0.0.0 and [::] occupiers for CONFLICT-1, and checks that the
 * first instance kept serving for CONFLICT-2. Rounds 2 and 3 are CONFLICT-3's alone, and each of
 * their instances is spawned only while its criterion is undecided. An instance that a check other than CONFLICT-3 needs is watched up to
 * the startup ceiling; CONFLICT-3's criterion reads an exit after its own patience as a hang.
 */
export const conflicts: Scenario<ConflictObservation> = {
  name: 'conflicts',
  weight: 10,
  // Round 1: a first instance, two second instances, three beside occupiers; later rounds 4 each,
  // the last one only while CONFLICT-3 is undecided (two rounds on one side decide it).
  spawns: (settings) => {
    const rounds = failFastRounds(settings);
    return { least: 6 + 4 * Math.min(rounds - 1, settings.earlyStop ? 1 : rounds - 1), most: 6 + 4 * (rounds - 1) };
  },
  async observe(ctx, needs) {
    const settings = ctx.options;
    const observation: ConflictObservation = { rounds: [] };
    const failFast = needs.has('CONFLICT-3');
    const baseline: number[] = [];
    const patience = () => failFastPatienceMs(baseline.length > 0 ? median(baseline) : 0, settings);
    const rounds = failFast ? failFastRounds(settings) : 1;
    for (let r = 1; r <= rounds; r++) {
      if (r > 1 && !needs.pending('CONFLICT-3', observation)) break;
      const n = r > 1 ? ` #${r}` : '';
      const round: ConflictRound = { foreign: [] };
      observation.rounds.push(round);
      const second = r === 1 && needs.has('CONFLICT-2');
      if (second || failFast) {
        const profile = await ctx.profile();
        let first: StartedCandidate | undefined;
        round.first = await ctx.attempt(async () => {
          first = await ctx.start(profile, `first instance${n}`);
          return { port: profile.port, listenMs: first.listening.at - first.spawnedAt, idleUntilListenMs: first.idleUntilListen };
        });
        if (first) {
          baseline.push(first.listening.at - first.spawnedAt);
          // CONFLICT-2 waits up to the ceiling while it is open; CONFLICT-3 only its own patience.
          const secondOpen = () => second && needs.pending('CONFLICT-2', observation);
          const watch = () => (secondOpen() ? settings.startupCeilingMs : patience());
          const isolated = await ctx.profile(profile.port);
          round.isolated = await observeConflict(ctx, isolated, `second instance (isolated profile)${n}`, 'isolated profile', watch(), patience());
          if (secondOpen() || needs.pending('CONFLICT-3', observation)) {
            round.same = await observeConflict(ctx, profile, `second instance (same profile)${n}`, 'same profile', watch(), patience());
          }
          if (secondOpen()) {
            const held = listenSocketsOnPort(profile.port).some((s) => first!.listening.inodes.includes(s.inode));
            const upgrade = await websocketUpgrade(profile.port, ctx.wait(WAITS.connectMs));
            ctx.event('first instance upgrade', upgrade.ok ? 'HTTP 101' : upgrade.error);
            round.firstKept = { held, upgrade: { ok: upgrade.ok, ...(upgrade.error ? { error: upgrade.error } : {}) } };
          }
          await first.kill();
        }
      }
      const named = r === 1 && (needs.has('CONFLICT-1') || needs.has('CONFLICT-4'));
      const occupiers = r === 1 && needs.has('CONFLICT-1') ? OCCUPIERS : named || failFast ? OCCUPIERS.slice(0, 1) : [];
      const beside = async (occupier: (typeof OCCUPIERS)[number], role: string) => {
        const profile = await ctx.profile();
        const server = await ctx.occupy(profile.port, occupier.host);
        const instance = await observeConflict(ctx, profile, role, 'foreign occupier', named ? settings.startupCeilingMs : patience(), patience(), occupier.host);
        server.close();
        return instance;
      };
      const [first, ...others] = occupiers;
      // An instance only CONFLICT-3 needs is spawned only while its verdict is open.
      if (first && (named || needs.pending('CONFLICT-3', observation))) {
        round.foreign.push(await beside(first, r === 1 ? 'candidate' : `instance beside a foreign occupier${n}`));
      }
      // CONFLICT-1 ends at the first occupier the candidate mishandles. Its other two instances
      // are independent and never timed by CONFLICT-3: they run side by side.
      if (others.length > 0 && needs.pending('CONFLICT-1', observation)) {
        round.foreign.push(...(await Promise.all(others.map((occupier) => beside(occupier, `candidate beside ${occupier.label.replace(/^a (dual-stack )?listener on /, '')}`)))));
      }
    }
    return observation;
  },
};
