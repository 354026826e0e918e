/**
 * What a check sees: its options, port profiles, candidates it spawns, occupiers and clients it
 * opens, and the evidence it records. Everything it opens is ended by `cleanup()`.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { createServer, type Server } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Evidence, PortHolder } from '../report.js';
import { portHolders, portState, upgradeWithin } from '../observe/probes.js';
import { listenSocketsOnPort } from '../observe/procfs.js';
import { fill, type PlaceholderValues } from './argv.js';
import { CandidateProcess, type Listening } from './candidate.js';
import { ClientGroup } from './clients.js';
import { reaperWatch } from './reaper.js';
import { WAITS, type ResolvedOptions } from './options.js';
import type { PortPool } from './ports.js';
import { now, round } from './time.js';

/** State directories of profiles are named so, in the temp dir. */
export const PROFILE_DIR_PREFIX = 'glc-state-';

export interface Profile {
  port: number;
  stateDir: string;
}

export class CheckFailed extends Error {
  constructor(
    message: string,
    readonly details: { expected?: string; actual?: string } = {},
  ) {
    super(message);
  }
}

export class CheckSkipped extends Error {}

export interface SpawnOptions {
  /** Replaces the candidate argv template (BIND-2 drops the port option). */
  argv?: string[];
  /** Words put before the candidate argv: a launcher that execs it (fault injection). */
  launcher?: string[];
  /** Drops `--env` entries that use `{port}` (BIND-2). */
  withoutPortEnv?: boolean;
}

export class CheckContext {
  readonly evidence: Evidence = { processes: [], portHolders: [], timeline: [], notes: [] };
  readonly measurements: Record<string, number> = {};
  private readonly startedAt = now();
  private readonly candidates: CandidateProcess[] = [];
  private readonly servers: Server[] = [];
  private readonly clientGroups: ClientGroup[] = [];
  private readonly releases: (() => void)[] = [];
  private readonly ports: number[] = [];
  private readonly stateDirs: string[] = [];
  private readonly aborter = new AbortController();

  constructor(
    readonly options: ResolvedOptions,
    private readonly pool: PortPool,
  ) {}

  /** Milliseconds since the check started. */
  elapsed(at = now()): number {
    return round(at - this.startedAt);
  }

  event(event: string, detail?: string, at = now()): void {
    if (process.env.GLC_TRACE) process.stderr.write(`[trace] ${this.elapsed(at)} ${event} ${detail ?? ""}\n`);
    this.evidence.timeline.push(detail === undefined ? { tMs: this.elapsed(at), event } : { tMs: this.elapsed(at), event, detail });
  }

  note(text: string): void {
    this.evidence.notes.push(text);
  }

  measure(values: Record<string, number>): void {
    for (const [name, value] of Object.entries(values)) if (Number.isFinite(value)) this.measurements[name] = round(value);
  }

  fail(message: string, details: { expected?: string; actual?: string } = {}): never {
    throw new CheckFailed(message, details);
  }

  skip(reason: string): never {
    throw new CheckSkipped(reason);
  }

  /**
   * A harness wait (not a criterion) scaled by --timeout-multiplier, never below its default:
   * a small multiplier shortens the startup budget for fast candidates, not a handshake.
   */
  wait(ms: number): number {
    return ms * Math.max(1, this.options.timeoutMultiplier);
  }

  /** A new isolated profile: a reserved port and a fresh state directory. */
  async profile(port?: number): Promise<Profile> {
    if (port === undefined) {
      const block = await this.pool.reserve();
      this.releases.push(block.release);
      port = block.port;
    }
    this.ports.push(port);
    const stateDir = mkdtempSync(join(tmpdir(), PROFILE_DIR_PREFIX));
    this.stateDirs.push(stateDir);
    reaperWatch.dir(stateDir);
    return { port, stateDir };
  }

  spawn(profile: Profile, role: string, options: SpawnOptions = {}): CandidateProcess {
    if (this.aborter.signal.aborted) throw new Error('interrupted: no new candidate is started');
    const values: PlaceholderValues = { port: String(profile.port), stateDir: profile.stateDir };
    const template = options.argv ?? this.options.command;
    const env: NodeJS.ProcessEnv = { ...process.env };
    for (const [key, value] of Object.entries(this.options.env)) {
      if (options.withoutPortEnv && value.includes('{port}')) continue;
      env[key] = fill(value, values);
    }
    const argv = [...(options.launcher ?? []), ...template.map((word) => fill(word, values))];
    const candidate = new CandidateProcess({ role, argv, env, cwd: this.options.cwd });
    this.candidates.push(candidate);
    this.event(`spawn ${role}`, `pid ${candidate.pid} on port ${profile.port}`);
    return candidate;
  }

  /**
   * Spawns, waits for LISTEN, then until the gateway serves (answers a request), all within the
   * startup budget; fails the check when it never listens. Signals are sent only to a serving
   * gateway: real builds finish their startup (signal handlers included) after the bind.
   */
  async start(profile: Profile, role = 'candidate', options: SpawnOptions = {}): Promise<CandidateProcess> {
    const candidate = this.spawn(profile, role, options);
    const listening = await this.waitListening(candidate, profile.port);
    if (!listening) {
      const how = candidate.exit ? `exited (${describeExit(candidate)})` : `was still not listening`;
      this.fail(`${role} did not listen on port ${profile.port}: it ${how} within the startup budget of ${this.options.startupBudgetMs} ms`);
    }
    const left = this.options.startupBudgetMs - (listening.at - candidate.spawnedAt);
    const host = candidate.servingHost;
    // Gone for good: the spawned process exited and nothing listens (a daemonising launcher
    // exits while its gateway listens on; a build that probes the port and binds again lives on).
    const gone = () => candidate.exit !== undefined && listenSocketsOnPort(profile.port).length === 0;
    const answer = await upgradeWithin(profile.port, Math.max(left, this.wait(WAITS.connectMs)), {
      anyAnswer: true,
      host,
      giveUp: () => this.abortSignal.aborted || gone(),
    });
    if (answer.status !== undefined) this.event(`${role} serving`, `upgrade to ${host} answered HTTP ${answer.status}`);
    else if (gone()) this.fail(`${role} exited (${describeExit(candidate)}) after it listened on port ${profile.port}, before it answered a request`);
    else this.note(`${role} listened but answered no request on ${host} within the startup budget (${answer.error})`);
    candidate.refreshListening(profile.port);
    return candidate;
  }

  async waitListening(candidate: CandidateProcess, port: number): Promise<Listening | undefined> {
    const listening = await candidate.waitListening(port, this.options.startupBudgetMs);
    if (listening) {
      const owner = listening.pid === candidate.pid ? '' : ` (gateway process ${listening.pid}, not the spawned pid ${candidate.pid})`;
      this.event(`${candidate.role} listening`, `${listening.sockets.map((s) => s.address).join(', ')}${owner}`, listening.at);
      if (owner) this.note(`${candidate.role}: signals went to the socket owner, pid ${listening.pid}, not the spawned pid ${candidate.pid}`);
    }
    return listening;
  }

  /** A foreign process's listener: a plain Node server on `host:port`. */
  async occupy(port: number, host: string): Promise<Server> {
    const server = createServer((socket) => socket.destroy());
    this.servers.push(server);
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen({ host, port, exclusive: true }, () => resolve());
    });
    this.event('occupier listening', `${host.includes(':') ? `[${host}]` : host}:${port}`);
    return server;
  }

  /** Clients held open against `candidate` (on the address it serves). */
  async clients(candidate: CandidateProcess, port: number, count: number, patienceMs = this.wait(WAITS.clientPatienceMs)): Promise<ClientGroup> {
    const host = candidate.servingHost;
    const group = await ClientGroup.connect(host, port, count, this.wait(WAITS.connectMs), patienceMs);
    this.clientGroups.push(group);
    this.event(`${group.size} of ${count} clients connected`, `${group.websocket ? 'WebSocket' : 'plain TCP (the upgrade was refused)'} to ${host}`);
    return group;
  }

  /** Runs `release` after the check's processes are ended (locks, reservations). */
  atCleanup(release: () => void): void {
    this.releases.push(release);
  }

  recordHolders(holders: PortHolder[]): void {
    this.evidence.portHolders.push(...holders);
  }

  /** Ends everything the check started, and reports any port that is still held afterwards. */
  async cleanup(): Promise<void> {
    for (const group of this.clientGroups) group.close();
    await Promise.all(this.candidates.map((c) => c.kill()));
    await Promise.all(this.servers.map((s) => new Promise((resolve) => s.close(resolve))));
    for (const candidate of this.candidates) this.evidence.processes.push(candidate.evidence());
    for (const port of new Set(this.ports)) {
      if (!(await portState(port)).free) {
        const holders = portHolders(port);
        this.recordHolders(holders);
        this.note(`port ${port} was still held after cleanup by ${holders.map((h) => `pid ${h.pid} (${h.cmdline})`).join(', ')}`);
      }
    }
    for (const dir of this.stateDirs) {
      rmSync(dir, { recursive: true, force: true });
      reaperWatch.dirRemoved(dir);
    }
    for (const release of this.releases) release();
  }

  get abortSignal(): AbortSignal {
    return this.aborter.signal;
  }

  /** Kills every process the check started now, and starts no more (used on interrupt). */
  async abort(): Promise<void> {
    this.aborter.abort();
    await Promise.all(this.candidates.map((c) => c.kill()));
  }
}

export function describeExit(candidate: CandidateProcess): string {
  const exit = candidate.exit;
  if (!exit) return 'still running';
  if (exit.spawnError) return `could not be started: ${exit.spawnError}`;
  return exit.signal ? `killed by ${exit.signal}` : `exit code ${exit.code}`;
}
