/**
 * What one scenario run holds on the host: port blocks, profile and scratch directories,
 * candidates, occupiers, client groups and locks. `dispose()` ends and releases all of it;
 * `abort()` ends the candidates now and refuses anything new, since disposal may already be
 * under way (an interrupt, the watchdog).
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { createServer, type Server } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { portHolders, portState } from '../observe/probes.js';
import { commandLine } from '../observe/procfs.js';
import type { CandidateProcess } from './candidate.js';
import type { ClientGroup } from './clients.js';
import type { EvidenceRecorder } from './evidence.js';
import type { PortPool } from './ports.js';
import { reaperWatch } from './reaper.js';

/** State directories of profiles are named so, in the temp dir. */
export const PROFILE_DIR_PREFIX = 'glc-state-';
/** A scenario run's own scratch directory (trace logs), in the temp dir. */
export const SCRATCH_DIR_PREFIX = 'glc-scratch-';

export interface Profile {
  port: number;
  stateDir: string;
}

/** Thrown by dispose() when a candidate process outlived it: the harness failed to contain it. */
export class SurvivedCleanup extends Error {}

export class ResourceScope {
  private readonly candidates: CandidateProcess[] = [];
  private readonly servers: Server[] = [];
  private readonly clientGroups: ClientGroup[] = [];
  private readonly releases: (() => void)[] = [];
  private readonly ports: number[] = [];
  private readonly dirs: string[] = [];
  private readonly aborter = new AbortController();
  private scratch: string | undefined;

  constructor(
    private readonly pool: PortPool,
    private readonly record: EvidenceRecorder,
  ) {}

  get abortSignal(): AbortSignal {
    return this.aborter.signal;
  }

  /** After abort() nothing new is opened: disposal may have run. */
  assertOpen(what: string): void {
    if (this.aborter.signal.aborted) throw new Error(`interrupted: no new ${what} is started`);
  }

  /** A new isolated profile: a reserved port block (or `port`, shared) and a fresh state directory. */
  async profile(port?: number): Promise<Profile> {
    this.assertOpen('profile');
    if (port === undefined) {
      const block = await this.pool.reserve();
      if (this.aborter.signal.aborted) {
        block.release();
        this.assertOpen('profile');
      }
      this.releases.push(block.release);
      port = block.port;
    }
    this.ports.push(port);
    return { port, stateDir: this.directory(PROFILE_DIR_PREFIX) };
  }

  /** A directory of the harness's own for this run (trace logs), removed at disposal. */
  scratchDir(): string {
    this.scratch ??= this.directory(SCRATCH_DIR_PREFIX);
    return this.scratch;
  }

  private directory(prefix: string): string {
    const dir = mkdtempSync(join(tmpdir(), prefix));
    this.dirs.push(dir);
    reaperWatch.dir(dir);
    return dir;
  }

  /** A candidate to end at disposal (and whose evidence the run keeps). */
  track(candidate: CandidateProcess): void {
    this.candidates.push(candidate);
  }

  get spawnCount(): number {
    return this.candidates.length;
  }

  /** A foreign process's listener: a plain Node server on `host:port`. */
  async occupy(port: number, host: string): Promise<Server> {
    this.assertOpen('occupier');
    const server = createServer((socket) => socket.destroy());
    this.servers.push(server);
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen({ host, port, exclusive: true }, () => resolve());
    });
    this.record.event('occupier listening', `${host.includes(':') ? `[${host}]` : host}:${port}`);
    return server;
  }

  /** Client groups to close at disposal. */
  hold(group: ClientGroup): void {
    this.clientGroups.push(group);
  }

  /** Runs `release` after the run's processes are ended (locks, reservations). */
  atCleanup(release: () => void): void {
    this.releases.push(release);
  }

  /**
   * Ends everything the run opened, and notes any port still held afterwards. A candidate
   * process alive after it is a containment failure: noted, and thrown at the end as
   * SurvivedCleanup once everything else is released.
   */
  async dispose(): Promise<void> {
    for (const group of this.clientGroups) group.close();
    await Promise.all(this.candidates.map((c) => c.kill()));
    await Promise.all(this.servers.map((s) => new Promise((resolve) => s.close(resolve))));
    const survivors = this.candidates.flatMap((c) => c.survivors().map((pid) => `pid ${pid} of ${c.role} (${commandLine(pid)})`));
    if (survivors.length > 0) this.record.note(`candidate processes survived cleanup: ${survivors.join(', ')}`);
    for (const candidate of this.candidates) this.record.evidence.processes.push(candidate.evidence());
    for (const port of new Set(this.ports)) {
      if (!(await portState(port)).free) {
        const holders = portHolders(port);
        this.record.recordHolders(holders);
        this.record.note(`port ${port} was still held after cleanup by ${holders.map((h) => `pid ${h.pid} (${h.cmdline})`).join(', ')}`);
      }
    }
    for (const dir of this.dirs) {
      rmSync(dir, { recursive: true, force: true });
      reaperWatch.dirRemoved(dir);
    }
    for (const release of this.releases) release();
    if (survivors.length > 0) throw new SurvivedCleanup(`candidate processes survived cleanup: ${survivors.join(', ')}`);
  }

  /** Kills every candidate of the run now, and opens nothing more (interrupt, watchdog). */
  async abort(): Promise<void> {
    this.aborter.abort();
    await Promise.all(this.candidates.map((c) => c.kill()));
  }
}
