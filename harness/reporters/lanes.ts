/**
 * A check's evidence as one lane per process on a common time axis: when it was spawned,
 * listened, got ready, was signalled, freed the port and exited, and the bind() calls the tracer
 * saw. The timeline names processes by role or pid; events that name neither (`port free`, `gateway
 * process exited`) belong to the last signalled process still waiting for one.
 */
import type { Evidence, ProcessEvidence, TimelineEvent } from '../report.js';

export type MarkKind = 'spawn' | 'listen' | 'serving' | 'ready' | 'signal' | 'port-free' | 'port-held' | 'exit' | 'bind-ok' | 'bind-failed' | 'info';

export interface LaneMark {
  kind: MarkKind;
  /** Milliseconds on the check's timeline. */
  tMs: number;
  /** The event as the timeline tells it, e.g. `SIGTERM sent: to pid 42`. */
  label: string;
}

export interface Lane {
  /** e.g. `candidate #1`, `second instance (same profile)`, or `harness` for what no process did. */
  role: string;
  pid?: number;
  port?: number;
  process?: ProcessEvidence;
  spawnMs?: number;
  marks: LaneMark[];
}

export interface Lanes {
  lanes: Lane[];
  /** The last moment anything happened: where the axis ends. */
  endMs: number;
}

const eventText = (e: TimelineEvent) => (e.detail ? `${e.event}: ${e.detail}` : e.event);

const SUFFIX_KIND: [RegExp, MarkKind][] = [
  [/^listening$/, 'listen'],
  [/^serving$/, 'serving'],
  [/^ready$/, 'ready'],
  [/^exited$/, 'exit'],
];

export function lanesOf(evidence: Evidence): Lanes {
  const lanes: Lane[] = [];
  let harness: Lane | undefined;
  const harnessLane = () => {
    if (!harness) {
      harness = { role: 'harness', marks: [] };
      lanes.unshift(harness);
    }
    return harness;
  };
  const signalled: Lane[] = [];
  let current: Lane | undefined;
  const has = (lane: Lane, kind: MarkKind, after: number) => lane.marks.some((m) => m.kind === kind && m.tMs >= after);
  const lastSignalAt = (lane: Lane) => Math.max(...lane.marks.filter((m) => m.kind === 'signal').map((m) => m.tMs));
  /** The most recently signalled lane still waiting for `kind` since its signal. */
  const awaiting = (kind: MarkKind) => [...signalled].reverse().find((lane) => !has(lane, kind, lastSignalAt(lane)));
  const add = (lane: Lane, kind: MarkKind, event: TimelineEvent) => {
    lane.marks.push({ kind, tMs: event.tMs, label: eventText(event) });
    if (lane !== harness) current = lane;
  };

  for (const event of [...evidence.timeline].sort((a, b) => a.tMs - b.tMs)) {
    const spawn = /^spawn (.+)$/.exec(event.event);
    const spawned = spawn && /^pid (\d+)(?: on port (\d+))?/.exec(event.detail ?? '');
    if (spawn && spawned) {
      const pid = Number(spawned[1]);
      const process = evidence.processes.find((p) => p.pid === pid);
      const lane: Lane = { role: spawn[1]!, pid, spawnMs: event.tMs, marks: [], ...(spawned[2] ? { port: Number(spawned[2]) } : {}), ...(process ? { process } : {}) };
      lanes.push(lane);
      add(lane, 'spawn', event);
      continue;
    }
    const signal = /^(SIG[A-Z0-9]+) sent$/.exec(event.event);
    if (signal) {
      const pid = Number(/pid (\d+)/.exec(event.detail ?? '')?.[1]);
      const lane = [...lanes].reverse().find((l) => l.pid === pid || l.process?.gatewayPid === pid) ?? current ?? harnessLane();
      add(lane, 'signal', event);
      if (!signalled.includes(lane)) signalled.push(lane);
      continue;
    }
    if (event.event === 'port free' || /^sockets on port \d+ gone$/.test(event.event)) {
      add(awaiting('port-free') ?? current ?? harnessLane(), 'port-free', event);
      continue;
    }
    if (event.event === 'port still held') {
      add(awaiting('port-held') ?? current ?? harnessLane(), 'port-held', event);
      continue;
    }
    if (event.event === 'gateway process exited' || event.event === 'gateway process exit observed') {
      add(awaiting('exit') ?? current ?? harnessLane(), 'exit', event);
      continue;
    }
    const owner = ownerByRole(lanes, event);
    if (owner) {
      const suffix = event.event.slice(owner.role.length + 1);
      add(owner, SUFFIX_KIND.find(([pattern]) => pattern.test(suffix))?.[1] ?? 'info', event);
      continue;
    }
    // Occupiers, host-wide locks, waits: the harness's own doing.
    if (/^occupier |^took the host-wide lock|^waiting for /.test(event.event) || !current) {
      add(harnessLane(), 'info', event);
      continue;
    }
    // A role the spawn did not use (`candidate exited` of `candidate (bind fails with EACCES)`): the last process told of.
    const lastWord = event.event.slice(event.event.lastIndexOf(' ') + 1);
    add(current, SUFFIX_KIND.find(([pattern]) => pattern.test(lastWord))?.[1] ?? 'info', event);
  }

  // The tracer's binds: milliseconds after their process's spawn.
  for (const lane of lanes) {
    if (lane.spawnMs === undefined) continue;
    for (const bind of lane.process?.binds ?? []) {
      lane.marks.push({
        kind: bind.ok ? 'bind-ok' : 'bind-failed',
        tMs: Math.round((lane.spawnMs + bind.tMs) * 10) / 10,
        label: `bind ${bind.address}: ${bind.ok ? 'ok' : (bind.errno ?? 'failed')} (pid ${bind.pid})`,
      });
    }
    lane.marks.sort((a, b) => a.tMs - b.tMs);
  }
  const endMs = Math.max(0, ...lanes.flatMap((l) => l.marks.map((m) => m.tMs)));
  return { lanes, endMs };
}

/**
 * The lane an event names by its role (`candidate #1 ready`): the longest role that prefixes it;
 * among lanes of that role, the one on the port the detail names, else the latest spawned one
 * that has not exited.
 */
function ownerByRole(lanes: Lane[], event: TimelineEvent): Lane | undefined {
  const candidates = lanes.filter((l) => l.spawnMs !== undefined && l.spawnMs <= event.tMs && event.event.startsWith(`${l.role} `));
  if (candidates.length === 0) return undefined;
  const longest = Math.max(...candidates.map((l) => l.role.length));
  const sameRole = candidates.filter((l) => l.role.length === longest);
  const ports = [...(event.detail ?? '').matchAll(/:(\d+)\b/g)].map((m) => Number(m[1]));
  const onPort = sameRole.filter((l) => l.port !== undefined && ports.includes(l.port));
  const open = (onPort.length > 0 ? onPort : sameRole).filter((l) => !l.marks.some((m) => m.kind === 'exit'));
  return (open.length > 0 ? open : onPort.length > 0 ? onPort : sameRole).at(-1);
}

/** When a lane's process ended on the timeline: its exit mark, if one was seen. */
export const exitMark = (lane: Lane): LaneMark | undefined => lane.marks.find((m) => m.kind === 'exit');
