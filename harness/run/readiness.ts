/**
 * The readiness protocol: LISTEN is not ready. Real builds bind seconds before they have finished
 * their startup (plugins, state database, signal handlers), and a signal, a client or a SIGKILL in
 * that window measures the startup, not the lock. A started gateway is ready when, in order of
 * what the user told the harness:
 * - `--ready-pattern RE`: a line of its output (ANSI stripped) matches RE;
 * - `--ready-delay MS`: MS ms have passed since LISTEN;
 * - otherwise: its process family has settled, and it then answers an upgrade within the quiet
 *   window (scaled to its own startup time). Settled is quiet (wanted less than 5% of a CPU,
 *   run-queue wait included, for the window) or steady (background work at a level that has
 *   stopped falling, well under one CPU): judge/settling.ts decides it from the samples.
 * Each waits at most the readiness bound; after it, readiness is assumed and the report says so.
 */
import { settling, type DemandPoint } from '../judge/settling.js';
import { ActivityMeter } from '../observe/activity.js';
import { websocketUpgrade } from '../observe/probes.js';
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
/**
 * Samples kept: the steady route reads at most 12 spans of max(window, 100 ms), that is at most 24
 * windows at five samples each (judge/settling.ts); older ones decide nothing.
 */
const MAX_POINTS = 24 * SAMPLES_PER_WINDOW + 10;

export function quietWindowMs(spawnToListenMs: number): number {
  return Math.min(WINDOW_MAX_MS, Math.max(WINDOW_MIN_MS, spawnToListenMs / 10));
}

/** What readiness reads of a started candidate (run/candidate.ts's CandidateProcess is one). */
export interface ReadinessSubject {
  /** Monotonic time of the spawn. */
  readonly spawnedAt: number;
  /** When LISTEN was first seen. */
  readonly listening?: { at: number } | undefined;
  /** Its living processes. */
  family(): number[];
  /** All its output so far, ANSI stripped. */
  output(): string;
}

export async function waitReady(candidate: ReadinessSubject, settings: ReadinessSettings): Promise<Readiness> {
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
  // Run states too: on a loaded host a starved thread's wait shows up only once it ends.
  const meter = new ActivityMeter({ runState: true });
  // Cumulative demand since the first sample: the decision reads averages over spans of it.
  let series: DemandPoint[] = [];
  let lastShare = Number.NaN;
  /** Settled, but the upgrade went unanswered: how often, and the last time's route and error. */
  let unanswered = 0;
  let lastUnanswered = '';
  meter.sample(candidate.family());
  while (now() < deadline && !settings.giveUp()) {
    await sleep(window / SAMPLES_PER_WINDOW);
    const sample = meter.sample(candidate.family());
    if (!sample) continue;
    if (series.length === 0) series.push({ at: sample.at - sample.intervalMs, demandMs: 0, cpuMs: 0, lostThreads: false });
    const previous = series.at(-1)!;
    series.push({
      at: sample.at,
      demandMs: previous.demandMs + sample.demandMs,
      cpuMs: previous.cpuMs! + sample.cpuMs,
      lostThreads: sample.lostThreads,
      runnable: sample.runnable,
    });
    if (series.length > MAX_POINTS) series = series.slice(-MAX_POINTS);
    const settled = settling(series, window);
    if (settled.route === 'busy') {
      lastShare = settled.share;
      continue;
    }
    const how =
      settled.route === 'quiet'
        ? `quiet for ${Math.round(window)} ms`
        : `steady at ${Math.round(settled.share * 100)}% of a CPU (demand ${Math.round(settled.demandShare * 100)}%) for ${Math.round(settled.spanMs)} ms`;
    if (!settings.answers) return { method: 'quiescent', at: now(), detail: `${how} (it answers no HTTP request)` };
    const answer = await websocketUpgrade(settings.port, window, settings.host);
    if (answer.status !== undefined && answer.roundTripMs !== undefined) {
      return { method: 'quiescent', at: now(), detail: `${how}, upgrade answered in ${round(answer.roundTripMs)} ms` };
    }
    // Not answered within the window: settled again from here on, then asked again.
    unanswered++;
    lastUnanswered = `${how}, then ${answer.error ?? 'no answer to the upgrade'}`;
    series = [];
    meter.sample(candidate.family());
  }
  if (unanswered > 0) return assumed(`settled ${unanswered} time(s) but the upgrade went unanswered, last: ${lastUnanswered}`);
  return assumed(`still busy (${Number.isNaN(lastShare) ? 'no sample' : `${Math.round(lastShare * 100)}% of a CPU in the last sample`}), neither quiet nor steady`);
}
