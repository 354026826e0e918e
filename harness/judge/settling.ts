/**
 * Has a started gateway settled? A pure decision over a series of cumulative demand readings
 * (time, CPU-ms run or wanted so far, whether a thread ended), so that it is unit-tested on
 * synthetic series; `run/readiness.ts` feeds it from /proc and asks for the upgrade answer.
 *
 * Two routes, in this order:
 * - **quiet**: every interval of the last quiet window wanted under QUIET_SHARE of a CPU, and no
 *   thread was runnable at its end. An idle gateway takes this route, as before.
 * - **steady**: a gateway with background work (heartbeats, channel polling) is never quiet, but
 *   its work stops falling and holds a level. It is steady when, over three consecutive spans of
 *   length L ending now, its CPU time per span (the work; where the readings have no CPU time,
 *   the demand) stays within STEADY_TOLERANCE of a CPU, the newest not lower than the oldest by
 *   more than FALL_TOLERANCE (a load that is still tailing off is falling), its demand in no span
 *   is above STEADY_CEILING, and the family slept (no thread runnable) at MIN_SLEEPING of the
 *   readings in them, where run states were read. The level is judged on CPU time because the
 *   run-queue wait of each burst is the host's: at a load of 6-7 on 2 cores a 15% poller read
 *   9-18% CPU but 18-145% demand per 100 ms span. Demand and run state stand guard against a
 *   starved or loading gateway, whose CPU share on a loaded host is whatever the host leaves it.
 *   L is tried at growing scales (S, 2S, 4S; S is the quiet window, at least STEADY_SPAN_MIN_MS):
 *   averages over spans, never single samples, because a poller doing 10 ms of work every 100 ms
 *   reads 0% or 50% in 20 ms samples; a longer span averages more of its bursts, so a coarse
 *   poller is judged steady at a larger scale, and a fine one at the smallest, soonest.
 */

/** A family is quiet in an interval when it wanted less than this share of one CPU. */
export const QUIET_SHARE = 0.05;

/**
 * The highest share of a CPU a steady level may have. A starved process on a loaded host wants a
 * whole CPU (run-queue wait counts), and so does a single thread still loading code: both read
 * about 1.0 or more. Background work reads a few percent on an idle host, but every burst of it
 * also waits for a CPU on a loaded one: the mutant's 15% poller read 17-30% idle, 33-48% at a load
 * of 9 on 2 cores and up to 75% at 10-12. Three quarters of a CPU keeps it inside up to about
 * five runnable tasks per core and a starved or loading thread outside; beyond that a poller is
 * itself starved, cannot be told from a starved gateway, and waits out the readiness bound.
 */
export const STEADY_CEILING = 0.75;
/**
 * Background work sleeps between its bursts; a starved or loading thread is runnable at almost
 * every reading. The scheduler accounts a run-queue wait only when it ends, so over a short span a
 * starved thread's demand can read low; its run state does not. A steady family was seen with no
 * runnable thread at this share of the readings at least (a 15% poller: most of them).
 */
export const MIN_SLEEPING = 0.25;
/** Spans of a steady level differ by at most this share of a CPU ("within a few percent"). */
export const STEADY_TOLERANCE = 0.05;
/** The newest span may be at most this much lower than the oldest: a slower fall has stopped, at the candidate's own time scale. */
export const FALL_TOLERANCE = 0.025;
/** The smallest span: shorter ones hold too few bursts of a poller to average them. */
export const STEADY_SPAN_MIN_MS = 100;
/** Spans tried: S, 2S, 4S (three spans each, so up to 12 S of history). */
const STEADY_SCALES = [1, 2, 4];
const SPANS = 3;

export interface DemandPoint {
  /** Monotonic time of the reading, ms. */
  at: number;
  /** Cumulative CPU-ms the family ran or wanted to run, from any fixed origin. */
  demandMs: number;
  /** Of those, the cumulative CPU-ms it ran (same origin); without it, demand stands for it. */
  cpuMs?: number;
  /** A thread ended in the interval ending here: that interval's demand is unknown. */
  lostThreads: boolean;
  /**
   * A thread was runnable (running or waiting for a CPU) at this reading: the interval ending
   * here is not quiet, whatever its demand says (a wait is accounted only once it ends).
   */
  runnable?: boolean;
}

export type Settling =
  | { route: 'quiet'; /** How long it has been quiet. */ spanMs: number }
  | {
      route: 'steady';
      /** Mean share of a CPU the family ran over the spans (its work). */
      share: number;
      /** Mean share of a CPU it ran or wanted to run (with run-queue wait). */
      demandShare: number;
      /** Three spans' length. */
      spanMs: number;
      /** One span. */
      scaleMs: number;
    }
  | { route: 'busy'; /** Share of a CPU in the last interval (NaN before two readings). */ share: number };

/** The steady route's smallest span for a quiet window. */
export const steadySpanMs = (windowMs: number): number => Math.max(windowMs, STEADY_SPAN_MIN_MS);

/** A cumulative reading at time t, interpolated linearly between readings (t within the series). */
function valueAt(points: DemandPoint[], t: number, value: (p: DemandPoint) => number): number {
  const hi = points.findIndex((p) => p.at >= t);
  if (hi <= 0) return value(points[Math.max(0, hi)]!);
  const a = points[hi - 1]!;
  const b = points[hi]!;
  return value(a) + ((value(b) - value(a)) * (t - a.at)) / (b.at - a.at);
}

/** Shares of a CPU over SPANS consecutive spans of `length` ending at `end`, oldest first. */
function spanShares(points: DemandPoint[], end: number, length: number, value: (p: DemandPoint) => number): number[] {
  const shares: number[] = [];
  for (let k = SPANS; k > 0; k--) {
    const start = end - k * length;
    shares.push((valueAt(points, start + length, value) - valueAt(points, start, value)) / length);
  }
  return shares;
}

const mean = (values: number[]): number => values.reduce((sum, v) => sum + v, 0) / values.length;

/**
 * Whether the series has settled, for a quiet window of `windowMs`. Only the readings since the
 * last one whose interval lost a thread count (an interval of unknown demand is neither quiet nor
 * steady); a caller that restarts the wait (an upgrade went unanswered) passes a fresh series.
 */
export function settling(series: readonly DemandPoint[], windowMs: number): Settling {
  let from = 0;
  for (let i = series.length - 1; i > 0; i--) {
    if (series[i]!.lostThreads) {
      from = i;
      break;
    }
  }
  const points = series.slice(from);
  const last = points.at(-1);
  const before = points.at(-2);
  const lastShare = last && before && last.at > before.at ? (last.demandMs - before.demandMs) / (last.at - before.at) : Number.NaN;
  if (!last || points.length < 2) return { route: 'busy', share: lastShare };

  // Quiet: the run of quiet intervals that ends now, from the start of its first interval.
  let quietSince: number | undefined;
  for (let i = points.length - 1; i > 0; i--) {
    const a = points[i - 1]!;
    const b = points[i]!;
    if (b.runnable || b.demandMs - a.demandMs >= QUIET_SHARE * (b.at - a.at)) break;
    quietSince = a.at;
  }
  if (quietSince !== undefined && last.at - quietSince >= windowMs) return { route: 'quiet', spanMs: last.at - quietSince };

  const history = last.at - points[0]!.at;
  const span = steadySpanMs(windowMs);
  const work = points.every((p) => p.cpuMs !== undefined) ? (p: DemandPoint) => p.cpuMs! : (p: DemandPoint) => p.demandMs;
  for (const scale of STEADY_SCALES) {
    const length = span * scale;
    if (SPANS * length > history) break;
    const levels = spanShares(points, last.at, length, work);
    const demands = spanShares(points, last.at, length, (p) => p.demandMs);
    const spread = Math.max(...levels) - Math.min(...levels);
    const falling = levels[0]! - levels[SPANS - 1]!;
    const states = points.filter((p) => p.at > last.at - SPANS * length && p.runnable !== undefined);
    const sleeping = states.length === 0 ? 1 : states.filter((p) => !p.runnable).length / states.length;
    if (Math.max(...demands) <= STEADY_CEILING && spread <= STEADY_TOLERANCE && falling <= FALL_TOLERANCE && sleeping >= MIN_SLEEPING) {
      return { route: 'steady', share: mean(levels), demandShare: mean(demands), spanMs: SPANS * length, scaleMs: length };
    }
  }
  return { route: 'busy', share: lastShare };
}
