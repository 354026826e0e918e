/** CONFLICT: the port is already occupied (EADDRINUSE). */
import { closestLine, findTypedLine, LOCK_MESSAGE_TEMPLATE, lockMessage } from '../judge/messages.js';
import { websocketUpgrade } from '../observe/probes.js';
import { listenSocketsOnPort } from '../observe/procfs.js';
import type { CheckContext } from '../run/context.js';
import { describeExit } from '../run/context.js';
import { WAITS } from '../run/options.js';
import { median, now, summarize } from '../run/time.js';
import type { Check } from './check.js';
import { expectLockFailure } from './procedures.js';

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
      const found = await expectLockFailure(ctx, profile, 'candidate');
      problems.push(...found.map((p) => `with ${occupier.label}: ${p}`));
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
    const firstInodes = first.listening!.inodes;
    const isolated = await ctx.profile(profile.port);
    const problems = [
      ...(await expectLockFailure(ctx, isolated, 'second instance (isolated profile)')),
      ...(await expectLockFailure(ctx, profile, 'second instance (same profile)')),
    ];
    const stillHeld = listenSocketsOnPort(profile.port).some((s) => firstInodes.includes(s.inode));
    if (!stillHeld) problems.push('the first instance no longer holds its listening socket');
    const upgrade = await websocketUpgrade(profile.port, ctx.wait(WAITS.connectMs));
    ctx.event('first instance upgrade', upgrade.ok ? 'HTTP 101' : upgrade.error);
    if (!upgrade.ok) problems.push(`the first instance no longer answers a WebSocket upgrade: ${upgrade.error}`);
    if (problems.length > 0) ctx.fail(problems.join('; '));
    return 'both second instances failed with the lock message; the first kept serving';
  },
};

// CONFLICT-3 MUST: Fail fast: within 1.5 x median spawn-to-LISTEN + 1000 ms.
const conflict3: Check = {
  id: 'CONFLICT-3',
  async run(ctx: CheckContext) {
    const rounds = Math.min(ctx.options.trials, 3);
    const majority = Math.floor(rounds / 2) + 1;
    const startups: number[] = [];
    const failures: number[] = [];
    const budget = () => 1.5 * median(startups) + 1000;
    const within = () => failures.filter((ms) => ms <= budget()).length;
    // The verdict is on medians, so one slow start on a loaded host is a sample, not a verdict;
    // rounds stop once a majority decides it.
    while (failures.length < rounds && within() < majority && failures.length - within() < majority) {
      const round = failures.length + 1;
      const profile = await ctx.profile();
      const first = await ctx.start(profile, `first instance #${round}`);
      startups.push(first.listening!.at - first.spawnedAt);
      const second = ctx.spawn(profile, `second instance #${round}`);
      // Three budgets is plenty to tell slow from never; a second instance that listens too
      // (SO_REUSEPORT) will not exit at all.
      const patience = Math.min(ctx.options.startupBudgetMs, 3 * budget());
      const listening = await second.waitListening(profile.port, patience);
      const exit = listening ? undefined : await second.waitExit(0);
      if (exit) ctx.event(`second instance #${round} exited`, describeExit(second), exit.at);
      else ctx.event(`second instance #${round} ${listening ? 'listens beside the first' : 'still running'}`, `after ${Math.round(now() - second.spawnedAt)} ms`);
      failures.push(exit ? exit.at - second.spawnedAt : Infinity);
      await second.kill();
      await first.kill();
    }
    ctx.measure({ ...summarize('startup', startups), ...summarize('conflictExit', failures.filter(Number.isFinite)), budget: budget() });
    const shown = failures.map((ms) => (Number.isFinite(ms) ? `${Math.round(ms)} ms` : 'never')).join(', ');
    if (within() < majority) {
      ctx.fail(`the second instance exited after ${shown} (median over the budget of ${Math.round(budget())} ms = 1.5 x median startup ${Math.round(median(startups))} ms + 1000 ms)`, {
        expected: `median spawn-to-exit <= ${Math.round(budget())} ms`,
        actual: shown,
      });
    }
    return `the second instance exited after ${shown} (budget ${Math.round(budget())} ms)`;
  },
};

// CONFLICT-4 SHOULD: The error goes to stderr and names its type: GatewayLockError: <message>.
const conflict4: Check = {
  id: 'CONFLICT-4',
  async run(ctx: CheckContext) {
    const profile = await ctx.profile();
    await ctx.occupy(profile.port, '127.0.0.1');
    const candidate = ctx.spawn(profile, 'candidate');
    const exit = await candidate.waitExit(ctx.options.startupBudgetMs);
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
