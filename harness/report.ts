/** The conformance report: the shape of `--json` output, documented in spec/report.schema.json. */

export type Level = 'MUST' | 'SHOULD';
export type Status = 'pass' | 'fail' | 'skip' | 'error';

/** How a result counts towards the verdict once the baseline (`--expected-failures`) is applied. */
export type Outcome =
  | 'pass'
  | 'fail'
  | 'skip'
  | 'error'
  | 'expected-failure'
  | 'stale-expected-failure'
  | 'should-failure';

export interface TimelineEvent {
  /** Milliseconds since the check started (monotonic clock). */
  tMs: number;
  event: string;
  detail?: string;
}

export interface PortHolder {
  pid: number;
  cmdline: string;
  /** Local address of the LISTEN socket, e.g. `127.0.0.1:18789` or `[::]:18789`. */
  address: string;
  inode: number;
}

export interface ProcessEvidence {
  /** What the harness started this process as, e.g. `candidate`, `second-instance`, `occupier`. */
  role: string;
  pid: number;
  argv: string[];
  /** The process that owned the listening socket, when it differs from the spawned pid. */
  gatewayPid?: number;
  /** For a start that listened: spawn to LISTEN, LISTEN to ready, and how readiness was decided. */
  startup?: StartupEvidence;
  /** Its bind() calls on the port under test, where they were observed. */
  binds?: BindEvidence[];
  exitCode: number | null;
  signal: string | null;
  stdoutTail: string;
  stderrTail: string;
}

/** One bind() call on the port under test, as the tracer saw it. */
export interface BindEvidence {
  pid: number;
  /** Milliseconds after the spawn. */
  tMs: number;
  address: string;
  ok: boolean;
  errno?: string;
}

export interface StartupEvidence {
  listenMs: number;
  readyMs?: number;
  readiness?: 'quiescent' | 'pattern' | 'delay' | 'assumed';
  readinessDetail?: string;
}

export interface Evidence {
  expected?: string;
  actual?: string;
  processes: ProcessEvidence[];
  portHolders: PortHolder[];
  timeline: TimelineEvent[];
  notes: string[];
}

export interface CheckResult {
  id: string;
  level: Level;
  title: string;
  section: string;
  /** The requirement sentence of the spec, so a failure says what was required. */
  requirement?: string;
  status: Status;
  outcome: Outcome;
  durationMs: number;
  message: string;
  /** Named numbers, all in milliseconds. */
  measurements: Record<string, number>;
  evidence: Evidence;
}

/** What a run will do, before it does it (`--dry-run`, the progress ETA): its scenario runs in order. */
export interface RunPlan {
  /** Whether an unjudged warm-up start comes first (one spawn), or the first scenario run warms up. */
  warmup: boolean;
  units: PlannedUnit[];
  /** Candidate processes the whole run spawns, warm-up included: at least (every series ends early) and at most. */
  spawns: { least: number; most: number };
}

export interface PlannedUnit {
  scenario: string;
  /** The checks this scenario run serves. */
  checks: string[];
  /** It runs with nothing else of the candidate running. */
  alone: boolean;
  spawns: { least: number; most: number };
}

/** The settings a run used, as reported. */
export interface RunSettings {
  trials: number;
  /**
   * Timing checks end their trials once the verdict is decided or clearly a pass (judge/sequential.ts);
   * false with --no-early-stop: every timing check ran --trials trials. Optional in the schema
   * (version-2 reports of earlier harnesses ran fixed counts); this harness always writes it.
   */
  earlyStop: boolean;
  concurrency: number;
  timeoutMultiplier: number;
  startupBudgetMs: number;
  releaseBudgetMs: number;
  exitBudgetMs: number;
  /** The hard ceiling of waits for a start or an exit: 4 x the startup budget. */
  startupCeilingMs: number;
  strict: boolean;
  /** --ready-pattern, as given. */
  readyPattern?: string;
  readyDelayMs?: number;
  warmup: boolean;
  /**
   * --isolated: every check ran its own scenarios (no observation shared between checks).
   * Optional for version-2 reports of earlier harnesses; this harness always writes it.
   */
  isolated?: boolean;
  /** --require: IDs that must run; a skip of one is a counted failure (outcome `fail`). */
  require?: string[];
  /** --fail-on-skip: a skipped MUST (with --strict, any skipped check) is a counted failure. */
  failOnSkip?: boolean;
}

/**
 * The counts. `passed`, `failed`, `warnings`, `expectedFailures`, `staleExpectedFailures` (stale
 * entries), `skip` (skipped) and `error` (errors) count outcomes: they add up to `total`, and
 * every reporter prints these seven. `pass` and `fail` count statuses (a tolerated failure has
 * status `fail`; a stale entry has status `pass`).
 */
export interface Summary {
  total: number;
  /** Status pass. */
  pass: number;
  /** Status fail: counted and tolerated failures alike. */
  fail: number;
  /** Outcome skip (a skip that --require or --fail-on-skip counts is in `failed`). */
  skip: number;
  /** Outcome (and status) error. */
  error: number;
  /** Outcome expected-failure: a baselined failure, tolerated. */
  expectedFailures: number;
  /** Outcome stale-expected-failure ("stale entries"): a baselined check that passed. */
  staleExpectedFailures: number;
  /** Outcome pass. */
  passed: number;
  /** Outcome fail: the failures that fail the run. */
  failed: number;
  /** Outcome should-failure: a failed SHOULD without --strict, tolerated. */
  warnings: number;
  /** IDs of the MUST checks that did not run (outcome skip, or fail through --require/--fail-on-skip). */
  mustNotRun: string[];
}

/** Present when the run was interrupted (Ctrl-C, SIGTERM): the report holds what ran. */
export interface Interruption {
  /** The signal, e.g. SIGINT, when one ended the run. */
  signal?: string;
  /** Checks that were running: each is in `checks` with status error. */
  running: string[];
  /** Selected checks that never started: absent from `checks`. */
  notStarted: string[];
}

/** The unjudged warm-up start before the checks. */
export interface Warmup {
  /** Time the warm-up start took; 0 where a check's own start was the warm one (`by`). */
  durationMs: number;
  /** The checks whose scenario run made the run's first start, which warmed the caches instead. */
  by?: string[];
  listenMs?: number;
  readyMs?: number;
  readiness?: StartupEvidence['readiness'];
  /** Why the warm-up did not get a ready gateway (not a verdict: the checks judge). */
  problem?: string;
}

/**
 * The spec revision a run judged against, and how it was chosen: the default (no --spec), named
 * (--spec or the configuration's `spec`), declared by the candidate's own lock document
 * (--spec auto with --spec-from-file, matched by a header line), or undeclared (--spec auto found
 * no declaration, so the default).
 */
export interface SpecRevision {
  id: string;
  chosenBy: 'default' | 'named' | 'declared' | 'undeclared';
  /** --spec auto: the document read, its SHA-256, and the header line that declared the revision (none: no line did). */
  declaration?: { file: string; sha256: string; line?: string };
}

export interface Report {
  schemaVersion: 2;
  harness: { name: string; version: string };
  /** The ID of the spec revision the checks implement (2025-12-11 by default). */
  specVersion: string;
  /**
   * The revision and how it was chosen. Optional for version-2 reports of earlier harnesses (they
   * judged 2025-12-11); this harness always writes it.
   */
  revision?: SpecRevision;
  candidate: { argv: string[]; cwd: string; env: Record<string, string> };
  environment: {
    platform: string;
    kernel: string;
    arch: string;
    node: string;
    uid: number;
    cpus: number;
  };
  options: RunSettings & { selected: string[] };
  warmup?: Warmup;
  startedAt: string;
  durationMs: number;
  /**
   * Candidate processes the run spawned, the warm-up included. Optional for version-2 reports of
   * earlier harnesses; this harness always writes it.
   */
  spawns?: number;
  conformant: boolean;
  exitCode: 0 | 1 | 2;
  summary: Summary;
  interrupted?: Interruption;
  checks: CheckResult[];
}
