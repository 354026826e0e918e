/** CRASH criteria: pure functions over kills, the port at the observed exit, restarts and artefacts. */
import type { PortHolder } from '../report.js';
import { fail, failed, pass, undecided, type Failure, type Judgement, type JudgeSettings, type Step } from './judgement.js';

export type CrashSignal = 'SIGKILL' | 'SIGABRT' | 'SIGSEGV';

/** The port at the moment the gateway process's exit was observed. */
export interface AtExit {
  /** Signal to the observed exit, ms; undefined when it survived the exit budget. */
  exitMs?: number;
  /** Processes that still hold one of the killed gateway's LISTEN sockets (none: nothing stale). */
  staleHolders: PortHolder[];
  /** True when a recorded inode was still listed as LISTEN (even with no visible holder). */
  staleSocket: boolean;
  /** LISTEN sockets on P with new inodes: a supervisor's restart, described. */
  newListeners?: string;
  /** A bind probe of 127.0.0.1:P succeeded. */
  bindable: boolean;
  /** Sockets on P in other states than LISTEN: the killed instance's connections (TIME_WAIT, FIN_WAIT). */
  connections: number;
}

/** One crash: the victim, the port at its exit, the restart of the same profile. */
export interface CrashPhase {
  signal: CrashSignal;
  port: number;
  /**
   * The started victim (a restart of the previous phase where it was ready), and for a fresh
   * start its idle time from spawn to LISTEN.
   */
  victim: Step<{ restarted: boolean; idleUntilListenMs?: number }>;
  /** The victim's LISTEN sockets on P just before the crash, with its clients connected (BIND-4). */
  listeners?: PortHolder[];
  atExit?: AtExit;
  /** The same profile spawned again at once: its spawn to LISTEN, and its idle time until then. */
  restart?: Step<{ listenMs: number; idleUntilListenMs?: number }>;
}

export interface CrashObservation {
  phases: CrashPhase[];
}

const phase = (o: CrashObservation, signal: CrashSignal) => o.phases.find((p) => p.signal === signal);

/**
 * The CRASH-1 criteria at the observed exit: "no process holds any recorded inode and the port is
 * free. A LISTEN socket on P with a new inode, held by a process started after the kill, is not a
 * stale hold." Empty when they hold.
 */
export function staleAtExit(p: CrashPhase, settings: JudgeSettings): string[] {
  const seen = p.atExit;
  if (!seen) return [];
  if (seen.exitMs === undefined) return [`the gateway process survived ${p.signal} for ${settings.exitBudgetMs} ms`];
  if (seen.staleSocket || seen.staleHolders.length > 0) {
    const who = seen.staleHolders.map((h) => `pid ${h.pid} (${h.cmdline})`).join(', ');
    return [`after ${p.signal} the listening socket lives on in ${who || 'an unseen process'}: port ${p.port} is still held`];
  }
  if (seen.newListeners !== undefined || seen.bindable) return [];
  // Re-binding over the killed instance's lingering connections needs SO_REUSEADDR on its socket:
  // that is CRASH-2's criterion (the restart), so one defect gives one failure.
  if (seen.connections > 0) return [];
  return [`after ${p.signal} a bind to 127.0.0.1:${p.port} still failed though no LISTEN socket remained`];
}

/** A victim that did not start, or the restart that did not listen, as one failure. */
function restartProblems(p: CrashPhase): string[] {
  if (!p.restart) return [];
  return p.restart.ok ? [] : [p.restart.failure.message];
}

/** CRASH-1: the port is free when the SIGKILLed gateway's exit is observed. */
export function judgeFreeAtKill(observation: CrashObservation, settings: JudgeSettings): Judgement {
  const kill = phase(observation, 'SIGKILL');
  if (!kill?.atExit) return kill && !kill.victim.ok ? failed(kill.victim.failure) : undecided();
  const problems = staleAtExit(kill, settings);
  const measurements = kill.atExit.exitMs !== undefined ? { 'SIGKILL.toExit': kill.atExit.exitMs } : undefined;
  if (problems.length > 0) return fail(problems.join('; '), {}, measurements);
  const note = kill.atExit.newListeners ? `; a new listener appeared (${kill.atExit.newListeners}), not a stale hold` : '';
  const after = kill.atExit.exitMs !== undefined ? ` (${kill.atExit.exitMs.toFixed(1)} ms after SIGKILL)` : '';
  return pass(`port free when the exit was observed${after}${note}`, measurements);
}

/** CRASH-2: "Pass when the new instance listens within the startup ceiling." */
export function judgeRestartAfterKill(observation: CrashObservation): Judgement {
  const kill = phase(observation, 'SIGKILL');
  if (kill && !kill.victim.ok) return failed(kill.victim.failure);
  if (!kill?.restart) return undecided();
  if (!kill.restart.ok) return failed(kill.restart.failure);
  return pass(`the same profile listened again ${kill.restart.listenMs} ms after the restart`, { restartAfterSIGKILL: kill.restart.listenMs });
}

/**
 * CRASH-3: "For each signal: pass when the CRASH-1 criteria hold at the observed exit and the
 * restart listens within the startup ceiling. A gateway process that has not exited within the
 * exit budget after the signal fails."
 */
export function judgeCrashSignals(observation: CrashObservation, settings: JudgeSettings): Judgement {
  const problems: string[] = [];
  const measurements: Record<string, number> = {};
  for (const signal of ['SIGABRT', 'SIGSEGV'] as const) {
    const p = phase(observation, signal);
    if (!p) return undecided();
    if (!p.victim.ok) {
      problems.push(p.victim.failure.message);
      continue;
    }
    if (!p.atExit || !p.restart) return undecided();
    problems.push(...staleAtExit(p, settings), ...restartProblems(p));
    if (p.atExit.exitMs !== undefined) measurements[`${signal}.toExit`] = p.atExit.exitMs;
    if (p.restart.ok) measurements[`restartAfter${signal}`] = p.restart.listenMs;
  }
  if (problems.length > 0) return fail(problems.join('; '), {}, measurements);
  return pass('port free and restart after SIGABRT and SIGSEGV', measurements);
}

/** A lock-like file or directory as found: what identifies a change. */
export interface ArtefactStamp {
  ino: number;
  mtimeMs: number;
  ctimeMs: number;
  directory: boolean;
}

/** `path` is `dir` or lies below it. */
export const isInside = (path: string, dir: string): boolean => path === dir || path.startsWith(dir.endsWith('/') ? dir : `${dir}/`);

/** A place where artefacts are looked for, and how many levels below it are read (1: its own entries). */
export interface ScanRoot {
  path: string;
  depth: number;
}

/** Levels of `path` below `root` (1: an entry of the root itself); undefined when not inside. */
export function levelsBelow(path: string, root: string): number | undefined {
  if (!isInside(path, root)) return undefined;
  const rest = path.slice(root.length).split('/').filter(Boolean);
  return rest.length;
}

/** A snapshot that read `roots` saw `path`, or would have had it been there. */
export const covers = (roots: ScanRoot[], path: string): boolean =>
  roots.some((root) => {
    const levels = levelsBelow(path, root.path);
    return levels !== undefined && levels >= 1 && levels <= root.depth;
  });

/** An artefact as found, and the candidate pid it names (name or first 4 KiB), where it names one. */
export type NamedStamp = ArtefactStamp & { namedPid?: number };

/** One CRASH-4 run: the artefacts around one start, stopped by `signal`. */
export interface ArtefactRun {
  signal: 'SIGKILL' | 'SIGTERM';
  /** The start failed: nothing to attribute. */
  failure?: Failure;
  /** Artefacts before the spawn, in the places a snapshot covered. */
  before: [string, ArtefactStamp][];
  /** Where the snapshot looked, and how deep: artefacts elsewhere are new when their ctime is after the spawn. */
  snapshotRoots: ScanRoot[];
  /** Artefacts after the exit: those in the places read, and the held ones still there. */
  after: [string, NamedStamp][];
  /** Artefacts its processes held open while it ran, wherever they are, and by which pid. */
  held: [string, number][];
  /** Its own places: the profile first, then the run temp dir. */
  own: string[];
  pids: number[];
  /** Epoch ms, 1 s before the spawn (ctime granularity). */
  spawnEpochMs: number;
  /** The gateway's port P. */
  port?: number;
  /**
   * Once it was ready, before the signal: the artefacts new or changed since the spawn, in the
   * places read and among those it held open, with the head of each (up to 4 KiB) that is a
   * regular file. A revision's lock files are read from here (FILELOCK-5, LAYER-5).
   */
  whileRunning?: { path: string; head?: string }[];
}

export interface ArtefactObservation {
  runs: ArtefactRun[];
}

/** An artefact the candidate made, and why it counts as its own. */
export interface Attributed {
  path: string;
  why: string;
}

/**
 * Which artefacts present after a run the candidate made (the CRASH-4 pass criteria): held open
 * by one of its processes while it ran; or new or changed since its spawn and inside its profile
 * or the run temp dir, or naming one of its pids. Anything else new is a note.
 */
export function attributedArtefacts(run: ArtefactRun): { blamed: Attributed[]; notes: string[] } {
  const before = new Map(run.before);
  const held = new Map(run.held);
  const blamed: Attributed[] = [];
  const notes: string[] = [];
  for (const [path, stamp] of run.after) {
    const old = before.get(path);
    const covered = covers(run.snapshotRoots, path);
    const changed = covered ? !old || old.ino !== stamp.ino || old.mtimeMs !== stamp.mtimeMs : stamp.ctimeMs >= run.spawnEpochMs;
    const kind = stamp.directory ? 'lock directory' : 'file';
    if (held.has(path)) blamed.push({ path, why: `${kind} held open by pid ${held.get(path)} while it ran` });
    else if (!changed) continue;
    else if (run.own.some((dir) => isInside(path, dir))) blamed.push({ path, why: `${kind} made in its ${isInside(path, run.own[0]!) ? 'profile' : "run's temp dir"}` });
    else {
      const pid = stamp.namedPid;
      if (pid !== undefined) blamed.push({ path, why: `${kind} naming its pid ${pid}` });
      else notes.push(path);
    }
  }
  return { blamed, notes };
}

/** `attributedArtefacts`, each as "path (why)". */
export function attributeArtefacts(run: ArtefactRun): { blamed: string[]; notes: string[] } {
  const { blamed, notes } = attributedArtefacts(run);
  return { blamed: blamed.map((a) => `${a.path} (${a.why})`), notes };
}

/** CRASH-4: "Pass when no artefact is the candidate's after either run." */
export function judgeArtefacts(observation: ArtefactObservation): Judgement {
  return judgeArtefactsExcept(observation, () => undefined);
}

/**
 * CRASH-4 where a revision accepts some of the candidate's artefacts (its own lock files, judged
 * by requirements of their own): `excused` says why one is not counted, or undefined. Excused
 * artefacts are notes.
 */
export function judgeArtefactsExcept(observation: ArtefactObservation, excused: (artefact: Attributed, run: ArtefactRun) => string | undefined): Judgement {
  const leftovers: string[] = [];
  const unattributed = new Set<string>();
  const accepted: string[] = [];
  for (const run of observation.runs) {
    if (run.failure) return failed(run.failure);
    const found = attributedArtefacts(run);
    for (const artefact of found.blamed) {
      const why = excused(artefact, run);
      if (why) accepted.push(`${artefact.path} (${artefact.why}), after ${run.signal}: ${why}`);
      else leftovers.push(`${artefact.path} (${artefact.why}), after ${run.signal}`);
    }
    for (const path of found.notes) unattributed.add(path);
  }
  if (observation.runs.length < 2) return undecided();
  const notes = [
    ...(unattributed.size > 0 ? [`new lock-like artefacts not attributed to the candidate (another program may have made them): ${[...unattributed].join(', ')}`] : []),
    ...(accepted.length > 0 ? [`not counted: ${accepted.join('; ')}`] : []),
  ];
  const judgement = leftovers.length > 0 ? fail(`lock or pid artefacts outlived the gateway: ${leftovers.join('; ')}`) : pass('no lock or pid artefact of the candidate outlived it');
  return { ...judgement, notes };
}

/**
 * FILELOCK-4, LAYER-6: "after the SIGTERM run, no artefact CRASH-4 attributes to the candidate
 * has a file name of the revision's lock files."
 */
export function judgeLockFilesRemoved(observation: ArtefactObservation, isLockFile: (path: string) => boolean): Judgement {
  const run = observation.runs.find((r) => r.signal === 'SIGTERM');
  if (!run) {
    const failedRun = observation.runs.find((r) => r.failure);
    return failedRun?.failure ? failed(failedRun.failure) : undecided();
  }
  if (run.failure) return failed(run.failure);
  const left = attributedArtefacts(run).blamed.filter((a) => isLockFile(a.path));
  if (left.length > 0) return fail(`lock files outlived a graceful stop (SIGTERM): ${left.map((a) => `${a.path} (${a.why})`).join('; ')}`, { expected: 'no lock file of the gateway after it stopped on SIGTERM' });
  return pass('no lock file of the gateway outlived its stop on SIGTERM');
}

/**
 * FILELOCK-2, LAYER-7: "the restart listens within the startup ceiling and its idle time from
 * spawn to LISTEN exceeds the killed instance's own idle time from spawn to LISTEN by at most the
 * fail-fast budget" (a lock wait is idle time).
 */
export function judgeReclaimAfterKill(observation: CrashObservation, budgetMs: number): Judgement {
  const kill = phase(observation, 'SIGKILL');
  if (!kill) return undecided();
  if (!kill.victim.ok) return failed(kill.victim.failure);
  if (!kill.restart) return undecided();
  if (!kill.restart.ok) return failed(kill.restart.failure);
  const startIdle = kill.victim.idleUntilListenMs;
  const restartIdle = kill.restart.idleUntilListenMs;
  if (startIdle === undefined || restartIdle === undefined) return undecided();
  const measurements = { startIdle, restartIdle, budget: budgetMs };
  const beyond = restartIdle - startIdle;
  if (beyond > budgetMs) {
    return fail(`the restart after SIGKILL idled ${Math.round(restartIdle)} ms before it listened, ${Math.round(beyond)} ms more than the killed instance's start: it waited for the lock it left`, { expected: `at most ${budgetMs} ms more idle time than a normal start` }, measurements);
  }
  return pass(`the same profile listened again ${kill.restart.listenMs} ms after the restart, idle ${Math.round(restartIdle)} ms (its first start ${Math.round(startIdle)} ms)`, measurements);
}
