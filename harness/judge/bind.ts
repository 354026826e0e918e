/** BIND and ISOLATION criteria: pure functions over what was seen of started gateways. */
import type { PortHolder } from '../report.js';
import { failed, fail, pass, undecided, type Judgement, type JudgeSettings, type Step } from './judgement.js';
import { clearlyWithin, fixedCountOpen } from './sequential.js';
import { summarize } from './stats.js';
import type { CrashObservation } from './crash.js';
import type { StopObservation } from './shutdown.js';

/** Loopback: 127.0.0.0/8, ::1 and IPv4-mapped ::ffff:127.0.0.0/104. */
export function isLoopbackHost(host: string): boolean {
  return host.startsWith('127.') || host === '::1' || host.startsWith('::ffff:127.');
}

/** A listener on one of these serves a connect to 127.0.0.1:P. */
const coversLoopback = (host: string): boolean => host === '127.0.0.1' || host === '0.0.0.0' || host === '::';

export function hostOf(address: string): string {
  return address.startsWith('[') ? address.slice(1, address.indexOf(']')) : address.slice(0, address.lastIndexOf(':'));
}

export interface UpgradeSeen {
  ok: boolean;
  status?: number;
  error?: string;
}

/** A gateway started on a free port with a fresh profile, and what was asked of it. */
export interface StartSeen {
  port: number;
  /** Spawn to LISTEN and LISTEN to ready, ms. */
  listenMs: number;
  readyMs: number;
  readiness: string;
  /** Its LISTEN sockets on P once it was ready, as `host:port` / `[host]:port`. */
  addresses: string[];
  /** The result of one TCP connect to 127.0.0.1:P (BIND-1, BIND-2, BIND-4). */
  connected?: boolean;
  /** One WebSocket upgrade of ws://127.0.0.1:P/ (BIND-3). */
  upgrade?: UpgradeSeen;
  /** LISTEN sockets on P held by its processes after the connect (BIND-4). */
  holders?: PortHolder[];
}

export type StartStep = Step<StartSeen>;

/**
 * BIND-1 and BIND-2: "a candidate process listens on 127.0.0.1:P or on a wildcard address
 * (0.0.0.0:P, [::]:P) and the TCP connection to 127.0.0.1:P succeeds. Fail when the candidate
 * never listens, exits, daemonises, listens on 18789 instead, or listens only on addresses that
 * do not serve 127.0.0.1:P".
 */
export function judgeLoopbackListener(start: StartStep | undefined): Judgement {
  if (!start) return undecided();
  if (!start.ok) return failed(start.failure);
  const addresses = start.addresses.join(', ');
  const measurements = { startup: start.listenMs, ready: start.readyMs };
  if (!start.addresses.some((a) => coversLoopback(hostOf(a)))) {
    return fail(`listens on ${addresses}, not on 127.0.0.1:${start.port}`, { expected: `LISTEN on 127.0.0.1:${start.port}`, actual: addresses }, measurements);
  }
  if (start.connected === undefined) return undecided();
  if (!start.connected) return fail(`LISTEN on ${addresses} but a connect to 127.0.0.1:${start.port} failed`, {}, measurements);
  return pass(`listening on ${addresses}`, measurements);
}

/** BIND-3: "Pass when the upgrade is answered 101 Switching Protocols and the handshake completes." */
export function judgeUpgrade(start: StartStep | undefined): Judgement {
  if (!start) return undecided();
  if (!start.ok) return failed(start.failure);
  if (!start.upgrade) return undecided();
  if (!start.upgrade.ok) {
    return fail(`the WebSocket upgrade to ws://127.0.0.1:${start.port}/ failed: ${start.upgrade.error}`, {
      expected: 'HTTP 101 Switching Protocols',
      actual: start.upgrade.status ? `HTTP ${start.upgrade.status}` : (start.upgrade.error ?? 'no answer'),
    });
  }
  return pass(`ws://127.0.0.1:${start.port}/ answered 101`);
}

/** One listing of the gateway's LISTEN sockets on P after the first (BIND-4): when, and what. */
export interface ListenerListing {
  /** When it was taken, for the message: "before SIGTERM (trial 2)", "at SIGKILL". */
  when: string;
  holders: PortHolder[];
}

/** Every later listing the stop trials and crashes made, in the order they name them. */
export function laterListings(stops: StopObservation[], crashes: CrashObservation | undefined): ListenerListing[] {
  const listings: ListenerListing[] = [];
  for (const stop of stops) {
    for (const t of stop.trials) if (t.listeners) listings.push({ when: `before ${stop.signal}${t.clients ? ' with clients' : ''} (trial ${t.trial})`, holders: t.listeners });
  }
  for (const p of crashes?.phases ?? []) if (p.listeners) listings.push({ when: `at ${p.signal}`, holders: p.listeners });
  return listings;
}

/**
 * BIND-4: "Pass when every listed socket has a loopback address. A [::1]:P alias passes and is
 * reported." Listed: every LISTEN socket on P held by candidate processes, after one connect
 * once started, and again wherever the scenarios observe a running gateway (before each signal,
 * at each crash, with their clients connected): a listener opened late is judged too.
 */
export function judgeLoopbackOnly(start: StartStep | undefined, later: ListenerListing[] = []): Judgement {
  if (!start) return undecided();
  if (!start.ok) return failed(start.failure);
  if (!start.holders) return undecided();
  const listings: ListenerListing[] = [{ when: 'once started', holders: start.holders }, ...later];
  const exposures = listings.flatMap((l) => {
    const exposed = [...new Set(l.holders.filter((h) => !isLoopbackHost(hostOf(h.address))).map((h) => h.address))];
    return exposed.length > 0 ? [`${exposed.join(', ')} (${l.when})`] : [];
  });
  const listed = [...new Set(listings.flatMap((l) => l.holders.map((h) => h.address)))];
  // Each listing may be another start on another port: the hosts say what it listens on.
  const hosts = [...new Set(listings.flatMap((l) => l.holders.map((h) => hostOf(h.address))))].map((host) => (host.includes(':') ? `[${host}]:P` : `${host}:P`));
  if (exposures.length > 0) {
    return fail(`the control port is exposed on ${exposures.join('; ')}`, {
      expected: 'loopback addresses only (127.0.0.0/8, ::1)',
      actual: listed.join(', '),
    });
  }
  const alias = hosts.includes('[::1]:P') ? ' (the [::1] alias is allowed)' : '';
  const times = listings.length > 1 ? `, listed ${listings.length} times (once started, before each signal, at each crash)` : '';
  return pass(`listens on ${hosts.join(', ')} only${alias}${times}`);
}

/** A start's times, or why it was no start. */
export type StartSample = Step<{ listenMs: number; readyMs: number; readiness: string }>;

/**
 * BIND-5: "Pass when every trial's spawn-to-LISTEN is within the startup budget; fail when any
 * trial's exceeds it (a start that never listens within the ceiling fails as in BIND-1)."
 * Undecided until --trials starts were sampled.
 */
export function judgeStartupTime(samples: StartSample[], settings: JudgeSettings): Judgement {
  const failure = samples.find((s) => !s.ok);
  if (failure && !failure.ok) return failed(failure.failure);
  const ok = samples.filter((s): s is Extract<StartSample, { ok: true }> => s.ok);
  const listen = ok.map((s) => s.listenMs);
  const measurements = { ...summarize('startup', listen), ...summarize('ready', ok.map((s) => s.readyMs)) };
  if (fixedCountOpen(ok.length, settings)) return undecided(measurements);
  const slow = listen.filter((ms) => ms > settings.startupBudgetMs);
  // One slow start decides a fail; a pass needs every trial, or a clear majority (sequential.ts).
  if (slow.length === 0 && ok.length < settings.trials && !clearlyWithin(listen, settings.startupBudgetMs, settings)) return undecided(measurements);
  const methods = [...new Set(ok.map((s) => s.readiness))].join(', ');
  const readiness = `LISTEN to ready p50 ${measurements['ready.p50']} ms, max ${measurements['ready.max']} ms (${methods})`;
  if (slow.length > 0) {
    return fail(
      `${slow.length} of ${listen.length} starts listened after the startup budget of ${settings.startupBudgetMs} ms (max ${measurements['startup.max']} ms); ${readiness}`,
      { expected: `spawn to LISTEN <= ${settings.startupBudgetMs} ms on every start`, actual: listen.map((ms) => `${Math.round(ms)} ms`).join(', ') },
      measurements,
    );
  }
  return pass(`spawn to LISTEN p50 ${measurements['startup.p50']} ms, max ${measurements['startup.max']} ms over ${listen.length} starts; ${readiness}`, measurements);
}

/** Two instances side by side: what each showed while both ran. */
export interface SideBySide {
  instances: { port: number; stillListening: boolean; upgrade: UpgradeSeen }[];
}

/**
 * ISOLATION-1: "Pass when both instances listen within the startup ceiling, instance 1 is still
 * listening when instance 2 listens, and both answer the upgrade with 101 while both are running."
 */
export function judgeSideBySide(first: StartStep | undefined, second: Step<{ port: number }> | undefined, both: SideBySide | undefined): Judgement {
  if (!first) return undecided();
  if (!first.ok) return failed({ ...first.failure, message: `instance 1: ${first.failure.message}` });
  if (!second) return undecided();
  if (!second.ok) return failed(second.failure);
  if (!both) return undecided();
  const problems: string[] = [];
  for (const [i, seen] of both.instances.entries()) {
    if (!seen.stillListening) problems.push(`instance ${i + 1} stopped listening on ${seen.port}`);
    if (!seen.upgrade.ok) problems.push(`instance ${i + 1} on ${seen.port} did not answer the upgrade: ${seen.upgrade.error}`);
  }
  if (problems.length > 0) return fail(problems.join('; '));
  return pass(`both instances listen and answer on ${both.instances.map((s) => s.port).join(' and ')}`);
}
