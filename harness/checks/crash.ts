/** CRASH: SIGKILL and crashes leave nothing stale. */
import { readdirSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { bindProbe, portHolders } from '../observe/probes.js';
import { listenSocketsOnPort } from '../observe/procfs.js';
import type { CandidateProcess } from '../run/candidate.js';
import { PROFILE_DIR_PREFIX, type CheckContext, type Profile } from '../run/context.js';
import { now } from '../run/time.js';
import type { Check } from './check.js';

/**
 * Kills the gateway process with `signal` and inspects the port the moment its exit is seen.
 * Returns what is wrong: the old socket still held (an inheriting descendant) or the port not free.
 */
async function killAndInspect(ctx: CheckContext, candidate: CandidateProcess, port: number, signal: NodeJS.Signals): Promise<string[]> {
  const oldInodes = candidate.listening!.inodes;
  const sentAt = now();
  candidate.signalGateway(signal);
  ctx.event(`${signal} sent`, `to pid ${candidate.gatewayPid}`, sentAt);
  const exitAt = await candidate.waitGatewayExit(ctx.options.exitBudgetMs);
  if (exitAt === undefined) return [`the gateway process survived ${signal} for ${ctx.options.exitBudgetMs} ms`];
  ctx.event('gateway process exit observed', undefined, exitAt);
  ctx.measure({ [`${signal}.toExit`]: exitAt - sentAt });

  const bindable = await bindProbe(port);
  const sockets = listenSocketsOnPort(port);
  const stale = sockets.filter((s) => oldInodes.includes(s.inode));
  if (stale.length > 0) {
    const holders = portHolders(port).filter((h) => oldInodes.includes(h.inode));
    ctx.recordHolders(holders);
    const who = holders.map((h) => `pid ${h.pid} (${h.cmdline})`).join(', ');
    return [`after ${signal} the listening socket lives on in ${who || 'an unseen process'}: port ${port} is still held`];
  }
  if (sockets.length > 0) {
    // A new socket in a new process: a supervisor restarted the gateway. Not a stale hold.
    ctx.note(`a new listener appeared after ${signal}: ${portHolders(port).map((h) => `pid ${h.pid} (${h.cmdline})`).join(', ')}`);
    return [];
  }
  return bindable ? [] : [`after ${signal} a bind to 127.0.0.1:${port} still failed though no LISTEN socket remained`];
}

/** Ends what is left of the old candidate and starts the same profile again at once. */
async function restartSameProfile(ctx: CheckContext, old: CandidateProcess, profile: Profile, after: string): Promise<string[]> {
  await old.kill();
  const restartAt = now();
  const restarted = ctx.spawn(profile, `restart after ${after}`);
  const listening = await ctx.waitListening(restarted, profile.port);
  if (!listening) {
    await restarted.waitExit(0);
    return [`the same profile did not listen again after ${after} (startup budget ${ctx.options.startupBudgetMs} ms)${restarted.exit ? `; it exited: ${restarted.stderr.last(300).trim() || restarted.stdout.last(300).trim()}` : ''}`];
  }
  ctx.measure({ [`restartAfter${after}`]: listening.at - restartAt });
  await restarted.kill();
  return [];
}

// CRASH-1 MUST: SIGKILL the gateway process: when its exit is observed the port is free.
const crash1: Check = {
  id: 'CRASH-1',
  async run(ctx: CheckContext) {
    const profile = await ctx.profile();
    const candidate = await ctx.start(profile);
    const problems = await killAndInspect(ctx, candidate, profile.port, 'SIGKILL');
    if (problems.length > 0) ctx.fail(problems.join('; '));
    return `port free when the exit was observed (${ctx.measurements['SIGKILL.toExit']} ms after SIGKILL)`;
  },
};

/** Start with 10 clients, crash with `signal`, inspect, restart the same profile. */
async function crashAndRestart(ctx: CheckContext, signal: NodeJS.Signals, inspect: boolean): Promise<string[]> {
  const profile = await ctx.profile();
  const candidate = await ctx.start(profile, `candidate (${signal})`);
  await ctx.clients(candidate, profile.port, 10);
  const problems = inspect ? await killAndInspect(ctx, candidate, profile.port, signal) : [];
  if (!inspect) {
    candidate.signalGateway(signal);
    ctx.event(`${signal} sent`, `to pid ${candidate.gatewayPid}`);
    await candidate.waitGatewayExit(ctx.options.exitBudgetMs);
  }
  problems.push(...(await restartSameProfile(ctx, candidate, profile, signal)));
  return problems;
}

// CRASH-2 MUST: Right after SIGKILL, the same profile starts and listens, also with clients connected.
const crash2: Check = {
  id: 'CRASH-2',
  async run(ctx: CheckContext) {
    const problems = await crashAndRestart(ctx, 'SIGKILL', false);
    if (problems.length > 0) ctx.fail(problems.join('; '));
    return `the same profile listened again ${ctx.measurements.restartAfterSIGKILL} ms after the restart`;
  },
};

// CRASH-3 MUST: The same as CRASH-1 and CRASH-2 after SIGABRT and SIGSEGV, core dumps disabled.
const crash3: Check = {
  id: 'CRASH-3',
  async run(ctx: CheckContext) {
    const problems: string[] = [];
    for (const signal of ['SIGABRT', 'SIGSEGV'] as const) problems.push(...(await crashAndRestart(ctx, signal, true)));
    if (problems.length > 0) ctx.fail(problems.join('; '));
    return 'port free and restart after SIGABRT and SIGSEGV';
  },
};

const LOCK_FILE = /\.(lock|pid|lck)$/i;

interface FileStamp {
  mtimeMs: number;
  ino: number;
}


/** Lock-like files up to `depth` levels below each root, with what identifies a change. */
function lockFiles(roots: string[], depth = 2): Map<string, FileStamp> {
  const found = new Map<string, FileStamp>();
  const visit = (dir: string, level: number) => {
    let entries;
    try {
      entries = readdirSync(dir, { withFileTypes: true }).slice(0, 5000);
    } catch {
      return;
    }
    for (const entry of entries) {
      const path = join(dir, entry.name);
      if (entry.isDirectory() && level < depth && !(entry.name.startsWith(PROFILE_DIR_PREFIX) && !roots.includes(path))) visit(path, level + 1);
      else if (entry.isFile() && LOCK_FILE.test(entry.name)) {
        try {
          const stat = statSync(path);
          found.set(path, { mtimeMs: stat.mtimeMs, ino: stat.ino });
        } catch {
          // Removed meanwhile.
        }
      }
    }
  };
  for (const root of new Set(roots)) visit(root, 1);
  return found;
}

/** Files that are new or were rewritten since `before`. */
function touchedSince(before: Map<string, FileStamp>, after: Map<string, FileStamp>): string[] {
  return [...after].filter(([path, s]) => {
    const old = before.get(path);
    return !old || old.ino !== s.ino || old.mtimeMs !== s.mtimeMs;
  }).map(([path]) => path);
}

// CRASH-4 SHOULD: No lock or pid file is left behind after SIGKILL or a graceful stop.
const crash4: Check = {
  id: 'CRASH-4',
  exclusive: true,
  async run(ctx: CheckContext) {
    const leftovers: string[] = [];
    for (const signal of ['SIGKILL', 'SIGTERM'] as const) {
      const profile = await ctx.profile();
      const roots = [profile.stateDir, tmpdir(), '/tmp'];
      const before = lockFiles(roots);
      const candidate = await ctx.start(profile, `candidate (${signal})`);
      candidate.signalGateway(signal);
      ctx.event(`${signal} sent`, `to pid ${candidate.gatewayPid}`);
      await candidate.waitGatewayExit(ctx.options.exitBudgetMs);
      await candidate.waitExit(ctx.options.exitBudgetMs);
      await candidate.kill();
      const left = touchedSince(before, lockFiles(roots));
      leftovers.push(...left.map((path) => `${path} (after ${signal})`));
    }
    if (leftovers.length > 0) ctx.fail(`lock or pid files outlived the gateway: ${leftovers.join(', ')}`);
    return 'no lock or pid file outlived the gateway';
  },
};

export const crashChecks: Check[] = [crash1, crash2, crash3, crash4];
