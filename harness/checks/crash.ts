/** CRASH observation plans: gateways killed and crashed, the port at their exit, restarts, artefacts. */
import { tmpdir } from 'node:os';
import type { ArtefactObservation, ArtefactRun, AtExit, CrashObservation, CrashPhase, CrashSignal } from '../judge/crash.js';
import { environOf, heldArtefacts, isInside, mergePlaces, namedPid, placesInEnvironment, readHead, scanArtefacts, stampPaths, type ArtefactStamp, type ScanRoot } from '../observe/artefacts.js';
import { bindProbe, portHolders } from '../observe/probes.js';
import { listenSocketsOnPort, TCP_LISTEN, tcpSocketsOnPort } from '../observe/procfs.js';
import type { CandidateProcess } from '../run/candidate.js';
import { PROFILE_DIR_PREFIX, RUN_TMP_PREFIX, SCRATCH_DIR_PREFIX, type CheckContext, type Profile, type StartedCandidate } from '../run/context.js';
import { now } from '../run/time.js';
import type { Scenario } from './check.js';

/** Clients connected to every crash victim (CRASH-2: "also with clients connected"). */
const CRASH_CLIENTS = 10;

/** Sends `signal` to the gateway process and reads the port the moment its exit is seen. */
async function killAndInspect(ctx: CheckContext, candidate: StartedCandidate, port: number, signal: CrashSignal): Promise<AtExit> {
  const oldInodes = candidate.listening.inodes;
  const sentAt = now();
  candidate.signalGateway(signal);
  ctx.event(`${signal} sent`, `to pid ${candidate.gatewayPid}`, sentAt);
  const exitAt = await candidate.waitGatewayExit(ctx.options.exitBudgetMs);
  if (exitAt === undefined) return { staleHolders: [], staleSocket: false, bindable: false, connections: 0 };
  ctx.event('gateway process exit observed', undefined, exitAt);
  const bindable = await bindProbe(port);
  const sockets = listenSocketsOnPort(port);
  const connections = tcpSocketsOnPort(port).filter((s) => s.state !== TCP_LISTEN).length;
  const stale = sockets.filter((s) => oldInodes.includes(s.inode));
  const staleHolders = stale.length > 0 ? portHolders(port).filter((h) => oldInodes.includes(h.inode)) : [];
  ctx.recordHolders(staleHolders);
  const others = stale.length === 0 && sockets.length > 0 ? portHolders(port).map((h) => `pid ${h.pid} (${h.cmdline})`).join(', ') : undefined;
  // A new socket in a new process: a supervisor restarted the gateway. Not a stale hold.
  if (others !== undefined) ctx.note(`a new listener appeared after ${signal}: ${others}`);
  return { exitMs: exitAt - sentAt, staleHolders, staleSocket: stale.length > 0, bindable, connections, ...(others !== undefined ? { newListeners: others } : {}) };
}

/**
 * One start crashed by each signal its dependents need: SIGKILL for CRASH-1 (the port at the
 * exit), CRASH-2 (the restart) and BIND-4 (the victim's listeners, with its clients connected),
 * then SIGABRT and SIGSEGV for CRASH-3. Each victim has 10 clients. After each crash the same profile is spawned again at once and timed to LISTEN; where
 * another crash follows, that restart, once ready, is its victim (a fresh start where it is not).
 */
export const crashes: Scenario<CrashObservation> = {
  name: 'crashes',
  weight: 4,
  async observe(ctx, needs) {
    const observation: CrashObservation = { phases: [] };
    const signals: CrashSignal[] = [
      ...(needs.has('CRASH-1') || needs.has('CRASH-2') || needs.has('BIND-4') ? (['SIGKILL'] as const) : []),
      ...(needs.has('CRASH-3') ? (['SIGABRT', 'SIGSEGV'] as const) : []),
    ];
    let next: { candidate: StartedCandidate; profile: Profile } | undefined;
    for (const [i, signal] of signals.entries()) {
      const inspect = signal !== 'SIGKILL' || needs.has('CRASH-1');
      const restart = signal !== 'SIGKILL' || needs.has('CRASH-2');
      const more = i < signals.length - 1;
      let victim = next;
      next = undefined;
      const restarted = victim !== undefined;
      const profile = victim?.profile ?? (await ctx.profile());
      const phase: CrashPhase = { signal, port: profile.port, victim: { ok: true, restarted } };
      observation.phases.push(phase);
      if (!victim) {
        const started = await ctx.attempt(async () => ({ candidate: await ctx.start(profile, `candidate (${signal})`) }));
        if (!started.ok) {
          phase.victim = started;
          continue;
        }
        victim = { candidate: started.candidate, profile };
        phase.victim = { ok: true, restarted, idleUntilListenMs: started.candidate.idleUntilListen };
      }
      const candidate = victim.candidate;
      await ctx.clients(candidate, profile.port, CRASH_CLIENTS);
      // BIND-4 lists its listeners at each crash, with the clients connected.
      if (needs.has('BIND-4')) phase.listeners = ctx.listeners(candidate, profile.port);
      if (inspect) phase.atExit = await killAndInspect(ctx, candidate, profile.port, signal);
      else {
        candidate.signalGateway(signal);
        ctx.event(`${signal} sent`, `to pid ${candidate.gatewayPid}`);
        await candidate.waitGatewayExit(ctx.options.exitBudgetMs);
      }
      await candidate.kill();
      if (!restart) continue;
      const spawned = await restartSameProfile(ctx, profile, signal);
      phase.restart = spawned.step;
      if (more && spawned.candidate?.listening) {
        const ready = await ctx.attempt(async () => ({ candidate: await ctx.finishStart(spawned.candidate!, profile) }));
        if (ready.ok) next = { candidate: ready.candidate, profile };
      }
      if (!next) await spawned.candidate?.kill();
    }
    return observation;
  },
};

/** Spawns the same profile again at once and waits for LISTEN (up to the startup ceiling). */
async function restartSameProfile(ctx: CheckContext, profile: Profile, after: CrashSignal): Promise<{ step: CrashPhase['restart'] & object; candidate?: CandidateProcess }> {
  const restartAt = now();
  const restarted = await ctx.spawn(profile, `restart after ${after}`);
  const listening = await ctx.waitListening(restarted, profile.port);
  if (!listening) {
    await restarted.waitExit(0);
    const exited = restarted.exit ? `; it exited: ${restarted.stderr.last(300).trim() || restarted.stdout.last(300).trim()}` : '';
    return { step: { ok: false, failure: { message: `the same profile did not listen again after ${after} (waited up to ${ctx.options.startupCeilingMs} ms)${exited}` } }, candidate: restarted };
  }
  return { step: { ok: true, listenMs: Math.round(listening.at - restartAt), idleUntilListenMs: restarted.idleUntilListen }, candidate: restarted };
}

/** How deep each place is read: the profile and the run's temp dir are the candidate's own. */
const OWN_DEPTH = 6;
const SHARED_DEPTH = 3;
/** Shared temp places every host has: /tmp, the harness's own temp dir, and /var/tmp. */
const SHARED_PLACES = ['/tmp', '/var/tmp'];
/** Harness directories of other runs and checks, skipped in shared places. */
const HARNESS_DIR = new RegExp(`/(${[PROFILE_DIR_PREFIX, RUN_TMP_PREFIX, SCRATCH_DIR_PREFIX].join('|')})[^/]*$`);

/** The places the candidate's processes name in their environment (a launcher may set them). */
function placesOf(pids: number[]): ScanRoot[] {
  return mergePlaces(pids.flatMap((pid) => placesInEnvironment(environOf(pid))));
}

/**
 * The artefacts that are new or changed since the read before the spawn, in `found` and among those
 * held open anywhere, each with the head of its content where it is a small regular file.
 */
function newArtefacts(found: Map<string, ArtefactStamp>, before: Map<string, ArtefactStamp>, held: Map<string, number>): { path: string; head?: string }[] {
  const paths = new Set([...found.keys(), ...held.keys()]);
  const fresh = [...paths].filter((path) => {
    const stamp = found.get(path) ?? stampPaths([path]).get(path);
    if (!stamp) return false;
    const old = before.get(path);
    return !old || stamp.ctimeMs !== old.ctimeMs || stamp.ino !== old.ino;
  });
  return fresh.sort().map((path) => {
    const head = readHead(path, 4096);
    return head !== undefined ? { path, head } : { path };
  });
}

/**
 * Two starts (stopped by SIGKILL, then SIGTERM), each between two reads of the places where lock
 * and pid artefacts land, with what the candidate held open while it ran. The places: its
 * profile and the run's temp dir (its own), /tmp, /var/tmp and the host's temp dir, and every
 * place its environment names (TMPDIR, HOME, state dirs), as the harness gives it and as its
 * processes have it once they run (a launcher may set its own); each is read to its own depth.
 * Places first seen in a run's processes are read before the next run too. Runs alone: the run
 * temp dir is shared by the run's other checks.
 */
export const artefacts: Scenario<ArtefactObservation> = {
  name: 'artefacts',
  weight: 2,
  exclusive: true,
  async observe(ctx) {
    const observation: ArtefactObservation = { runs: [] };
    let seenPlaces: ScanRoot[] = [];
    for (const signal of ['SIGKILL', 'SIGTERM'] as const) {
      const profile = await ctx.profile();
      const own = [profile.stateDir, ctx.runTmpDir];
      const shared = [...new Set([...SHARED_PLACES, tmpdir()])].filter((dir) => !own.includes(dir));
      const roots = mergePlaces([
        ...own.map((path) => ({ path, depth: OWN_DEPTH })),
        ...shared.map((path) => ({ path, depth: SHARED_DEPTH })),
        ...placesInEnvironment(ctx.candidateEnv(profile)),
        ...seenPlaces,
      ]);
      const skip = (path: string) => HARNESS_DIR.test(path) && !own.some((dir) => isInside(dir, path) || isInside(path, dir));
      const before = scanArtefacts(roots, skip);
      const spawnEpochMs = Date.now() - 1000; // ctime has coarse granularity on some filesystems
      const started = await ctx.attempt(async () => ({ candidate: await ctx.start(profile, `candidate (${signal})`) }));
      const run: ArtefactRun = { signal, before: [...before], snapshotRoots: roots, after: [], held: [], own, pids: [], spawnEpochMs };
      observation.runs.push(run);
      if (!started.ok) {
        run.failure = started.failure;
        break;
      }
      const candidate = started.candidate;
      // Once ready, just before the signal: what it holds open and where its environment points.
      const pids = candidate.family();
      const held = heldArtefacts(pids);
      const places = placesOf(pids);
      run.port = profile.port;
      run.whileRunning = newArtefacts(scanArtefacts(mergePlaces([...roots, ...places]), skip), before, held);
      candidate.signalGateway(signal);
      ctx.event(`${signal} sent`, `to pid ${candidate.gatewayPid}`);
      // One exit budget for the stop: a gateway that ignores the signal is killed after it, once
      // (the launcher or wrapper gets what is left of it, not a second budget).
      const stopBy = now() + ctx.options.exitBudgetMs;
      await candidate.waitGatewayExit(ctx.options.exitBudgetMs);
      await candidate.waitExit(Math.max(0, stopBy - now()));
      await candidate.kill();
      const after = scanArtefacts(mergePlaces([...roots, ...places]), skip);
      // Held open anywhere (/var/tmp, $XDG_RUNTIME_DIR, ~/.cache): checked by path, read or not.
      for (const [path, stamp] of stampPaths([...held.keys()].filter((path) => !after.has(path)))) after.set(path, stamp);
      run.after = [...after].map(([path, stamp]) => {
        const pid = namedPid(path, pids);
        return [path, pid !== undefined ? { ...stamp, namedPid: pid } : stamp];
      });
      run.held = [...held];
      run.pids = pids;
      seenPlaces = mergePlaces([...seenPlaces, ...places.filter((place) => !own.some((dir) => isInside(place.path, dir)))]);
    }
    return observation;
  },
};
