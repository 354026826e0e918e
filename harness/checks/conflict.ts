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
import type { Profile, StartedCandidate } from '../run/context.js';
import { WAITS } from '../run/options.js';
import type { Scenario } from './check.js';
import { SERVE_CHECKS, serveSteps, sideBySide, type ServeObservation } from './bind.js';
import { observeConflict } from './procedures.js';

/** What one run of the scenario saw: the first gateway's serving and ISOLATION-1, and the conflict rounds. */
export type FirstAndConflicts = ServeObservation & ConflictObservation;

/**
 * A first gateway A on a free port with a fresh profile, then rounds of instances on a taken
 * port. A is asked what BIND-1, -3 and -4 need (serveSteps), and ISOLATION-1's instance 2 starts
 * beside it on another port; then, on A's port, a second instance with an isolated profile and
 * one with A's profile (CONFLICT-2; CONFLICT-3's first round), and CONFLICT-2 reads A again.
 * Then an instance beside a foreign occupier on 127.0.0.1 (CONFLICT-1's first occupier,
 * CONFLICT-4's stderr, CONFLICT-3), and for CONFLICT-1 the 0.0.0.0 and [::] occupiers side by
 * side. Rounds 2 and 3 are CONFLICT-3's alone, each instance spawned only while its criterion is
 * undecided; instance 2 of ISOLATION-1, still running, is round 2's first gateway (a fresh
 * profile on a free port, started as any first is). An instance that a check other than
 * CONFLICT-3 needs is watched up to the startup ceiling, or the hang patience (procedures.ts);
 * CONFLICT-3's criterion reads an exit after its own patience as a hang.
 */
export const firstAndConflicts: Scenario<FirstAndConflicts> = {
  name: 'first gateway and conflicts',
  weight: 12,
  // A and instance 2; round 1's two second instances and three beside occupiers; later rounds
  // 3 each (round 2's first is instance 2) or 4, the last only while CONFLICT-3 is undecided.
  spawns: (settings) => {
    const rounds = failFastRounds(settings);
    const later = (n: number) => (n >= 1 ? 3 : 0) + 4 * Math.max(0, n - 1);
    return { least: 7 + later(Math.min(rounds - 1, settings.earlyStop ? 1 : rounds - 1)), most: 7 + later(rounds - 1) };
  },
  async observe(ctx, needs) {
    const settings = ctx.options;
    const observation: FirstAndConflicts = { rounds: [] };
    const failFast = needs.has('CONFLICT-3');
    const serving = SERVE_CHECKS.some((id) => needs.has(id));
    const baseline: number[] = [];
    const patience = () => failFastPatienceMs(baseline.length > 0 ? median(baseline) : 0, settings);
    const rounds = failFast ? failFastRounds(settings) : 1;
    const anyConflict = needs.has('CONFLICT-1') || needs.has('CONFLICT-2') || needs.has('CONFLICT-4') || failFast;
    /** A started gateway on a free port with a fresh profile, kept for the next round's first. */
    let spare: { candidate: StartedCandidate; profile: Profile } | undefined;
    for (let r = 1; r <= rounds; r++) {
      if (r > 1 && !needs.pending('CONFLICT-3', observation)) break;
      const n = r > 1 ? ` #${r}` : '';
      const round: ConflictRound = { foreign: [] };
      if (anyConflict) observation.rounds.push(round);
      const second = r === 1 && needs.has('CONFLICT-2');
      if (second || failFast || (r === 1 && serving)) {
        const reused = spare;
        spare = undefined;
        const profile = reused?.profile ?? (await ctx.profile());
        let first: StartedCandidate | undefined = reused?.candidate;
        const started = await ctx.attempt(async () => {
          first ??= await ctx.start(profile, r === 1 ? 'candidate' : `first instance${n}`);
          return { port: profile.port, listenMs: first.listening.at - first.spawnedAt, idleUntilListenMs: first.idleUntilListen };
        });
        if (second || failFast) round.first = started;
        if (r === 1 && serving) {
          observation.first = started.ok ? await ctx.attempt(async () => serveSteps(ctx, first!, profile.port, needs)) : started;
        }
        if (first) {
          if (r === 1 && needs.has('ISOLATION-1')) {
            const instance2 = await sideBySide(ctx, first, profile.port, observation);
            if (instance2 && failFast) spare = instance2;
            else await instance2?.candidate.kill();
          }
          if (second || failFast) {
            baseline.push(first.listening.at - first.spawnedAt);
            // CONFLICT-2 waits up to the ceiling while it is open; CONFLICT-3 only its own patience.
            const secondOpen = () => second && needs.pending('CONFLICT-2', observation);
            const watch = () => (secondOpen() ? settings.startupCeilingMs : patience());
            const isolated = await ctx.profile(profile.port);
            round.isolated = await observeConflict(ctx, isolated, `second instance (isolated profile)${n}`, 'isolated profile', watch(), patience());
            if (secondOpen() || needs.pending('CONFLICT-3', observation)) {
              round.same = await observeConflict(ctx, profile, `second instance (same profile)${n}`, 'same profile', watch(), patience());
              if (r === 1) round.firstPids = first.family();
            }
            if (secondOpen()) {
              const held = listenSocketsOnPort(profile.port).some((s) => first!.listening.inodes.includes(s.inode));
              const upgrade = await websocketUpgrade(profile.port, ctx.wait(WAITS.connectMs));
              ctx.event('first instance upgrade', upgrade.ok ? 'HTTP 101' : upgrade.error);
              round.firstKept = { held, upgrade: { ok: upgrade.ok, ...(upgrade.error ? { error: upgrade.error } : {}) } };
            }
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
      const [firstOccupier, ...others] = occupiers;
      // An instance only CONFLICT-3 needs is spawned only while its verdict is open.
      if (firstOccupier && (named || needs.pending('CONFLICT-3', observation))) {
        round.foreign.push(await beside(firstOccupier, r === 1 ? 'candidate' : `instance beside a foreign occupier${n}`));
      }
      // CONFLICT-1 ends at the first occupier the candidate mishandles. Its other two instances
      // are independent and never timed by CONFLICT-3: they run side by side.
      if (others.length > 0 && needs.pending('CONFLICT-1', observation)) {
        round.foreign.push(...(await Promise.all(others.map((occupier) => beside(occupier, `candidate beside ${occupier.label.replace(/^a (dual-stack )?listener on /, '')}`)))));
      }
    }
    await spare?.candidate.kill();
    return observation;
  },
};
