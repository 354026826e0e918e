/** CRASH: SIGKILL and crashes leave nothing stale. */
import { tmpdir } from 'node:os';
import { heldArtefacts, isInside, namedPid, scanArtefacts, tempAndHome, type ArtefactStamp, type ScanRoot } from '../observe/artefacts.js';
import { bindProbe, portHolders } from '../observe/probes.js';
import { listenSocketsOnPort } from '../observe/procfs.js';
import { PROFILE_DIR_PREFIX, RUN_TMP_PREFIX, SCRATCH_DIR_PREFIX, type CheckContext, type Profile, type StartedCandidate } from '../run/context.js';
import { now } from '../run/time.js';
import type { Check } from './check.js';

/**
 * Kills the gateway process with `signal` and inspects the port the moment its exit is seen.
 * Returns what is wrong: the old socket still held (an inheriting descendant) or the port not free.
 */
async function killAndInspect(ctx: CheckContext, candidate: StartedCandidate, port: number, signal: NodeJS.Signals): Promise<string[]> {
  const oldInodes = candidate.listening.inodes;
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
async function restartSameProfile(ctx: CheckContext, old: StartedCandidate, profile: Profile, after: string): Promise<string[]> {
  await old.kill();
  const restartAt = now();
  const restarted = await ctx.spawn(profile, `restart after ${after}`);
  const listening = await ctx.waitListening(restarted, profile.port);
  if (!listening) {
    await restarted.waitExit(0);
    return [`the same profile did not listen again after ${after} (waited up to ${ctx.options.startupCeilingMs} ms)${restarted.exit ? `; it exited: ${restarted.stderr.last(300).trim() || restarted.stdout.last(300).trim()}` : ''}`];
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

/** How deep each place is read: the profile and the run's temp dir are the candidate's own. */
const OWN_DEPTH = 6;
const SHARED_DEPTH = 3;
/** Harness directories of other runs and checks, skipped in shared places. */
const HARNESS_DIR = new RegExp(`/(${[PROFILE_DIR_PREFIX, RUN_TMP_PREFIX, SCRATCH_DIR_PREFIX].join('|')})[^/]*$`);

interface Attribution {
  blamed: string[];
  notes: string[];
}

/**
 * Which artefacts present after the stop the candidate made. Blamed: held open by one of its
 * processes while it ran; or new or changed since its spawn and inside its profile or the run's
 * temp dir (nothing else writes there while CRASH-4 runs alone), or naming one of its pids.
 * Anything else new in a shared place is a note: another program may have written it.
 */
function attribute(
  after: Map<string, ArtefactStamp>,
  before: Map<string, ArtefactStamp>,
  held: Map<string, number>,
  own: string[],
  pids: number[],
  spawnEpochMs: number,
  beforeCovers: (path: string) => boolean,
): Attribution {
  const blamed: string[] = [];
  const notes: string[] = [];
  for (const [path, stamp] of after) {
    const old = before.get(path);
    const changed = beforeCovers(path) ? !old || old.ino !== stamp.ino || old.mtimeMs !== stamp.mtimeMs : stamp.ctimeMs >= spawnEpochMs;
    const kind = stamp.directory ? 'lock directory' : 'file';
    if (held.has(path)) blamed.push(`${path} (${kind} held open by pid ${held.get(path)} while it ran)`);
    else if (!changed) continue;
    else if (own.some((dir) => isInside(path, dir))) blamed.push(`${path} (${kind} made in its ${isInside(path, own[0]!) ? 'profile' : "run's temp dir"})`);
    else {
      const pid = namedPid(path, pids);
      if (pid !== undefined) blamed.push(`${path} (${kind} naming its pid ${pid})`);
      else notes.push(path);
    }
  }
  return { blamed, notes };
}

// CRASH-4 SHOULD: No lock or pid artefact is left behind after SIGKILL or a graceful stop.
const crash4: Check = {
  id: 'CRASH-4',
  exclusive: true,
  async run(ctx: CheckContext) {
    const leftovers: string[] = [];
    const unattributed = new Set<string>();
    for (const signal of ['SIGKILL', 'SIGTERM'] as const) {
      const profile = await ctx.profile();
      const own = [profile.stateDir, ctx.runTmpDir];
      const shared = [...new Set(['/tmp', tmpdir()])].filter((dir) => !own.includes(dir));
      const roots: ScanRoot[] = [...own.map((path) => ({ path, depth: OWN_DEPTH })), ...shared.map((path) => ({ path, depth: SHARED_DEPTH }))];
      const skip = (path: string) => HARNESS_DIR.test(path) && !own.some((dir) => isInside(dir, path) || isInside(path, dir));
      const before = scanArtefacts(roots, skip);
      const spawnEpochMs = Date.now() - 1000; // ctime has coarse granularity on some filesystems
      const candidate = await ctx.start(profile, `candidate (${signal})`);
      const held = heldArtefacts(candidate.family());
      // Its own TMPDIR and HOME, as the gateway process sees them (a launcher may set them).
      const { tmpdir: itsTmp, home } = tempAndHome(candidate.gatewayPid);
      const extra: ScanRoot[] = [
        ...(itsTmp ? [{ path: itsTmp, depth: SHARED_DEPTH + 1 }] : []),
        ...(home ? [{ path: home, depth: SHARED_DEPTH }] : []),
      ].filter((root) => !roots.some((r) => isInside(root.path, r.path)));
      const pids = candidate.family();
      for (const [path, pid] of heldArtefacts(pids)) held.set(path, pid);
      candidate.signalGateway(signal);
      ctx.event(`${signal} sent`, `to pid ${candidate.gatewayPid}`);
      await candidate.waitGatewayExit(ctx.options.exitBudgetMs);
      await candidate.waitExit(ctx.options.exitBudgetMs);
      await candidate.kill();
      const after = scanArtefacts([...roots, ...extra], skip);
      const beforeCovers = (path: string) => roots.some((r) => isInside(path, r.path));
      const found = attribute(after, before, held, own, pids, spawnEpochMs, beforeCovers);
      leftovers.push(...found.blamed.map((what) => `${what}, after ${signal}`));
      for (const path of found.notes) unattributed.add(path);
    }
    if (unattributed.size > 0) ctx.note(`new lock-like artefacts not attributed to the candidate (another program may have made them): ${[...unattributed].join(', ')}`);
    if (leftovers.length > 0) ctx.fail(`lock or pid artefacts outlived the gateway: ${leftovers.join('; ')}`);
    return 'no lock or pid artefact of the candidate outlived it';
  },
};

export const crashChecks: Check[] = [crash1, crash2, crash3, crash4];
