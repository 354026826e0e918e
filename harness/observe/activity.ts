/**
 * How busy a process family is, from the scheduler's own accounting: /proc/<pid>/task/<tid>/schedstat
 * gives per thread the nanoseconds spent on a CPU and the nanoseconds spent runnable but waiting
 * for one. Their sum is the time the thread wanted to run. CPU time alone (/proc/<pid>/stat) would
 * make a gateway starved by a loaded host look idle; the run-queue wait keeps it busy, so
 * "quiescent" and "waiting" mean the same on an idle and on a loaded machine.
 */
import { readFileSync, readdirSync } from 'node:fs';
import { QUIET_SHARE } from '../judge/settling.js';

/** Per thread, nanoseconds so far: on a CPU, and runnable but waiting for one. */
interface ThreadTimes {
  cpu: number;
  wait: number;
}

/**
 * The times of each live thread of `pid` so far, by thread id; with `states`, whether one of them
 * is runnable (running, or waiting for a CPU) at this moment.
 */
function threadDemand(pid: number, into: Map<number, ThreadTimes>, states: boolean): boolean {
  let tids: string[];
  try {
    tids = readdirSync(`/proc/${pid}/task`);
  } catch {
    return false;
  }
  let runnable = false;
  for (const tid of tids) {
    try {
      const [cpu, wait] = readFileSync(`/proc/${pid}/task/${tid}/schedstat`, 'latin1').split(' ');
      into.set(Number(tid), { cpu: Number(cpu), wait: Number(wait) });
      if (states && !runnable) {
        const stat = readFileSync(`/proc/${pid}/task/${tid}/stat`, 'latin1');
        runnable = stat[stat.lastIndexOf(')') + 2] === 'R';
      }
    } catch {
      // The thread ended between the listing and the read.
    }
  }
  return runnable;
}

export interface ActivitySample {
  /** Monotonic time of the sample. */
  at: number;
  /** Milliseconds since the previous sample. */
  intervalMs: number;
  /** CPU-milliseconds the family ran or wanted to run in the interval. */
  demandMs: number;
  /** Of those, the CPU-milliseconds it ran: its own work, without the host's run-queue wait. */
  cpuMs: number;
  /** A thread seen in the previous sample has gone: its share of the interval is unknown. */
  lostThreads: boolean;
  /**
   * A thread was runnable at the sample (only read with `{ runState: true }`). The scheduler adds
   * a wait to run-queue wait only when the wait ends, so a thread starved for longer than an
   * interval shows no demand in it; its state does show it wants a CPU.
   */
  runnable: boolean;
}

/**
 * Samples the demand of a changing set of processes. A thread first seen in a sample counts with
 * everything it did since it started (it started within the interval, or the family grew into it);
 * a thread that ended since the last sample takes its last interval's demand with it, so such an
 * interval is flagged (`lostThreads`) rather than taken for quiet.
 */
export class ActivityMeter {
  private last = new Map<number, ThreadTimes>();
  private lastAt: number | undefined;

  /** `runState`: also read each thread's state (one more /proc read per thread and sample). */
  constructor(private readonly options: { runState?: boolean } = {}) {}

  sample(pids: Iterable<number>): ActivitySample | undefined {
    const at = performance.now(); // the harness's monotonic clock (run/time.ts's now)
    const current = new Map<number, ThreadTimes>();
    let runnable = false;
    for (const pid of pids) runnable = threadDemand(pid, current, this.options.runState === true) || runnable;
    let cpuNs = 0;
    let waitNs = 0;
    const none = { cpu: 0, wait: 0 };
    for (const [tid, times] of current) {
      const before = this.last.get(tid) ?? (this.lastAt === undefined ? times : none);
      cpuNs += times.cpu - before.cpu;
      waitNs += times.wait - before.wait;
    }
    const lostThreads = [...this.last.keys()].some((tid) => !current.has(tid));
    const previous = this.lastAt;
    this.last = current;
    this.lastAt = at;
    if (previous === undefined) return undefined;
    return { at, intervalMs: at - previous, demandMs: Math.max(0, (cpuNs + waitNs) / 1e6), cpuMs: Math.max(0, cpuNs / 1e6), lostThreads, runnable };
  }
}

/**
 * Quiet as readiness's quiet route means it (QUIET_SHARE, judge/settling.ts): little demand, no
 * thread lost, and none runnable at its end (where run states are read).
 */
export const isQuiet = (sample: ActivitySample): boolean => !sample.lostThreads && !sample.runnable && sample.demandMs < QUIET_SHARE * sample.intervalMs;

/**
 * Idle time: the sum of intervals in which the family was quiet, that is neither running nor
 * waiting to run. A retry loop's sleeps, a polled file lock and a hang are idle time; loading
 * code, compiling and a starved process on a busy host are not.
 */
export class IdleClock {
  // Run states too: under load a starved startup's run-queue wait is accounted only once it runs,
  // and a node startup that exits at once read 0.5-1.1 s idle among 8 spinners without them.
  private readonly meter = new ActivityMeter({ runState: true });
  idleMs = 0;
  samples = 0;

  sample(pids: Iterable<number>): void {
    const sample = this.meter.sample(pids);
    // An interval in which a thread ended (an exit, a worker finishing) is not judged either way.
    if (!sample) return;
    this.samples++;
    if (isQuiet(sample)) this.idleMs += sample.intervalMs;
  }
}
