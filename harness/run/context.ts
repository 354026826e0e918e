/**
 * What an observation plan works with, for one scenario run: the run's options, its evidence
 * recorder (run/evidence.ts) and resource scope (run/scope.ts), and the start protocol of the
 * common procedure (spawn, listening, serving, readiness: run/readiness.ts). Every step that the
 * candidate fails throws CheckFailed, which `attempt()` turns into data.
 */
import type { Server } from 'node:net';
import { join } from 'node:path';
import type { Evidence, PortHolder, TimelineEvent } from '../report.js';
import { describeExitSeen, outputHint as hintOf, type ExitSeen, type Step } from '../judge/judgement.js';
import { portHolders, upgradeWithin } from '../observe/probes.js';
import { commandLine, listenSocketsOnPort, readProcess } from '../observe/procfs.js';
import { fill, type PlaceholderValues } from './argv.js';
import { CandidateProcess, type Listening } from './candidate.js';
import { ClientGroup } from './clients.js';
import { containment } from './contain.js';
import { EvidenceRecorder } from './evidence.js';
import { ResourceScope, type Profile } from './scope.js';
import { bindTracer, bindTracerUnavailable, type BindTracer } from '../observe/bind-trace.js';
import { waitReady, type Readiness } from './readiness.js';
import { WAITS, type ResolvedOptions } from './options.js';
import { DEFAULT_GATEWAY_PORT, type PortPool } from './ports.js';
import { StartHistory } from './starts.js';
import { now } from './time.js';
import { hangLimits, type HangLimits } from '../judge/hang.js';

/** The limits of the wait for an instance that should exit, from the run's starts so far. */
export const hangLimitsOf = (ctx: CheckContext): HangLimits => hangLimits(ctx.starts.baseline(), ctx.options);

/** Each run's temp dir, the candidates' TMPDIR, is named so, in the temp dir. */
export const RUN_TMP_PREFIX = 'glc-run-';
/** Environment variables that name a temp dir; the harness points them at the run's temp dir. */
const TEMP_VARIABLES = ['TMPDIR', 'TMP', 'TEMP'];

export { PROFILE_DIR_PREFIX, SCRATCH_DIR_PREFIX, SurvivedCleanup, type Profile } from './scope.js';

export class CheckFailed extends Error {
  constructor(
    message: string,
    readonly details: { expected?: string; actual?: string } = {},
  ) {
    super(message);
  }
}

export interface SpawnOptions {
  /** Replaces the candidate argv template (BIND-2 drops the port option). */
  argv?: string[];
  /** Words put before the candidate argv: a launcher that execs it (fault injection). */
  launcher?: string[];
  /** Drops `--env` entries that use `{port}` (BIND-2). */
  withoutPortEnv?: boolean;
  /** Traces the candidate's bind() calls (CONFLICT checks). */
  trace?: BindTracer;
  /** Variables set on top of the run's environment for this start (a revision's opt-out). */
  env?: Record<string, string>;
}

export class CheckContext {
  /** The run's timeline, notes and port holders. */
  readonly record = new EvidenceRecorder();
  /** Everything the run opened, ended by cleanup(). */
  readonly scope: ResourceScope;

  constructor(
    readonly options: ResolvedOptions,
    pool: PortPool,
    /** The run's temp dir: every candidate's TMPDIR unless --env sets one. */
    readonly runTmpDir: string,
    /** Every start of the run that listened: how long a hang is waited for follows from them. */
    readonly starts = new StartHistory(),
  ) {
    this.scope = new ResourceScope(pool, this.record);
  }

  get evidence(): Evidence {
    return this.record.evidence;
  }

  set onEvent(listener: ((event: TimelineEvent) => void) | undefined) {
    this.record.onEvent = listener;
  }

  event(event: string, detail?: string, at = now()): void {
    this.record.event(event, detail, at);
  }

  note(text: string): void {
    this.record.note(text);
  }

  recordHolders(holders: PortHolder[]): void {
    this.record.recordHolders(holders);
  }

  /**
   * The candidate's LISTEN sockets on `port` now, recorded as port holders (BIND-4 lists them at
   * every observation the scenarios make: once started, before each signal, at each crash).
   */
  listeners(candidate: CandidateProcess, port: number): PortHolder[] {
    // Sockets no candidate process holds come back as pid -1: another program's, not listed.
    const holders = portHolders(port, candidate.family()).filter((h) => h.pid > 0);
    this.recordHolders(holders);
    return holders;
  }

  fail(message: string, details: { expected?: string; actual?: string } = {}): never {
    throw new CheckFailed(message, details);
  }


  /**
   * A harness wait (not a criterion) scaled by --timeout-multiplier, never below its default:
   * a small multiplier shortens the startup budget for fast candidates, not a handshake.
   */
  wait(ms: number): number {
    return ms * Math.max(1, this.options.timeoutMultiplier);
  }

  /** The bind tracer, where this host has one that works (undefined otherwise, with a note). */
  async bindTracer(): Promise<BindTracer | undefined> {
    const tracer = await bindTracer();
    if (!this.tracerNoted) {
      this.tracerNoted = true;
      this.note(tracer ? `bind() calls observed with ${tracer.method}` : `bind() calls not observed (${bindTracerUnavailable() ?? 'no tracer'})`);
    }
    return tracer;
  }
  private tracerNoted = false;

  /** A new isolated profile: a reserved port block (or `port`, shared) and a fresh state directory. */
  profile(port?: number): Promise<Profile> {
    return this.scope.profile(port);
  }

  /** Spawns a candidate; resolves once its pid is known (the containment launcher forked it). */
  async spawn(profile: Profile, role: string, options: SpawnOptions = {}): Promise<CandidateProcess> {
    this.scope.assertOpen('candidate');
    const contain = await containment();
    this.scope.assertOpen('candidate');
    if ('unavailable' in contain && !this.containmentNoted) {
      this.containmentNoted = true;
      this.note(`processes not contained: ${contain.unavailable}; a candidate that daemonises (leaves its process group and session) may outlive the run`);
    }
    const values: PlaceholderValues = { port: String(profile.port), stateDir: profile.stateDir };
    const template = options.argv ?? this.options.command;
    const env = this.candidateEnv(profile, options);
    const argv = template.map((word) => fill(word, values));
    const traceLog = options.trace ? join(this.scope.scratchDir(), `binds-${this.scope.spawnCount}.trace`) : undefined;
    const launcher = [...(options.trace ? options.trace.prefix(traceLog!) : []), ...(options.launcher ?? [])];
    const cgroup = 'binary' in contain ? contain.newCgroup() : undefined;
    const candidate = new CandidateProcess({
      role,
      argv,
      env,
      cwd: this.options.cwd,
      launcher,
      ...(traceLog ? { traceLog } : {}),
      ...('binary' in contain ? { containment: { binary: contain.binary, ...(cgroup ? { cgroup } : {}) } } : {}),
    });
    this.scope.track(candidate);
    await candidate.started;
    this.event(`spawn ${role}`, `pid ${candidate.pid} on port ${profile.port}`);
    return candidate;
  }
  private containmentNoted = false;
  private withheldNoted = false;

  /**
   * Drops the inherited variables that turn a lock off (options.withheldEnv), unless --env sets
   * them; the record says once which it dropped, so that a shell's NODE_ENV=test or a service
   * manager's INVOCATION_ID cannot change a verdict unseen.
   */
  private withhold(env: NodeJS.ProcessEnv): void {
    const dropped: string[] = [];
    for (const entry of this.options.withheldEnv ?? []) {
      const eq = entry.indexOf('=');
      const name = eq < 0 ? entry : entry.slice(0, eq);
      const value = env[name];
      if (value === undefined || value === '' || name in this.options.env) continue;
      if (eq >= 0 && value !== entry.slice(eq + 1)) continue;
      delete env[name];
      dropped.push(`${name}=${value}`);
    }
    if (dropped.length > 0 && !this.withheldNoted) {
      this.withheldNoted = true;
      this.note(`not passed on to the candidate (they turn a lock off; --env sets them on purpose): ${dropped.join(' ')}`);
    }
  }

  /** The environment a candidate on `profile` is spawned with: the harness's, the run's temp dir, then --env. */
  candidateEnv(profile: Profile, options: Pick<SpawnOptions, 'withoutPortEnv' | 'env'> = {}): NodeJS.ProcessEnv {
    const values: PlaceholderValues = { port: String(profile.port), stateDir: profile.stateDir };
    const env: NodeJS.ProcessEnv = { ...process.env };
    this.withhold(env);
    // Temp files of the run's candidates land where no other program writes (CRASH-4 can tell
    // theirs from the host's) and outlive one start (a build's compile cache warms up once).
    if (!TEMP_VARIABLES.some((name) => name in this.options.env)) for (const name of TEMP_VARIABLES) env[name] = this.runTmpDir;
    for (const [key, value] of Object.entries(this.options.env)) {
      if (options.withoutPortEnv && value.includes('{port}')) continue;
      env[key] = fill(value, values);
    }
    for (const [key, value] of Object.entries(options.env ?? {})) env[key] = fill(value, values);
    return env;
  }

  /**
   * Spawns and waits for LISTEN (up to the startup ceiling: the budget is BIND-5's criterion, not
   * this check's), then until the gateway serves (answers a request) and is ready (readiness
   * protocol). Fails the check when it never listens. Signals, clients and crash signals are sent
   * only to a ready gateway: real builds finish their startup after the bind.
   */
  async start(profile: Profile, role = 'candidate', options: SpawnOptions = {}): Promise<StartedCandidate> {
    return this.finishStart(await this.spawn(profile, role, options), profile);
  }

  /**
   * The rest of a start for a spawned candidate (items 2 to 4 of the common procedure): a restart
   * that was spawned and timed to LISTEN becomes the next trial's started gateway this way.
   */
  async finishStart(candidate: CandidateProcess, profile: Profile): Promise<StartedCandidate> {
    const role = candidate.role;
    const listening = candidate.listening ?? (await this.waitListening(candidate, profile.port, DEFAULT_GATEWAY_PORT));
    if (candidate.listeningElsewhere) {
      this.fail(`${role} listens on ${candidate.listeningElsewhere}, not on ${profile.port}: does it honour --port?`, {
        expected: `LISTEN on 127.0.0.1:${profile.port}`,
        actual: candidate.listeningElsewhere,
      });
    }
    if (!listening) {
      const how = candidate.exit ? `exited (${describeExit(candidate)})` : `was still not listening after ${this.options.startupCeilingMs} ms`;
      this.fail(`${role} did not listen on port ${profile.port}: it ${how}${outputHint(candidate)}`);
    }
    this.failIfDaemonized(candidate, role, profile.port);
    const spawnToListen = listening.at - candidate.spawnedAt;
    this.starts.record(spawnToListen, candidate.idleUntilListen);
    if (spawnToListen > this.options.startupBudgetMs) {
      this.note(`${role} listened ${Math.round(spawnToListen)} ms after spawn, over the startup budget of ${this.options.startupBudgetMs} ms (BIND-5)`);
    }
    const left = () => this.options.startupCeilingMs - (now() - candidate.spawnedAt);
    const host = candidate.servingHost;
    // Gone for good: the spawned process exited and nothing listens (a daemonising launcher
    // exits while its gateway listens on; a build that probes the port and binds again lives on).
    const gone = () => candidate.exit !== undefined && listenSocketsOnPort(profile.port).length === 0;
    const giveUp = () => this.abortSignal.aborted || gone();
    // A gateway that never answers HTTP costs what is left of the startup budget, not the ceiling.
    const answerWithin = Math.max(this.options.startupBudgetMs - spawnToListen, this.wait(WAITS.connectMs));
    const answer = await upgradeWithin(profile.port, answerWithin, { anyAnswer: true, host, giveUp });
    if (answer.status !== undefined) this.event(`${role} serving`, `upgrade to ${host} answered HTTP ${answer.status}`);
    else if (gone()) this.fail(`${role} exited (${describeExit(candidate)}) after it listened on port ${profile.port}, before it answered a request`);
    else this.note(`${role} listened but answered no request on ${host} (${answer.error})`);
    const boundMs = Math.max(WAITS.readyMs, spawnToListen) * Math.max(1, this.options.timeoutMultiplier);
    candidate.ready = await waitReady(candidate, {
      ...(this.options.readyRegExp ? { readyPattern: this.options.readyRegExp } : {}),
      ...(this.options.readyDelayMs !== undefined ? { readyDelayMs: this.options.readyDelayMs } : {}),
      // A delay the user chose is waited in full, up to the ceiling; the default bound otherwise.
      boundMs: Math.max(0, this.options.readyDelayMs !== undefined ? left() : Math.min(boundMs, left())),
      answers: answer.status !== undefined,
      host,
      port: profile.port,
      giveUp,
    });
    if (gone()) this.fail(`${role} exited (${describeExit(candidate)}) after it listened on port ${profile.port}, before it was ready`);
    // A daemon's first process may wait until its daemon is ready before it exits.
    this.failIfDaemonized(candidate, role, profile.port);
    this.event(`${role} ready`, `${Math.round(candidate.ready.at - listening.at)} ms after LISTEN (${candidate.ready.detail})`, candidate.ready.at);
    if (candidate.ready.method === 'assumed') this.note(`${role}: ${candidate.ready.detail}`);
    candidate.refreshListening(profile.port);
    return candidate as StartedCandidate;
  }

  /**
   * Fails when the spawned process has exited while a descendant of it listens: the gateway
   * daemonised (forked, maybe setsid, and the first process exited 0). The harness's signals and
   * exit timings are about the spawned process, and a supervisor or test runner that starts the
   * command loses it the same way, so the gateway must run in the foreground.
   */
  private failIfDaemonized(candidate: CandidateProcess, role: string, port: number): void {
    const { exit, listening } = candidate;
    if (!exit || exit.spawnError || !listening || listening.pid === candidate.pid) return;
    const session = readProcess(listening.pid)?.session;
    const newSession = session !== undefined && session !== candidate.session;
    const how = exit.signal ? `was killed by ${exit.signal}` : `exited ${exit.code}`;
    const where = listening.sockets.map((s) => s.address).join(', ');
    this.fail(
      `${role === 'candidate' ? '' : `${role}: `}the spawned process ${how} and pid ${listening.pid} (its descendant${newSession ? ', in a new session' : ''}) listens on ${port}: run the gateway in the foreground`,
      {
        expected: `the spawned process (pid ${candidate.pid}) listens on 127.0.0.1:${port} and runs until it is stopped`,
        actual: `pid ${candidate.pid} ${how}; pid ${listening.pid} (${commandLine(listening.pid)}) listens on ${where}`,
      },
    );
  }

  async waitListening(candidate: CandidateProcess, port: number, otherPort?: number): Promise<Listening | undefined> {
    const listening = await candidate.waitListening(port, this.options.startupCeilingMs, otherPort);
    if (listening) {
      const owner = listening.pid === candidate.pid ? '' : ` (gateway process ${listening.pid}, not the spawned pid ${candidate.pid})`;
      this.event(`${candidate.role} listening`, `${listening.sockets.map((s) => s.address).join(', ')}${owner}`, listening.at);
      if (owner) this.note(`${candidate.role}: signals went to the socket owner, pid ${listening.pid}, not the spawned pid ${candidate.pid}`);
    }
    return listening;
  }

  /** A foreign process's listener: a plain Node server on `host:port`. */
  occupy(port: number, host: string): Promise<Server> {
    return this.scope.occupy(port, host);
  }

  /** Clients held open against `candidate` (on the address it serves). */
  async clients(candidate: CandidateProcess, port: number, count: number, patienceMs = this.wait(WAITS.clientPatienceMs)): Promise<ClientGroup> {
    this.scope.assertOpen('client');
    const host = candidate.servingHost;
    const group = await ClientGroup.connect(host, port, count, this.wait(WAITS.connectMs), patienceMs);
    this.scope.hold(group);
    this.event(`${group.size} of ${count} clients connected`, `${group.websocket ? 'WebSocket' : 'plain TCP (the upgrade was refused)'} to ${host}`);
    return group;
  }

  /**
   * Runs one step of an observation plan: what it returns, or the candidate's failure (a
   * CheckFailed from start(), say) as data, so that the checks that need the step judge it and
   * the others go on. Anything else (a harness error) is thrown.
   */
  async attempt<T extends object>(step: () => Promise<T>): Promise<Step<T>> {
    try {
      return { ok: true, ...(await step()) };
    } catch (error) {
      if (!(error instanceof CheckFailed)) throw error;
      const { expected, actual } = error.details;
      return { ok: false, failure: { message: error.message, ...(expected !== undefined ? { expected } : {}), ...(actual !== undefined ? { actual } : {}) } };
    }
  }

  /** How many candidates were spawned, for the run's start count. */
  get spawnCount(): number {
    return this.scope.spawnCount;
  }

  /** Runs `release` after the run's processes are ended (locks, reservations). */
  atCleanup(release: () => void): void {
    this.scope.atCleanup(release);
  }

  /** Ends everything the run started (throws SurvivedCleanup when a candidate process lives on). */
  cleanup(): Promise<void> {
    return this.scope.dispose();
  }

  get abortSignal(): AbortSignal {
    return this.scope.abortSignal;
  }

  /** Kills every process the run started now, and starts no more (used on interrupt). */
  abort(): Promise<void> {
    return this.scope.abort();
  }
}

/** A started candidate: it listened and was judged ready. */
export type StartedCandidate = CandidateProcess & { listening: Listening; ready: Readiness };

/** The last line of a candidate's output, as a hint in a failure message. */
export const outputHint = (candidate: CandidateProcess): string => hintOf(candidate.output());

export const describeExit = (candidate: CandidateProcess): string => describeExitSeen(candidate.exit);

/** An exit as criteria read it (plain data). */
export function exitSeen(exit: { code: number | null; signal: NodeJS.Signals | null; spawnError?: string }): ExitSeen {
  return { code: exit.code, signal: exit.signal, ...(exit.spawnError ? { spawnError: exit.spawnError } : {}) };
}
