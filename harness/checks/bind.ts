/** BIND: the lock is the listener. */
import { TCP_STATE_NAMES, commandLine, holdersOf, isLoopbackHost, tcpSocketsOnPort, type ListenSocket } from '../observe/procfs.js';
import { portHolders, portState, tcpConnect, upgradeWithin } from '../observe/probes.js';
import { withoutPortOption } from '../run/argv.js';
import { WAITS } from '../run/options.js';
import { DEFAULT_GATEWAY_PORT, waitForDefaultPort } from '../run/ports.js';
import { now, sleep, summarize } from '../run/time.js';
import type { Listening } from '../run/candidate.js';
import type { CheckContext } from '../run/context.js';
import type { Check } from './check.js';

const coversLoopback = (host: string): boolean => host === '127.0.0.1' || host === '0.0.0.0' || host === '::';

/** Passes when the listener covers 127.0.0.1:port and a TCP connect to it succeeds. */
async function expectLoopbackListener(ctx: CheckContext, listening: Listening, port: number): Promise<string> {
  const addresses = listening.sockets.map((s) => s.address).join(', ');
  if (!listening.sockets.some((s) => coversLoopback(s.host))) {
    ctx.fail(`listens on ${addresses}, not on 127.0.0.1:${port}`, {
      expected: `LISTEN on 127.0.0.1:${port}`,
      actual: addresses,
    });
  }
  if (!(await tcpConnect(port, ctx.wait(WAITS.connectMs)))) ctx.fail(`LISTEN on ${addresses} but a connect to 127.0.0.1:${port} failed`);
  return `listening on ${addresses}`;
}

// BIND-1 MUST: With --port P, the gateway listens on TCP 127.0.0.1:P at startup.
const bind1: Check = {
  id: 'BIND-1',
  async run(ctx: CheckContext) {
    const profile = await ctx.profile();
    const candidate = await ctx.start(profile);
    ctx.measure({ startup: candidate.listening.at - candidate.spawnedAt, ready: candidate.ready.at - candidate.listening.at });
    return expectLoopbackListener(ctx, candidate.listening, profile.port);
  },
};

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

// BIND-2 MUST: Without --port, it listens on 127.0.0.1:18789 (skip where 18789 is not free).
const bind2: Check = {
  id: 'BIND-2',
  exclusive: true,
  async run(ctx: CheckContext) {
    const argv = withoutPortOption(ctx.options.command);
    if (!argv) ctx.skip('the command uses {port} other than as a --port option: no command without a port can be formed');
    // Parallel harness runs on one host take turns on the default port.
    const lockBudget = TIME_WAIT_CLEAR_MS + 2 * (ctx.options.startupBudgetMs + ctx.options.exitBudgetMs);
    const asked = now();
    const lock = await waitForDefaultPort(lockBudget);
    if (lock && now() - asked > 100) ctx.event(`took the host-wide lock on port ${DEFAULT_GATEWAY_PORT}`, `after ${Math.round(now() - asked)} ms`);
    if (!lock) ctx.skip(`another harness run on this host kept port ${DEFAULT_GATEWAY_PORT} for ${lockBudget} ms`);
    ctx.atCleanup(() => lock.release());
    // Connections that ended on the port leave TIME_WAIT sockets for up to 60 s; a gateway
    // without SO_REUSEADDR could not bind over them, which would not be its fault.
    const left = await noSocketsWithin(ctx, DEFAULT_GATEWAY_PORT, TIME_WAIT_CLEAR_MS);
    if (left.length > 0) {
      ctx.recordHolders(portHolders(DEFAULT_GATEWAY_PORT));
      ctx.skip(`port ${DEFAULT_GATEWAY_PORT} still had sockets after ${TIME_WAIT_CLEAR_MS} ms: ${describeSockets(left)}`);
    }
    const state = await portState(DEFAULT_GATEWAY_PORT);
    if (!state.free) {
      ctx.recordHolders(state.listeners);
      const holder = state.listeners[0];
      ctx.skip(`port ${DEFAULT_GATEWAY_PORT} is not free on this host${holder ? ` (held by pid ${holder.pid}: ${holder.cmdline})` : ''}`);
    }
    const profile = await ctx.profile(DEFAULT_GATEWAY_PORT);
    ctx.note(`started without the port option: ${argv.join(' ')}`);
    const candidate = await ctx.start(profile, 'candidate', { argv, withoutPortEnv: true });
    return expectLoopbackListener(ctx, candidate.listening, DEFAULT_GATEWAY_PORT);
  },
};

// BIND-3 MUST: The listener is a WebSocket endpoint: an upgrade is answered 101 Switching Protocols.
const bind3: Check = {
  id: 'BIND-3',
  async run(ctx: CheckContext) {
    const profile = await ctx.profile();
    await ctx.start(profile);
    const upgrade = await upgradeWithin(profile.port, ctx.wait(WAITS.connectMs));
    ctx.event('upgrade answered', upgrade.status ? `HTTP ${upgrade.status}` : upgrade.error);
    if (!upgrade.ok) {
      ctx.fail(`the WebSocket upgrade to ws://127.0.0.1:${profile.port}/ failed: ${upgrade.error}`, {
        expected: 'HTTP 101 Switching Protocols',
        actual: upgrade.status ? `HTTP ${upgrade.status}` : (upgrade.error ?? 'no answer'),
      });
    }
    return `ws://127.0.0.1:${profile.port}/ answered 101`;
  },
};

// BIND-4 MUST: Loopback only: nothing of the candidate listens on port P on a non-loopback address.
const bind4: Check = {
  id: 'BIND-4',
  async run(ctx: CheckContext) {
    const profile = await ctx.profile();
    const candidate = await ctx.start(profile);
    // One round trip so that listeners opened right after the first one exist too.
    await tcpConnect(profile.port, ctx.wait(WAITS.connectMs));
    const ownPids = new Set(candidate.family());
    const holders = portHolders(profile.port).filter((h) => ownPids.has(h.pid));
    ctx.recordHolders(holders);
    const exposed = holders.filter((h) => !isLoopbackHost(hostOf(h.address)));
    if (exposed.length > 0) {
      ctx.fail(`the control port is exposed on ${exposed.map((h) => h.address).join(', ')}`, {
        expected: 'loopback addresses only (127.0.0.0/8, ::1)',
        actual: holders.map((h) => h.address).join(', '),
      });
    }
    const aliases = holders.filter((h) => h.address.startsWith('[::1]'));
    if (aliases.length > 0) ctx.note(`also listens on the loopback alias ${aliases[0]!.address}`);
    return `listens on ${[...new Set(holders.map((h) => h.address))].join(', ')} only`;
  },
};

function hostOf(address: string): string {
  return address.startsWith('[') ? address.slice(1, address.indexOf(']')) : address.slice(0, address.lastIndexOf(':'));
}

// BIND-5 SHOULD: Time from spawn to LISTEN, reported as a measurement (p50/max over trials).
const bind5: Check = {
  id: 'BIND-5',
  async run(ctx: CheckContext) {
    const samples: number[] = [];
    const ready: number[] = [];
    const methods = new Set<string>();
    for (let trial = 0; trial < ctx.options.trials; trial++) {
      const profile = await ctx.profile();
      const candidate = await ctx.start(profile, `candidate #${trial + 1}`);
      samples.push(candidate.listening.at - candidate.spawnedAt);
      ready.push(candidate.ready.at - candidate.listening.at);
      methods.add(candidate.ready.method);
      await candidate.kill();
    }
    ctx.measure({ ...summarize('startup', samples), ...summarize('ready', ready) });
    const readiness = `LISTEN to ready p50 ${ctx.measurements['ready.p50']} ms, max ${ctx.measurements['ready.max']} ms (${[...methods].join(', ')})`;
    const slow = samples.filter((ms) => ms > ctx.options.startupBudgetMs);
    if (slow.length > 0) {
      ctx.fail(`${slow.length} of ${samples.length} starts listened after the startup budget of ${ctx.options.startupBudgetMs} ms (max ${ctx.measurements['startup.max']} ms); ${readiness}`, {
        expected: `spawn to LISTEN <= ${ctx.options.startupBudgetMs} ms on every start`,
        actual: samples.map((ms) => `${Math.round(ms)} ms`).join(', '),
      });
    }
    return `spawn to LISTEN p50 ${ctx.measurements['startup.p50']} ms, max ${ctx.measurements['startup.max']} ms over ${samples.length} starts; ${readiness}`;
  },
};

export const bindChecks: Check[] = [bind1, bind2, bind3, bind4, bind5];
