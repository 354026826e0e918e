/**
 * The evidence of one scenario run, as it is recorded: its timeline (milliseconds since the run
 * started), notes and port holders, and the processes its candidates were, added at cleanup.
 */
import type { Evidence, PortHolder, TimelineEvent } from '../report.js';
import { now, round } from './time.js';

export class EvidenceRecorder {
  readonly evidence: Evidence = { processes: [], portHolders: [], timeline: [], notes: [] };
  private readonly startedAt = now();

  /** Told every timeline event as it is recorded (the engine forwards it: progress, --verbose). */
  onEvent?: (event: TimelineEvent) => void;

  /** Milliseconds since the run started. */
  elapsed(at = now()): number {
    return round(at - this.startedAt);
  }

  event(event: string, detail?: string, at = now()): void {
    const entry: TimelineEvent = detail === undefined ? { tMs: this.elapsed(at), event } : { tMs: this.elapsed(at), event, detail };
    this.evidence.timeline.push(entry);
    try {
      this.onEvent?.(entry);
    } catch {
      // A listener's failure is no business of the check.
    }
  }

  note(text: string): void {
    this.evidence.notes.push(text);
  }

  recordHolders(holders: PortHolder[]): void {
    this.evidence.portHolders.push(...holders);
  }
}
