/**
 * Every check, in catalogue order: a requirement ID, the observation plans (scenarios) it is
 * judged on, and its criterion (harness/judge/). Several checks name the same scenario: one run
 * of it serves them all, unless the run is --isolated. `CHECKS` are the default revision's
 * (2025-12-11); `checksOf` gives any revision's, its own requirements judged on the same plans
 * with the budgets and messages of its data.
 */
import { laterListings, judgeLoopbackListener, judgeLoopbackOnly, judgeSideBySide, judgeStartupTime, judgeUpgrade } from '../judge/bind.js';
import { judgeBindFailure } from '../judge/bindfail.js';
import { judgeFailFast, judgeFailFastAllowing, judgeForeignOccupier, judgeLockRefusal, judgeSecondInstance, judgeSecondInstanceBehindLock, judgeTypedError } from '../judge/conflict.js';
import { isInside, judgeArtefacts, judgeArtefactsExcept, judgeCrashSignals, judgeFreeAtKill, judgeLockFilesRemoved, judgeReclaimAfterKill, judgeRestartAfterKill } from '../judge/crash.js';
import { failFastBudgetMs } from '../judge/fail-fast.js';
import { baseName, isLockFile, param, type RevisionParams } from '../judge/revision.js';
import { skip } from '../judge/judgement.js';
import { judgeCleanExit, judgeCloseFrames, judgeRelease, judgeRestartAfterStop } from '../judge/shutdown.js';
import { defaultPort, type ServeObservation } from './bind.js';
import type { CrashObservation } from '../judge/crash.js';
import type { StopObservation } from '../judge/shutdown.js';
import { bindFailures } from './bindfail.js';
import { check, check2, observedAs, type Check, type Scenario } from './check.js';
import { firstAndConflicts } from './conflict.js';
import { artefacts, crashes } from './crash.js';
import { stopBySigint, stopBySigterm, stopWithClients } from './shutdown.js';
import { optOut } from './opt-out.js';
import { judgeOptOutRefusal, judgeOptOutSideBySide } from '../judge/opt-out.js';
import { judgeLockFilesWhileRunning } from '../judge/lock-files.js';

export const CHECKS: Check[] = [
  check('BIND-1', firstAndConflicts, (o) => judgeLoopbackListener(o.first)),
  check('BIND-2', defaultPort, (o) => (o.unavailable ? skip(o.unavailable) : judgeLoopbackListener(o.start))),
  check('BIND-3', firstAndConflicts, (o) => judgeUpgrade(o.first)),
  {
    id: 'BIND-4',
    // Listed once started, and wherever the stop and crash plans see a running gateway.
    scenarios: [firstAndConflicts, stopBySigterm, stopBySigint, stopWithClients, crashes],
    judge: ([s, term, int, clients, crash]: [ServeObservation, StopObservation, StopObservation, StopObservation, CrashObservation]) =>
      judgeLoopbackOnly(s.first, laterListings([term, int, clients], crash)),
  },
  check('BIND-5', stopBySigint, (o, settings) => judgeStartupTime(o.trials.map((t) => t.start), settings)),
  check('CONFLICT-1', firstAndConflicts, judgeForeignOccupier),
  check('CONFLICT-2', firstAndConflicts, judgeSecondInstance),
  check('CONFLICT-3', firstAndConflicts, judgeFailFast),
  check('CONFLICT-4', firstAndConflicts, judgeTypedError),
  check('BINDFAIL-1', bindFailures, judgeBindFailure),
  check('CRASH-1', crashes, judgeFreeAtKill),
  check('CRASH-2', crashes, judgeRestartAfterKill),
  check('CRASH-3', crashes, judgeCrashSignals),
  check('CRASH-4', artefacts, judgeArtefacts),
  check('SHUTDOWN-1', stopBySigterm, (o, settings) => judgeRelease(o, settings, false)),
  check('SHUTDOWN-2', stopBySigint, (o, settings) => judgeRelease(o, settings, false)),
  check('SHUTDOWN-3', stopWithClients, (o, settings) => judgeRelease(o, settings, true)),
  check('SHUTDOWN-4', stopBySigterm, judgeRestartAfterStop),
  check2('SHUTDOWN-5', [stopBySigterm, stopBySigint], judgeCleanExit),
  check('SHUTDOWN-6', stopWithClients, judgeCloseFrames),
  check('ISOLATION-1', firstAndConflicts, (o) => judgeSideBySide(o.first, o.second, o.sideBySide)),
];

/** A revision's own requirement: the ID whose observations it reads, and its check for the revision's parameters. */
type RevisionCheck = (params: RevisionParams) => Check;

const as = (observesAs: string, made: Check): Check => ({ ...made, observesAs });

/**
 * The checks of the requirements that spec revisions add or change, by ID. Each is judged on what
 * an existing plan records for the ID it observes as; its budgets and messages are the revision's.
 */
export const REVISION_CHECKS: Record<string, RevisionCheck> = {
  // file-lock-2026-02
  'CONFLICT-2F': () => as('CONFLICT-2', check('CONFLICT-2F', firstAndConflicts, judgeSecondInstanceBehindLock)),
  'CONFLICT-3F': (p) =>
    as('CONFLICT-3', check('CONFLICT-3F', firstAndConflicts, (o, s) => judgeFailFastAllowing(o, s, { 'same profile': { beforeBindMs: param(p, 'lockWaitMs') } }))),
  'CRASH-4F': (p) => as('CRASH-4', check('CRASH-4F', artefacts, (o) => judgeArtefactsExcept(o, (a) => (isLockFile(a.path, param(p, 'lockFiles')) ? 'the revision\'s lock file (FILELOCK-2, FILELOCK-4)' : undefined)))),
  'FILELOCK-1': (p) =>
    as('CONFLICT-2', check('FILELOCK-1', firstAndConflicts, (o, s) => judgeLockRefusal(o, s, { lockWaitMs: param(p, 'lockWaitMs'), message: param(p, 'lockMessage'), refusal: true }))),
  'FILELOCK-2': () => as('CRASH-2', check('FILELOCK-2', crashes, (o, s) => judgeReclaimAfterKill(o, failFastBudgetMs(s)))),
  'FILELOCK-3': (p) => check('FILELOCK-3', optOut, (o) => judgeOptOutSideBySide(o, param(p, 'lockMessage'))),
  'FILELOCK-4': (p) => as('CRASH-4', check('FILELOCK-4', artefacts, (o) => judgeLockFilesRemoved(o, (path) => isLockFile(path, param(p, 'lockFiles'))))),
  'FILELOCK-5': (p) => as('CRASH-4', check('FILELOCK-5', artefacts, (o) => judgeLockFilesWhileRunning(o, { lockFiles: param(p, 'lockFiles'), fields: param(p, 'lockFileFields') }))),
  // openclaw-2026.9
  'CONFLICT-2L': () => as('CONFLICT-2', check('CONFLICT-2L', firstAndConflicts, judgeSecondInstanceBehindLock)),
  'CONFLICT-3L': (p) => {
    const retries = { afterBindMs: param(p, 'bindRetryAllowanceMs'), maxFailedBinds: param(p, 'bindRetries') + 1 };
    const allowances = { 'foreign occupier': retries, 'isolated profile': retries, 'same profile': { beforeBindMs: param(p, 'lockWaitMs') } };
    return as('CONFLICT-3', check('CONFLICT-3L', firstAndConflicts, (o, s) => judgeFailFastAllowing(o, s, allowances)));
  },
  'CRASH-4L': (p) => {
    const tree = new RegExp(`(^|/)${param(p, 'lockTree')}/`);
    const keeps = new RegExp(`${param(p, 'lockTreeKeepsAfterStop')}$`);
    return as(
      'CRASH-4',
      check('CRASH-4L', artefacts, (o) =>
        judgeArtefactsExcept(o, (a, run) => {
          const profile = run.own[0]!;
          if (!isInside(a.path, profile) || !tree.test(a.path.slice(profile.length))) return undefined;
          if (run.signal === 'SIGKILL') return 'in the state dir\'s lock tree, reclaimed after SIGKILL (LAYER-7)';
          if (isLockFile(a.path, param(p, 'lockFiles'))) return 'a lock file of the revision, which LAYER-6 judges after a graceful stop';
          return keeps.test(baseName(a.path)) ? 'a coordinator the lock tree keeps after a graceful stop' : undefined;
        }),
      ),
    );
  },
  'LAYER-1': (p) => as('CONFLICT-2', check('LAYER-1', firstAndConflicts, (o, s) => judgeLockRefusal(o, s, { lockWaitMs: param(p, 'lockWaitMs'), refusal: true }))),
  'LAYER-2': (p) =>
    as('CONFLICT-2', check('LAYER-2', firstAndConflicts, (o, s) => judgeLockRefusal(o, s, { lockWaitMs: param(p, 'lockWaitMs'), message: param(p, 'lockMessage'), refusal: false }))),
  'LAYER-3': (p) => check('LAYER-3', optOut, (o, s) => judgeOptOutRefusal(o, s, param(p, 'lockWaitMs'))),
  'LAYER-5': (p) =>
    as('CRASH-4', check('LAYER-5', artefacts, (o) => judgeLockFilesWhileRunning(o, { lockFiles: param(p, 'lockFiles'), fields: param(p, 'lockFileFields'), lockTree: param(p, 'lockTree') }))),
  'LAYER-6': (p) => as('CRASH-4', check('LAYER-6', artefacts, (o) => judgeLockFilesRemoved(o, (path) => isLockFile(path, param(p, 'lockFiles'))))),
  'LAYER-7': () => as('CRASH-2', check('LAYER-7', crashes, (o, s) => judgeReclaimAfterKill(o, failFastBudgetMs(s)))),
};

/**
 * The checks of a revision, in its catalogue order: the default revision's for the IDs it keeps,
 * `REVISION_CHECKS` for its own. Where one observes as another ID, every scenario is wrapped once
 * for the revision (check.ts, `observedAs`), so its checks still share one run of each plan.
 */
export function checksOf(revision: { requirements: readonly { id: string }[]; params: RevisionParams }): Check[] {
  const made = revision.requirements.map(({ id }) => {
    const own = REVISION_CHECKS[id];
    const kept = CHECKS.find((c) => c.id === id);
    if (own) return own(revision.params);
    if (kept) return kept;
    throw new Error(`no check judges ${id}`);
  });
  const aliases = new Map<string, string[]>();
  for (const c of made) if (c.observesAs) aliases.set(c.observesAs, [...(aliases.get(c.observesAs) ?? []), c.id]);
  if (aliases.size === 0) return made;
  const wrapped = new Map<Scenario<unknown>, Scenario<unknown>>();
  const wrap = (scenario: Scenario<unknown>) => {
    if (!wrapped.has(scenario)) wrapped.set(scenario, observedAs(scenario, aliases));
    return wrapped.get(scenario)!;
  };
  return made.map((c) => ({ ...c, scenarios: c.scenarios.map(wrap) }));
}
