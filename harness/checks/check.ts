/**
 * A check is a requirement judged on observations: the observation plans (scenarios) it needs and
 * a pure criterion over what they recorded. Its level, title and sentence come from the
 * catalogue. One scenario serves every selected check that it lists as a dependent (shared
 * planning); with --isolated each check runs its own scenarios, observing only what it needs.
 */
import type { CheckContext } from '../run/context.js';
import type { Judgement, JudgeSettings } from '../judge/judgement.js';

/** What one run of a scenario is for: the IDs it observes for, and their criteria on partial data. */
export interface Needs<O> {
  /** The checks this run of the scenario serves. */
  readonly ids: ReadonlySet<string>;
  has(id: string): boolean;
  /**
   * True when `id` is served and its criterion, on the observation so far, is still undecided:
   * the plan goes on while some dependent's verdict could still change (an early end is a call
   * of the same criterion that judges the check at the end).
   */
  pending(id: string, observation: O): boolean;
}

export interface Scenario<O> {
  /** Names the scenario in the report's evidence and in progress lines. */
  name: string;
  /** Runs with nothing else of the candidate running (it watches shared places or a fixed port). */
  exclusive?: boolean;
  /**
   * About how many starts a full run of it makes (at 5 trials): the engine starts the longest
   * first, so that the last to end is a short one (longest-processing-time-first scheduling).
   */
  weight: number;
  /**
   * Its first start may be the run's first, cold one: it runs alone and no time criterion reads
   * its start (BIND-2's), so when it comes first it warms the caches instead of a warm-up start.
   */
  warmsUp?: boolean;
  /**
   * How many candidate processes one run of it spawns, at least and at most, for these
   * settings (`--dry-run`, the progress ETA); `weight` for both where it does not depend on them.
   */
  spawns?(settings: JudgeSettings): { least: number; most: number };
  /** Starts, signals, connects and records for the checks in `needs`; resolves with the record. */
  observe(ctx: CheckContext, needs: Needs<O>): Promise<O>;
}

export interface Check {
  id: string;
  /**
   * A spec revision's requirement judged on what the plans record for another ID (CONFLICT-3F on
   * CONFLICT-3's rounds, FILELOCK-2 on CRASH-2's restart): the plans observe for that ID while
   * this check needs it. Absent: the plans observe for `id` itself.
   */
  observesAs?: string;
  /** The scenarios whose observations the criterion reads, in the order `judge` takes them. */
  scenarios: readonly Scenario<any>[];
  /** The criterion: pure, over the scenarios' observations (in `scenarios` order). */
  judge(observations: any[], settings: JudgeSettings): Judgement;
}

/** A check judged on one scenario. */
export function check<O>(id: string, scenario: Scenario<O>, judge: (observation: O, settings: JudgeSettings) => Judgement): Check {
  return { id, scenarios: [scenario], judge: (observations, settings) => judge(observations[0] as O, settings) };
}

/** A check judged on two scenarios (SHUTDOWN-5: one stop by each signal). */
export function check2<A, B>(id: string, scenarios: [Scenario<A>, Scenario<B>], judge: (a: A, b: B, settings: JudgeSettings) => Judgement): Check {
  return { id, scenarios, judge: (observations, settings) => judge(observations[0] as A, observations[1] as B, settings) };
}

/**
 * A scenario as a revision's checks see it: its plan asks for the IDs it knows (`CONFLICT-3`),
 * and the revision's checks that observe as one of them (`CONFLICT-3F`) answer for it. One
 * wrapper per scenario and revision, so that every check of the revision shares one run of it.
 */
export function observedAs<O>(scenario: Scenario<O>, aliases: ReadonlyMap<string, readonly string[]>): Scenario<O> {
  const alias = (id: string) => aliases.get(id) ?? [];
  return {
    ...scenario,
    observe: (ctx, needs) =>
      scenario.observe(ctx, {
        ids: needs.ids,
        has: (id) => needs.has(id) || alias(id).some((a) => needs.has(a)),
        pending: (id, observation) => needs.pending(id, observation) || alias(id).some((a) => needs.pending(a, observation)),
      }),
  };
}
