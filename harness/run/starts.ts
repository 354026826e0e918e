/**
 * The run's starts: spawn-to-LISTEN and idle time until LISTEN of every start that listened, in
 * every scenario run and the warm-up. How long an instance that should exit is waited for
 * follows from them (judge/hang.ts): the candidate's own startup, not a fixed ceiling.
 */
import type { StartBaseline } from '../judge/fail-fast.js';

export class StartHistory {
  private readonly startupMs: number[] = [];
  private readonly idleMs: number[] = [];

  record(startupMs: number, idleUntilListenMs: number): void {
    this.startupMs.push(startupMs);
    this.idleMs.push(idleUntilListenMs);
  }

  /** The starts so far (copies: a scenario's baseline does not change under it). */
  baseline(): StartBaseline {
    return { startupMs: [...this.startupMs], idleMs: [...this.idleMs] };
  }
}
