/**
 * Live progress on a terminal: what each running check did last and for how long, on one line
 * that is overwritten in place about once a second and cleared before anything else is written.
 * Only for a TTY; the CLI decides where (never on a stdout that a TAP or JSON reader owns).
 */
import type { TimelineEvent } from '../report.js';

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

  event(id: string, event: TimelineEvent): void {
    const entry = this.running.get(id);
    if (entry) entry.last = { text: event.detail ? `${event.event}: ${event.detail}` : event.event, at: this.clock() };
  }

  end(id: string): void {
    this.running.delete(id);
  }

  /** The line as it would be shown now (empty when nothing runs). */
  text(): string {
    const t = this.clock();
    return [...this.running.entries()]
      .map(([id, r]) => {
        const last = r.last ? `${r.last.text}, ${seconds(t - r.last.at)} ago` : 'starting';
        return `${id} ${seconds(t - r.startedAt)}: ${last}`;
      })
      .join('  |  ');
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
