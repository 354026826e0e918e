/**
 * Every check, in catalogue order: a requirement ID, the observation plans (scenarios) it is
 * judged on, and its criterion (harness/judge/). Several checks name the same scenario: one run
 * of it serves them all, unless the run is --isolated.
 */
import { laterListings, judgeLoopbackListener, judgeLoopbackOnly, judgeSideBySide, judgeStartupTime, judgeUpgrade } from '../judge/bind.js';
import { judgeBindFailure } from '../judge/bindfail.js';
import { judgeFailFast, judgeForeignOccupier, judgeSecondInstance, judgeTypedError } from '../judge/conflict.js';
import { judgeArtefacts, judgeCrashSignals, judgeFreeAtKill, judgeRestartAfterKill } from '../judge/crash.js';
import { skip } from '../judge/judgement.js';
import { judgeCleanExit, judgeCloseFrames, judgeRelease, judgeRestartAfterStop } from '../judge/shutdown.js';
import { defaultPort, type ServeObservation } from './bind.js';
import type { CrashObservation } from '../judge/crash.js';
import type { StopObservation } from '../judge/shutdown.js';
import { bindFailures } from './bindfail.js';
import { check, check2, type Check } from './check.js';
import { firstAndConflicts } from './conflict.js';
import { artefacts, crashes } from './crash.js';
import { stopBySigint, stopBySigterm, stopWithClients } from './shutdown.js';

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
