/** BINDFAIL criterion: a pure function over instances whose bind of P was made to fail. */
import { describeExitSeen, fail, pass, skip, undecided, type ExitSeen, type Judgement, type JudgeSettings } from './judgement.js';
import { describeStillRunning, type HangSign } from './hang.js';
import { BIND_FAILURE_TEMPLATE, bindFailurePrefix, closestLine, findBindFailure, findLockMessage } from './messages.js';

/** Errnos injected into bind() of P, in order. */
export const INJECTED_ERRNOS = ['EACCES', 'EADDRNOTAVAIL'] as const;
export type InjectedErrno = (typeof INJECTED_ERRNOS)[number];

export interface InjectedCase {
  errno: InjectedErrno;
  port: number;
  exit?: ExitSeen;
  /** How long it was watched, when it did not exit; and why it was judged hung before the ceiling. */
  watchedMs?: number;
  hang?: HangSign;
  output: string;
}

export interface BindFailObservation {
  /** Why no bind failure could be injected on this host (the check is skipped). */
  unavailable?: string;
  cases: InjectedCase[];
}

/**
 * BINDFAIL-1: "Pass when, for each injected errno, the candidate exits non-zero within the
 * startup ceiling, its output contains the bind-failure message with a non-empty detail, and it
 * does not claim that another instance is listening."
 */
export function judgeBindFailure(observation: BindFailObservation, settings: JudgeSettings): Judgement {
  if (observation.unavailable) return skip(`no bind-failure injection available: ${observation.unavailable}`);
  if (observation.cases.length < INJECTED_ERRNOS.length) return undecided();
  const problems: string[] = [];
  for (const c of observation.cases) {
    const { errno, port, exit, output } = c;
    if (!exit) {
      problems.push(`with ${errno}: ${describeStillRunning(c.watchedMs ?? settings.startupCeilingMs, c.hang)}`);
    }
    else if (exit.code === 0 && !exit.signal) problems.push(`with ${errno}: exit code 0`);
    if (findLockMessage(output, port).found) problems.push(`with ${errno}: claims another instance is listening`);
    if (!findBindFailure(output, port).found) {
      const near = closestLine(output, bindFailurePrefix(port));
      problems.push(`with ${errno}: no "${bindFailurePrefix(port)}<detail>" in the output${near ? `; closest: "${near}"` : ''}`);
    }
  }
  if (problems.length > 0) return fail(problems.join('; '), { expected: BIND_FAILURE_TEMPLATE });
  const exits = observation.cases.map((c) => `${c.errno}: ${describeExitSeen(c.exit)}`).join(', ');
  return pass(`failed with the bind-failure message for ${INJECTED_ERRNOS.join(' and ')} (${exits})`);
}
