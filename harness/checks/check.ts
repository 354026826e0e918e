/** A check implements the procedure of one requirement; its level and title come from the catalogue. */
import type { CheckContext } from '../run/context.js';

export interface Check {
  id: string;
  /** Runs with nothing else of the candidate running (it watches shared places or a fixed port). */
  exclusive?: boolean;
  /** Resolves with the pass message; fails or skips through `ctx.fail` / `ctx.skip`. */
  run(ctx: CheckContext): Promise<string>;
}
