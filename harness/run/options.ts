import { availableParallelism } from 'node:os';
import type { RunSettings, SpecRevision } from '../report.js';

/** Options of a conformance run, their defaults, and the budgets derived from them. */

export interface RunOptions {
  /** Candidate argv template; must use `{port}`. Default: the bundled reference gateway. */
  command?: string[];
  env?: Record<string, string>;
  cwd?: string;
  only?: string[];
  skip?: string[];
  trials?: number;
  /** Timing checks end their trials once their verdict is decided or clearly a pass (default true). */
  earlyStop?: boolean;
  concurrency?: number;
  timeoutMultiplier?: number;
  releaseBudgetMs?: number;
  exitBudgetMs?: number;
  strict?: boolean;
  /** IDs that may fail (a baseline); a listed ID that passes is stale and fails the run. */
  expectedFailures?: string[];
  /** A started gateway is ready when a line of its output (ANSI stripped) matches this. */
  readyPattern?: string;
  /** A started gateway is ready this many ms after LISTEN. */
  readyDelayMs?: number;
  /** One unjudged start before the checks, to warm the candidate's caches (default true). */
  warmup?: boolean;
  /** Each check runs its own scenarios: no start, trial or round serves two checks (default false). */
  isolated?: boolean;
  /** IDs or globs that must run: a skip of one fails the run (exit 1). Each must be selected. */
  require?: string[];
  /** A skipped MUST (with `strict`, any skipped check) fails the run (exit 1). */
  failOnSkip?: boolean;
  /** The spec revision to judge against, or `auto` (default: 2025-12-11). */
  spec?: string;
  /** With `spec: 'auto'`: the candidate's own lock document, whose header may declare a revision. */
  specFromFile?: string;
  /** --opt-out-env: the variables that turn the revision's lock opt-out on, instead of those it documents. */
  optOutEnv?: Record<string, string>;
}

export interface ResolvedOptions extends RunSettings {
  isolated: boolean;
  command: string[];
  env: Record<string, string>;
  cwd: string;
  expectedFailures: Set<string>;
  /** --require, expanded to IDs. */
  required: Set<string>;
  /** --fail-on-skip. */
  failOnSkip: boolean;
  /** --ready-pattern compiled. */
  readyRegExp?: RegExp;
  /** The spec revision judged and how it was chosen (absent: the default, 2025-12-11). */
  revision?: SpecRevision;
  /** What the revision documents as an instance's wait on a taken port (judge/revision.ts); absent: none. */
  documentedWaitMs?: number;
  /** The environment of the opt-out starts (FILELOCK-3, LAYER-3): --opt-out-env, else the revision's. */
  optOutEnv?: Record<string, string>;
  /**
   * Inherited variables a candidate does not get (`NAME` or `NAME=VALUE`, as the revisions'
   * lockOffEnv): they turn a lock off. --env and a plan's own variables still set them.
   */
  withheldEnv?: readonly string[];
}

export const DEFAULTS = {
  trials: 5,
  timeoutMultiplier: 1,
  startupBudgetMs: 30_000,
  releaseBudgetMs: 1000,
  exitBudgetMs: 5000,
} as const;

/**
 * Scenario runs at once by default: one per core, at most 2. Each shared scenario runs several
 * checks' starts in sequence, so two of them keep a 2-core host busy; a third would only make
 * every start slower (the soak runs the fixture catalogue this way under load).
 */
export const defaultConcurrency = (): number => Math.max(1, Math.min(2, availableParallelism()));

/**
 * The hard ceiling of every wait for a start or an exit, as a multiple of the startup budget: the
 * budget is BIND-5's criterion, and a slow but right candidate passes every other check.
 */
export const STARTUP_CEILING_FACTOR = 4;

/** Harness-side waits that are not criteria, before the multiplier. */
export const WAITS = {
  /** A WebSocket handshake or TCP connect to a listening gateway. */
  connectMs: 5000,
  /** How long clients retry the WebSocket upgrade before they fall back to plain TCP. */
  clientPatienceMs: 1000,
  /** Before a timed stop: how long to wait for the gateway's event loop to be idle. */
  settleMs: 300,
  /** The least readiness bound after LISTEN; a candidate that took longer to listen gets as long. */
  readyMs: 10_000,
} as const;
