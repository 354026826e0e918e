/**
 * FILELOCK-3 and LAYER-3: pure criteria over a second instance on the first's state dir, on
 * another port, both started with the revision's opt-out variable. A file lock the opt-out turns
 * off lets it serve beside the first (FILELOCK-3); state ownership, which the opt-out must not
 * turn off, refuses it (LAYER-3). One observation, two revisions' readings of it.
 */
import { failFastBudgetMs } from './fail-fast.js';
import { describeStillRunning, type HangSign } from './hang.js';
import { describeExitSeen, fail, failed, pass, undecided, type ExitSeen, type Judgement, type JudgeSettings, type Step } from './judgement.js';
import { findTemplateLine } from './revision.js';
import { firstKeptProblems, lateRefusal } from './conflict.js';

/** What the opt-out scenario saw. */
export interface OptOutObservation {
  /** The variables set in both instances' environment. */
  env: Record<string, string>;
  /** A on P with a fresh profile: its start to LISTEN, and its idle time until then (the baseline). */
  first?: Step<{ port: number; listenMs: number; idleUntilListenMs: number }>;
  /** B, on A's state dir and another port Q. */
  second?: OptOutInstance;
  /** After B: does A still hold its LISTEN socket and answer an upgrade? */
  firstKept?: { held: boolean; upgrade: { ok: boolean; error?: string } };
}

export interface OptOutInstance {
  role: string;
  port: number;
  /** Where it listened on Q, when it did; and whether it answered the upgrade there. */
  listenedOn?: string;
  upgrade?: { ok: boolean; error?: string };
  exit?: ExitSeen;
  /** How long it was watched, when it neither exited nor listened. */
  watchedMs?: number;
  hang?: HangSign;
  spawnToExitMs: number;
  idleMs: number;
  output: string;
}

const variables = (env: Record<string, string>): string =>
  Object.entries(env)
    .map(([k, v]) => `${k}=${v}`)
    .join(' ');

/** B's answer to the upgrade on Q. */
function upgradeProblem(who: string, upgrade: { ok: boolean; error?: string } | undefined): string | undefined {
  if (!upgrade) return `${who} was not asked for an upgrade`;
  return upgrade.ok ? undefined : `${who} did not answer the upgrade: ${upgrade.error}`;
}

/**
 * FILELOCK-3: "Pass when B listens on Q while A still listens on P, both answer the upgrade with
 * 101, and B's output does not contain the FILELOCK message."
 */
export function judgeOptOutSideBySide(observation: OptOutObservation, lockMessage: string): Judgement {
  const { first, second, firstKept } = observation;
  if (!first) return undecided();
  if (!first.ok) return failed(first.failure);
  if (!second || !firstKept) return undecided();
  const set = variables(observation.env);
  const problems: string[] = [];
  if (!second.listenedOn) {
    const why = second.exit ? `${describeExitSeen(second.exit)} ${Math.round(second.spawnToExitMs)} ms after spawn` : describeStillRunning(second.watchedMs ?? 0, second.hang, second.idleMs);
    const line = findTemplateLine(second.output, lockMessage);
    problems.push(`with ${set}, ${second.role} did not listen on ${second.port}: ${why}${line ? `: ${line.trim()}` : ''}`);
  } else {
    const refused = upgradeProblem(second.role, second.upgrade);
    if (refused) problems.push(refused);
    const line = findTemplateLine(second.output, lockMessage);
    if (line) problems.push(`${second.role} printed the lock message although it serves: ${line.trim()}`);
  }
  problems.push(...firstKeptProblems(firstKept));
  if (problems.length > 0) return fail(problems.join('; '), { expected: `with ${set}, a second instance on the same state dir serves on another port beside the first` });
  return pass(`with ${set}, ${second.role} listened on ${second.listenedOn} beside the first on ${first.port}; both answered the upgrade`);
}

/**
 * LAYER-3: "Pass when B exits non-zero without listening on Q, its idle time beyond the median
 * idle time of the run's baseline starts up to LISTEN is at most W + F, and A still holds its
 * LISTEN socket and answers the upgrade with 101."
 */
export function judgeOptOutRefusal(observation: OptOutObservation, settings: JudgeSettings, lockWaitMs: number): Judgement {
  const { first, second, firstKept } = observation;
  if (!first) return undecided();
  if (!first.ok) return failed(first.failure);
  if (!second) return undecided();
  const set = variables(observation.env);
  const budget = failFastBudgetMs(settings);
  const beyond = Math.max(0, second.idleMs - first.idleUntilListenMs);
  const measurements: Record<string, number> = { lockWait: lockWaitMs, idleBeyondStartup: beyond };
  if (Number.isFinite(second.spawnToExitMs)) measurements.spawnToExit = second.spawnToExitMs;
  const problems: string[] = [];
  if (second.listenedOn) problems.push(`with ${set}, ${second.role} listened on ${second.listenedOn}: the opt-out turned state ownership off`);
  else if (!second.exit) problems.push(`${second.role} ${describeStillRunning(second.watchedMs ?? 0, second.hang, second.idleMs)}`);
  else {
    if (second.exit.code === 0 && !second.exit.signal) problems.push(`${second.role} exited with code 0`);
    if (beyond > lockWaitMs + budget) problems.push(`${second.role} waited ${Math.round(beyond)} ms (idle time beyond a normal start's ${Math.round(first.idleUntilListenMs)} ms), over the lock wait of ${lockWaitMs} ms + ${budget} ms`);
    const late = lateRefusal({ role: second.role, timing: { spawnToExitMs: second.spawnToExitMs } }, [first.listenMs], lockWaitMs, settings);
    if (late) problems.push(late);
  }
  if (!firstKept) return problems.length > 0 ? fail(problems.join('; '), {}, measurements) : undecided(measurements);
  problems.push(...firstKeptProblems(firstKept));
  if (problems.length > 0) return fail(problems.join('; '), { expected: `with ${set}, a second instance on the same state dir is refused` }, measurements);
  return pass(`with ${set}, ${second.role} was refused (${describeExitSeen(second.exit)} ${Math.round(second.spawnToExitMs)} ms after spawn); the first kept serving`, measurements);
}
