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
  status: Status;
  outcome: Outcome;
  durationMs: number;
  message: string;
  /** Named numbers, all in milliseconds. */
  measurements: Record<string, number>;
  evidence: Evidence;
}

/** The settings a run used, as reported. */
export interface RunSettings {
  trials: number;
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
}

export interface Summary {
  total: number;
  pass: number;
  fail: number;
  skip: number;
  error: number;
  expectedFailures: number;
  staleExpectedFailures: number;
}

/** The unjudged warm-up start before the checks. */
export interface Warmup {
  durationMs: number;
  listenMs?: number;
  readyMs?: number;
  readiness?: StartupEvidence['readiness'];
  /** Why the warm-up did not get a ready gateway (not a verdict: the checks judge). */
  problem?: string;
}

export interface Report {
  schemaVersion: 2;
  harness: { name: string; version: string };
  specVersion: string;
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
  conformant: boolean;
  exitCode: 0 | 1 | 2;
  summary: Summary;
  checks: CheckResult[];
}
