/** BIND and ISOLATION observation plans: gateways started on free ports, and on the default port. */
import type { StartSeen, StartStep, SideBySide, UpgradeSeen } from '../judge/bind.js';
import type { Step } from '../judge/judgement.js';
import { TCP_STATE_NAMES, commandLine, holdersOf, listenSocketsOnPort, tcpSocketsOnPort, type ListenSocket } from '../observe/procfs.js';
import { portHolders, portState, tcpConnect, upgradeWithin, websocketUpgrade } from '../observe/probes.js';
import { withoutPortOption } from '../run/argv.js';
import type { CheckContext, Profile, StartedCandidate } from '../run/context.js';
import { WAITS } from '../run/options.js';
import { DEFAULT_GATEWAY_PORT, waitForDefaultPort } from '../run/ports.js';
import { now, sleep } from '../run/time.js';
import type { Scenario } from './check.js';

/** What was seen of a started gateway: its times and LISTEN addresses once ready. */
export function startSeen(candidate: StartedCandidate, port: number): StartSeen {
  return {
    port,
    listenMs: candidate.listening.at - candidate.spawnedAt,
    readyMs: candidate.ready.at - candidate.listening.at,
    readiness: candidate.ready.method,
    addresses: candidate.listening.sockets.map((s) => s.address),
  };
}

const upgradeSeen = (u: { ok: boolean; status?: number; error?: string }): UpgradeSeen => ({
  ok: u.ok,
  ...(u.status !== undefined ? { status: u.status } : {}),
  ...(u.error !== undefined ? { error: u.error } : {}),
});

export interface ServeObservation {
  /** The first gateway: BIND-1, -3 and -4 are judged on it, and it is ISOLATION-1's instance 1. */
  first?: StartStep;
  /** ISOLATION-1's instance 2, on a second port, started while the first runs. */
  second?: Step<{ port: number }>;
  sideBySide?: SideBySide;
}

/** Listening hosts a connection to 127.0.0.1 reaches ([::] unless the socket is IPv6-only; v4-mapped forms). */
const ACCEPTS_IPV4_LOOPBACK = new Set(['127.0.0.1', '0.0.0.0', '::', '::ffff:127.0.0.1', '::ffff:0.0.0.0']);

/** The checks a first gateway on a free port serves before any conflict (BIND-1, -3, -4, ISOLATION-1). */
export const SERVE_CHECKS = ['BIND-1', 'BIND-3', 'BIND-4', 'ISOLATION-1'] as const;

/**
 * What a started first gateway is asked, in this order, for its dependents: a TCP connect
 * (BIND-1, BIND-4; one round trip, so that listeners opened right after the first exist too),
 * the LISTEN sockets of its processes (BIND-4), a WebSocket upgrade (BIND-3).
 */
export async function serveSteps(ctx: CheckContext, first: StartedCandidate, port: number, needs: { has(id: string): boolean }): Promise<StartSeen> {
  const seen = startSeen(first, port);
  if (needs.has('BIND-1') || needs.has('BIND-4')) seen.connected = await tcpConnect(port, ctx.wait(WAITS.connectMs));
  if (needs.has('BIND-4')) seen.holders = ctx.listeners(first, port);
  if (needs.has('BIND-3')) {
    // The retry is for a gateway that attaches its WebSocket server after it binds. Once no
    // socket on P takes a connection to 127.0.0.1 (a gateway on [::1] only), none will answer.
    const unreachable = () => !listenSocketsOnPort(port).some((s) => ACCEPTS_IPV4_LOOPBACK.has(s.host));
    const upgrade = await upgradeWithin(port, ctx.wait(WAITS.connectMs), { giveUp: unreachable });
    ctx.event('upgrade answered', upgrade.status ? `HTTP ${upgrade.status}` : upgrade.error);
    seen.upgrade = upgradeSeen(upgrade);
  }
  return seen;
}

/**
 * ISOLATION-1: a second gateway started with a fresh profile on another port while the first
 * runs; then both are read (still listening, upgrade answered). Returns instance 2, still
 * running (the caller ends it, or uses it as a started gateway on a free port).
 */
export async function sideBySide(
  ctx: CheckContext,
  first: StartedCandidate,
  port: number,
  observation: ServeObservation,
): Promise<{ candidate: StartedCandidate; profile: Profile } | undefined> {
  const other = await ctx.profile();
  let second: StartedCandidate | undefined;
  observation.second = await ctx.attempt(async () => {
    second = await ctx.start(other, 'instance 2');
    return { port: other.port };
  });
  if (!second) return undefined;
  const instances: SideBySide['instances'] = [];
  for (const [candidate, p] of [[first, port], [second, other.port]] as const) {
    const inodes = candidate.listening.inodes;
    const stillListening = listenSocketsOnPort(p).some((s) => inodes.includes(s.inode));
    const upgrade = await websocketUpgrade(p, ctx.wait(WAITS.connectMs));
    instances.push({ port: p, stillListening, upgrade: upgradeSeen(upgrade) });
  }
  observation.sideBySide = { instances };
  return { candidate: second, profile: other };
}

/** The kernel keeps TIME_WAIT sockets for 60 s. */
const TIME_WAIT_CLEAR_MS = 65_000;

/**
 * Waits until no socket has `port` as its local port; records on the timeline what it waited for.
 * Returns the sockets still there when the budget ran out (none: the port is clear).
 */
async function noSocketsWithin(ctx: CheckContext, port: number, budgetMs: number): Promise<ListenSocket[]> {
  const started = now();
  let sockets = tcpSocketsOnPort(port);
  if (sockets.length === 0) return [];
  ctx.event(`waiting for ${sockets.length} socket(s) on port ${port} to go`, describeSockets(sockets));
  while (sockets.length > 0) {
    if (now() - started >= budgetMs) return sockets;
    await sleep(250);
    sockets = tcpSocketsOnPort(port);
  }
  ctx.event(`sockets on port ${port} gone`, `after ${Math.round(now() - started)} ms`);
  return [];
}

/**
 * What holds port sockets, by state and owner, as found: "1 LISTEN (pid 42: node daemon.js),
 * 3 TIME_WAIT (no process: connections that ended)".
 */
export function describeSockets(sockets: ListenSocket[]): string {
  const owners = holdersOf(sockets.map((s) => s.inode).filter((inode) => inode > 0));
  const ownersOf = (inode: number) => [...owners].filter(([, inodes]) => inodes.includes(inode)).map(([pid]) => pid);
  const byState = new Map<string, ListenSocket[]>();
  for (const s of sockets) {
    const name = TCP_STATE_NAMES[s.state] ?? s.state;
    byState.set(name, [...(byState.get(name) ?? []), s]);
  }
  return [...byState]
    .map(([state, list]) => {
      const pids = [...new Set(list.flatMap((s) => ownersOf(s.inode)))];
      const who =
        pids.length > 0
          ? pids.map((pid) => `pid ${pid}: ${commandLine(pid) || '?'}`).join('; ')
          : state === 'TIME_WAIT'
            ? 'no process: connections that ended'
            : 'no visible process';
      return `${list.length} ${state} (${who})`;
    })
    .join(', ');
}

export interface DefaultPortObservation {
  /** Why BIND-2 cannot be judged on this host. */
  unavailable?: string;
  start?: StartStep;
}

/**
 * The candidate started without its port option on 18789, once this run holds the host-wide
 * BIND-2 lock and the port is free (else `unavailable` says why).
 */
export const defaultPort: Scenario<DefaultPortObservation> = {
  name: 'default port',
  weight: 1,
  warmsUp: true,
  exclusive: true,
  async observe(ctx) {
    const argv = withoutPortOption(ctx.options.command);
    if (!argv) return { unavailable: 'the command uses {port} other than as a --port option: no command without a port can be formed' };
    // Parallel harness runs on one host take turns on the default port.
    const lockBudget = TIME_WAIT_CLEAR_MS + 2 * (ctx.options.startupBudgetMs + ctx.options.exitBudgetMs);
    const asked = now();
    const lock = await waitForDefaultPort(lockBudget);
    if (lock && now() - asked > 100) ctx.event(`took the host-wide lock on port ${DEFAULT_GATEWAY_PORT}`, `after ${Math.round(now() - asked)} ms`);
    if (!lock) return { unavailable: `another harness run on this host kept port ${DEFAULT_GATEWAY_PORT} for ${lockBudget} ms` };
    ctx.atCleanup(() => lock.release());
    // Connections that ended on the port leave TIME_WAIT sockets for up to 60 s; a gateway
    // without SO_REUSEADDR could not bind over them, which would not be its fault.
    const left = await noSocketsWithin(ctx, DEFAULT_GATEWAY_PORT, TIME_WAIT_CLEAR_MS);
    if (left.length > 0) {
      ctx.recordHolders(portHolders(DEFAULT_GATEWAY_PORT));
      return { unavailable: `port ${DEFAULT_GATEWAY_PORT} still had sockets after ${TIME_WAIT_CLEAR_MS} ms: ${describeSockets(left)}` };
    }
    const state = await portState(DEFAULT_GATEWAY_PORT);
    if (!state.free) {
      ctx.recordHolders(state.listeners);
      const holder = state.listeners[0];
      return { unavailable: `port ${DEFAULT_GATEWAY_PORT} is not free on this host${holder ? ` (held by pid ${holder.pid}: ${holder.cmdline})` : ''}` };
    }
    const profile = await ctx.profile(DEFAULT_GATEWAY_PORT);
    ctx.note(`started without the port option: ${argv.join(' ')}`);
    const start = await ctx.attempt(async () => {
      const candidate = await ctx.start(profile, 'candidate', { argv, withoutPortEnv: true });
      return { ...startSeen(candidate, DEFAULT_GATEWAY_PORT), connected: await tcpConnect(DEFAULT_GATEWAY_PORT, ctx.wait(WAITS.connectMs)) };
    });
    return { start };
  },
};
