/**
 * The readiness protocol: LISTEN is not ready. Real builds bind seconds before they have finished
 * their startup (plugins, state database, signal handlers), and a signal, a client or a SIGKILL in
 * that window measures the startup, not the lock. A started gateway is ready when, in order of
 * what the user told the harness:
 * - `--ready-pattern RE`: a line of its output (ANSI stripped) matches RE;
 * - `--ready-delay MS`: MS ms have passed since LISTEN;
 * - otherwise: its process family has been quiescent (wanted less than 5% of a CPU, run-queue wait
 *   included) for a window scaled to its own startup time, and it then answers an upgrade within
 *   that window.
 * Each waits at most the readiness bound; after it, readiness is assumed and the report says so.
 */
import { ActivityMeter, isQuiet } from '../observe/activity.js';
import { websocketUpgrade } from '../observe/probes.js';
import type { CandidateProcess } from './candidate.js';
import { now, round, sleep } from './time.js';

export type ReadinessMethod = 'quiescent' | 'pattern' | 'delay' | 'assumed';

export interface Readiness {
  method: ReadinessMethod;
  /** Monotonic time readiness was decided. */
  at: number;
  /** What decided it, for the report. */
  detail: string;
}

export interface ReadinessSettings {
  readyPattern?: RegExp;
  readyDelayMs?: number;
  /** The longest wait for readiness after LISTEN. */
  boundMs: number;
  /** Whether the gateway answered an HTTP request at all (else quiescence alone decides). */
  answers: boolean;
  host: string;
  port: number;
  /** Ends the wait early (the candidate died, the run was interrupted). */
  giveUp: () => boolean;
}

/** The quiet window is a tenth of the candidate's own spawn-to-LISTEN time, within these bounds. */
const WINDOW_MIN_MS = 50;
const WINDOW_MAX_MS = 1000;
const SAMPLES_PER_WINDOW = 5;

export function quietWindowMs(spawnToListenMs: number): number {
  return Math.min(WINDOW_MAX_MS, Math.max(WINDOW_MIN_MS, spawnToListenMs / 10));
}

export async function waitReady(candidate: CandidateProcess, settings: ReadinessSettings): Promise<Readiness> {
  const started = now();
  const deadline = started + settings.boundMs;
  const assumed = (why: string): Readiness => ({ method: 'assumed', at: now(), detail: `assumed ready after ${Math.round(now() - started)} ms: ${why}` });

  if (settings.readyPattern) {
    const pattern = settings.readyPattern;
    while (now() < deadline && !settings.giveUp()) {
      const line = candidate.output().split('\n').find((l) => pattern.test(l));
      if (line !== undefined) return { method: 'pattern', at: now(), detail: `output line matched ${pattern}: ${line.trim().slice(0, 200)}` };
      await sleep(10);
    }
    return assumed(`no output line matched ${pattern}`);
  }

  if (settings.readyDelayMs !== undefined) {
    const until = Math.min((candidate.listening?.at ?? started) + settings.readyDelayMs, deadline);
    while (now() < until && !settings.giveUp()) await sleep(Math.min(50, Math.max(1, until - now())));
    return { method: 'delay', at: now(), detail: `--ready-delay ${settings.readyDelayMs} ms after LISTEN` };
  }

  const spawnToListen = (candidate.listening?.at ?? started) - candidate.spawnedAt;
  const window = quietWindowMs(spawnToListen);
  const meter = new ActivityMeter();
  let quietSince: number | undefined;
  let lastShare = 0;
  meter.sample(candidate.family());
  while (now() < deadline && !settings.giveUp()) {
    await sleep(window / SAMPLES_PER_WINDOW);
    const sample = meter.sample(candidate.family());
    if (!sample) continue;
    lastShare = sample.demandMs / sample.intervalMs;
    if (!isQuiet(sample)) {
      quietSince = undefined;
      continue;
    }
    quietSince ??= sample.at - sample.intervalMs;
    if (sample.at - quietSince < window) continue;
    if (!settings.answers) {
      return { method: 'quiescent', at: now(), detail: `quiet for ${Math.round(window)} ms (it answers no HTTP request)` };
    }
    const answer = await websocketUpgrade(settings.port, window, settings.host);
    if (answer.status !== undefined && answer.roundTripMs !== undefined) {
      return { method: 'quiescent', at: now(), detail: `quiet for ${Math.round(window)} ms, upgrade answered in ${round(answer.roundTripMs)} ms` };
    }
    quietSince = undefined;
  }
  return assumed(`still busy (${Math.round(lastShare * 100)}% of a CPU in the last sample)`);
}
