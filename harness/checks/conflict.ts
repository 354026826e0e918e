/** CONFLICT: the port is already occupied (EADDRINUSE). */
import { closestLine, findTypedLine, LOCK_MESSAGE_TEMPLATE, lockMessage } from '../judge/messages.js';
import { websocketUpgrade } from '../observe/probes.js';
import { listenSocketsOnPort } from '../observe/procfs.js';
import type { CheckContext } from '../run/context.js';
import { describeExit } from '../run/context.js';
import { WAITS } from '../run/options.js';
import { judgePath, type ConflictTiming, type StartBaseline } from '../judge/fail-fast.js';
import { median, summarize } from '../run/time.js';
import type { Check } from './check.js';
import { describeBindAttempts } from '../observe/bind-trace.js';
import { lockFailureProblems, observeConflict, type ConflictObservation, type ConflictPath } from './procedures.js';

/** First failing bind to exit, and waiting beyond a normal start: the fail-fast budget. */
const FAIL_FAST_BUDGET_MS = 1000;

/** Occupiers a foreign process may hold the port with. */
const OCCUPIERS = [
  { host: '127.0.0.1', label: 'a listener on 127.0.0.1' },
  { host: '0.0.0.0', label: 'a listener on 0.0.0.0' },
  { host: '::', label: 'a dual-stack listener on [::]' },
];

// CONFLICT-1 MUST: Port held by a foreign process: exit non-zero, output contains the lock message.
const conflict1: Check = {
  id: 'CONFLICT-1',
  async run(ctx: CheckContext) {
    const problems: string[] = [];
    // One occupier the candidate mishandles fails the check: the rest are not tried.
    for (const occupier of OCCUPIERS) {
      if (problems.length > 0) break;
      const profile = await ctx.profile();
      const server = await ctx.occupy(profile.port, occupier.host);
      const seen = await observeConflict(ctx, profile, 'candidate', 'foreign occupier');
      problems.push(...lockFailureProblems(seen, profile.port, ctx.options.startupCeilingMs).map((p) => `with ${occupier.label}: ${p}`));
      server.close();
    }
    if (problems.length > 0) ctx.fail(problems.join('; '), { expected: LOCK_MESSAGE_TEMPLATE });
    return 'failed with the lock message against all three occupiers';
  },
};

// CONFLICT-2 MUST: Port held by a running instance: the second fails, the first keeps serving.
const conflict2: Check = {
  id: 'CONFLICT-2',
  async run(ctx: CheckContext) {
    const profile = await ctx.profile();
    const first = await ctx.start(profile, 'first instance');
    const firstInodes = first.listening.inodes;
    const isolated = await ctx.profile(profile.port);
    const problems: string[] = [];
    for (const [role, path, p] of [
      ['second instance (isolated profile)', 'isolated profile', isolated],
      ['second instance (same profile)', 'same profile', profile],
    ] as const) {
      const seen = await observeConflict(ctx, p, role, path);
      problems.push(...lockFailureProblems(seen, profile.port, ctx.options.startupCeilingMs));
    }
    const stillHeld = listenSocketsOnPort(profile.port).some((s) => firstInodes.includes(s.inode));
    if (!stillHeld) problems.push('the first instance no longer holds its listening socket');
    const upgrade = await websocketUpgrade(profile.port, ctx.wait(WAITS.connectMs));
    ctx.event('first instance upgrade', upgrade.ok ? 'HTTP 101' : upgrade.error);
    if (!upgrade.ok) problems.push(`the first instance no longer answers a WebSocket upgrade: ${upgrade.error}`);
    if (problems.length > 0) ctx.fail(problems.join('; '));
    return 'both second instances failed with the lock message; the first kept serving';
  },
};

const PATHS: ConflictPath[] = ['foreign occupier', 'isolated profile', 'same profile'];

// CONFLICT-3 MUST: Fail fast on every conflict path: no retry loop, no lock wait, no hang.
const conflict3: Check = {
  id: 'CONFLICT-3',
  async run(ctx: CheckContext) {
    const rounds = Math.min(ctx.options.trials, 3);
    const limits = { budgetMs: FAIL_FAST_BUDGET_MS * Math.max(1, ctx.options.timeoutMultiplier) };
    const baseline: StartBaseline = { startupMs: [], idleMs: [] };
    const timings = new Map<ConflictPath, ConflictTiming[]>(PATHS.map((p) => [p, []]));
    const verdicts = () => PATHS.map((path) => judgePath(path, timings.get(path)!, baseline, limits, rounds));
    // Three spawn budgets tell a slow exit from a retry loop or a hang; never past the ceiling.
    const patience = () => Math.min(ctx.options.startupCeilingMs, 3 * (1.5 * median(baseline.startupMs) + limits.budgetMs));
    const record = (seen: ConflictObservation) => {
      // Listening beside the occupier is CONFLICT-1's and -2's failure, not a slow one.
      if (seen.listenedOn) return ctx.note(`${seen.role} listened on ${seen.listenedOn} instead of failing: not timed (CONFLICT-1/2 judge it)`);
      timings.get(seen.path)!.push(seen.timing);
      const exit = seen.exit ? { code: seen.exit.code, signal: seen.exit.signal, atEpochMs: performance.timeOrigin + seen.exit.at } : undefined;
      ctx.event(`${seen.role} timed`, `idle ${Math.round(seen.timing.idleMs)} ms${seen.binds ? `; ${describeBindAttempts(seen.binds, seen.port, exit)}` : ''}`);
    };
    for (let round = 1; round <= rounds; round++) {
      const current = verdicts();
      if (current.some((v) => v.decision === 'fail') || current.every((v) => v.decision === 'pass')) break;
      // A first instance on a free port: a baseline start, then the two same-candidate paths.
      const profile = await ctx.profile();
      const first = await ctx.start(profile, `first instance #${round}`);
      baseline.startupMs.push(first.listening.at - first.spawnedAt);
      baseline.idleMs.push(first.idleUntilListen);
      record(await observeConflict(ctx, await ctx.profile(profile.port), `second instance, isolated profile #${round}`, 'isolated profile', patience()));
      record(await observeConflict(ctx, profile, `second instance, same profile #${round}`, 'same profile', patience()));
      await first.kill();
      const foreign = await ctx.profile();
      const server = await ctx.occupy(foreign.port, '127.0.0.1');
      record(await observeConflict(ctx, foreign, `instance beside a foreign occupier #${round}`, 'foreign occupier', patience()));
      server.close();
    }
    const final = verdicts();
    ctx.measure({ ...summarize('startup', baseline.startupMs), budget: limits.budgetMs });
    for (const [i, verdict] of final.entries()) {
      const key = PATHS[i]!.replace(/ (\w)/g, (_, c: string) => c.toUpperCase());
      for (const [name, value] of Object.entries(verdict.measurements)) ctx.measure({ [`${key}.${name}`]: value });
    }
    const problems = final.flatMap((v) => v.problems);
    if (problems.length > 0) {
      ctx.fail(problems.join('; '), { expected: `exit within ${limits.budgetMs} ms of the failing bind, no waiting, on every conflict path` });
    }
    return PATHS.map((path, i) => `${path}: ${describeTiming(timings.get(path)!, final[i]!.measurements)}`).join('; ');
  },
};

function describeTiming(timings: ConflictTiming[], medians: Record<string, number>): string {
  if (timings.length === 0) return 'not timed: it listened instead of failing (CONFLICT-1/2 judge that)';
  const exits = timings.map((t) => (Number.isFinite(t.spawnToExitMs) ? `${Math.round(t.spawnToExitMs)} ms` : 'never')).join(', ');
  const bind = medians.bindToExit !== undefined ? `, ${Math.round(medians.bindToExit)} ms after the failing bind (median)` : '';
  return `exit ${exits} after spawn${bind}`;
}

// CONFLICT-4 SHOULD: The error goes to stderr and names its type: GatewayLockError: <message>.
const conflict4: Check = {
  id: 'CONFLICT-4',
  async run(ctx: CheckContext) {
    const profile = await ctx.profile();
    await ctx.occupy(profile.port, '127.0.0.1');
    const candidate = await ctx.spawn(profile, 'candidate');
    const exit = await candidate.waitExit(ctx.options.startupCeilingMs);
    if (exit) ctx.event('candidate exited', describeExit(candidate), exit.at);
    const expected = `GatewayLockError: ${lockMessage(profile.port)}`;
    const line = findTypedLine(candidate.stderr.text(), lockMessage(profile.port));
    if (!line.found) {
      const onStdout = findTypedLine(candidate.stdout.text(), lockMessage(profile.port)).found;
      const near = closestLine(candidate.stderr.text(), expected);
      ctx.fail(onStdout ? 'the typed error went to stdout, not stderr' : 'stderr has no line naming GatewayLockError with the lock message', {
        expected: `a stderr line containing "${expected}"`,
        actual: near ?? '(no similar line on stderr)',
      });
    }
    return `stderr: ${line.line!.trim()}`;
  },
};

export const conflictChecks: Check[] = [conflict1, conflict2, conflict3, conflict4];
