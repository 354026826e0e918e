/**
 * Live progress on a terminal: what each running check did last and for how long, on one line
 * that is overwritten in place about once a second and cleared before anything else is written,
 * led by the starts made of those planned and an estimate of the time left. Only for a TTY; the
 * CLI decides where (never on a stdout that a TAP or JSON reader owns).
 */
import { median } from '../judge/stats.js';
import type { RunPlan, TimelineEvent } from '../report.js';

/** The planned scenario runs as the engine's onPlan hook tells them, each with the range of processes it spawns. */
export type PlannedRuns = Pick<RunPlan, 'units'>;

/**
 * Wall time per start, in the candidate's own spawn-to-ready, at one scenario run at a time: a
 * start is followed by its signals, probes and clients. Measured on full runs (2 cores,
 * --concurrency 2): the reference gateway 21.6 startup-equivalents over 36 spawns, openclaw
 * 18.8 over 34, clawdbot 21.7 over 31, i.e. 1.1 to 1.4 spawn-to-ready per start and lane.
 */
export const WALL_PER_START = 1.25;

/**
 * The time left: the starts still to come, each as long as the median spawn-to-ready measured so
 * far (times WALL_PER_START), shared by `concurrency` scenario runs at once. Undefined until a
 * start has been measured.
 */
export function estimateRemainingMs(plannedStarts: number, startsMade: number, spawnToReadyMs: number[], concurrency: number): number | undefined {
  if (spawnToReadyMs.length === 0 || plannedStarts <= 0) return undefined;
  const remaining = Math.max(0, plannedStarts - startsMade);
  return (remaining * median(spawnToReadyMs) * WALL_PER_START) / Math.max(1, concurrency);
}

/** `40 s`, `2 min 10 s`, rounded to what a person can use. */
export function remainingText(ms: number): string {
  if (ms < 60_000) return `${Math.max(5, Math.round(ms / 5000) * 5)} s`;
  const minutes = Math.floor(ms / 60_000);
  const seconds = Math.round((ms % 60_000) / 10_000) * 10;
  return seconds === 0 || minutes >= 10 ? `${minutes} min` : seconds === 60 ? `${minutes + 1} min` : `${minutes} min ${seconds} s`;
}

const CLEAR = '\r\u001b[K';

interface Running {
  startedAt: number;
  last?: { text: string; at: number };
}

const seconds = (ms: number) => `${Math.max(0, Math.floor(ms / 1000))} s`;

export class Progress {
  private readonly running = new Map<string, Running>();
  private timer: NodeJS.Timeout | undefined;
  private shown = false;
  private plannedStarts = 0;
  private concurrency = 1;
  private startsMade = 0;
  /** Spawn-to-ready of every start that got ready, the warm-up's too. */
  private readonly spawnToReady: number[] = [];
  /** When each role was spawned, per check (events are on each scenario run's own clock). */
  private readonly spawnedAt = new Map<string, number>();
  /** A scenario run serving several checks tells each event once per check: count it once. */
  private readonly counted = new WeakSet<TimelineEvent>();

  constructor(
    private readonly stream: NodeJS.WriteStream,
    private readonly intervalMs = 1000,
    private readonly clock: () => number = () => performance.now(),
  ) {}

  start(id: string): void {
    this.running.set(id, { startedAt: this.clock() });
    if (!this.timer) {
      this.timer = setInterval(() => this.render(), this.intervalMs);
      this.timer.unref();
    }
    this.render();
  }

  /** The run's plan: how many starts are to come, and how many scenario runs go at once. */
  plan(plan: PlannedRuns, concurrency: number): void {
    this.plannedStarts = plan.units.reduce((n, u) => n + (u.spawns.least + u.spawns.most) / 2, 0);
    this.concurrency = concurrency;
  }

  event(id: string, event: TimelineEvent): void {
    const entry = this.running.get(id);
    if (entry) entry.last = { text: event.detail ? `${event.event}: ${event.detail}` : event.event, at: this.clock() };
    if (this.counted.has(event)) return;
    this.counted.add(event);
    const spawn = /^spawn (.+)$/.exec(event.event);
    if (spawn) {
      // The warm-up is no planned start, but its spawn-to-ready is a measurement like any other.
      if (id !== 'warm-up') this.startsMade++;
      this.spawnedAt.set(`${id}\0${spawn[1]}`, event.tMs);
      return;
    }
    const ready = /^(.+) ready$/.exec(event.event);
    if (!ready) return;
    const spawnedAt = this.spawnedAt.get(`${id}\0${ready[1]}`);
    if (spawnedAt !== undefined) this.spawnToReady.push(event.tMs - spawnedAt);
  }

  /** `[12 of 34 starts, about 1 min 20 s left]`, once the plan is known and a start measured. */
  eta(): string {
    if (this.plannedStarts <= 0) return '';
    const planned = Math.round(this.plannedStarts);
    const left = estimateRemainingMs(this.plannedStarts, this.startsMade, this.spawnToReady, this.concurrency);
    const made = `${Math.min(this.startsMade, planned)} of ${planned} starts`;
    return left === undefined ? `[${made}]` : `[${made}, about ${remainingText(left)} left]`;
  }

  end(id: string): void {
    this.running.delete(id);
  }

  /** The line as it would be shown now (empty when nothing runs). */
  text(): string {
    const t = this.clock();
    const running = [...this.running.entries()]
      .map(([id, r]) => {
        const last = r.last ? `${r.last.text}, ${seconds(t - r.last.at)} ago` : 'starting';
        return `${id} ${seconds(t - r.startedAt)}: ${last}`;
      })
      .join('  |  ');
    const eta = this.eta();
    return running && eta ? `${eta} ${running}` : running;
  }

  render(): void {
    const text = this.text().replace(/[\r\n\t]+/g, ' ');
    if (!text) return this.clear();
    const width = Math.max(20, (this.stream.columns || 80) - 1);
    this.stream.write(`${CLEAR}${text.length > width ? `${text.slice(0, width - 1)}…` : text}`);
    this.shown = true;
  }

  /** Removes the line, so that what is written next starts at the left margin. */
  clear(): void {
    if (!this.shown) return;
    this.stream.write(CLEAR);
    this.shown = false;
  }

  stop(): void {
    if (this.timer) clearInterval(this.timer);
    this.timer = undefined;
    this.running.clear();
    this.clear();
  }
}
