/**
 * The readiness decision (harness/judge/settling.ts) on synthetic demand series: the shapes real
 * gateways show after LISTEN, sampled the way waitReady samples them (every window/5 ms, late by a
 * little), with the decision asked after every sample as waitReady asks it.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { FALL_TOLERANCE, MIN_SLEEPING, STEADY_CEILING, settling, steadySpanMs, type DemandPoint, type Settling } from '../harness/judge/settling.js';

/** A seeded generator, so a failing series can be replayed. */
function random(seed: number): () => number {
  let s = seed >>> 0;
  return () => {
    s = (s + 0x6d2b79f5) >>> 0;
    let t = s;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

interface Shape {
  /** Cumulative demand at time t (ms since LISTEN). */
  demand(t: number): number;
  /** Whether a thread is runnable at time t. */
  runnable(t: number): boolean;
  /** Cumulative CPU time at t, where it is not all of the demand (run-queue wait). */
  cpu?(t: number): number;
}

/**
 * A demand rate (share of a CPU) as a function of time, integrated in 1 ms steps; at a reading a
 * thread is runnable with the probability of its share.
 */
function rate(share: (t: number) => number, untilMs: number, seed = 5): Shape {
  const cumulative = [0];
  for (let t = 0; t < untilMs + 2000; t++) cumulative.push(cumulative[t]! + share(t + 0.5));
  const next = random(seed);
  return {
    demand: (t) => {
      const i = Math.floor(t);
      return cumulative[i]! + (cumulative[i + 1]! - cumulative[i]!) * (t - i);
    },
    runnable: (t) => next() < share(t),
  };
}

/** Bursts of `burstMs` every `periodMs`, each start late by up to `jitterMs`. */
function poller(burstMs: number, periodMs: number, jitterMs: number, untilMs: number, seed = 1): Shape {
  const next = random(seed);
  const starts: number[] = [];
  for (let t = 0; t < untilMs + 2000; t += periodMs) starts.push(t + next() * jitterMs);
  return {
    demand: (t) => starts.reduce((sum, s) => sum + Math.min(burstMs, Math.max(0, t - s)), 0),
    runnable: (t) => starts.some((s) => t >= s && t < s + burstMs),
  };
}

/** Readings every `everyMs`, each late by up to a fifth of it, from t = 0 to `untilMs`. */
function sampled(shape: Shape, everyMs: number, untilMs: number, seed = 2): DemandPoint[] {
  const next = random(seed);
  const points: DemandPoint[] = [];
  for (let t = 0; t <= untilMs; t += everyMs + next() * everyMs * 0.2) points.push({ at: t, demandMs: shape.demand(t), cpuMs: (shape.cpu ?? shape.demand)(t), lostThreads: false, runnable: shape.runnable(t) });
  return points;
}

/** The first decision that is not 'busy', asking after every reading as waitReady does. */
function firstSettled(points: DemandPoint[], windowMs: number): { at: number; settled: Exclude<Settling, { route: 'busy' }> } | undefined {
  for (let i = 2; i <= points.length; i++) {
    const settled = settling(points.slice(0, i), windowMs);
    if (settled.route !== 'busy') return { at: points[i - 1]!.at, settled };
  }
  return undefined;
}

const WINDOW = 50; // a gateway that listens within half a second: the smallest quiet window
const EVERY = WINDOW / 5;

test('a quiet series takes the quiet route once a window has passed', () => {
  const points = sampled(rate(() => 0.01, 2000), EVERY, 2000);
  const first = firstSettled(points, WINDOW);
  assert.equal(first?.settled.route, 'quiet');
  assert.ok(first.at >= WINDOW && first.at < WINDOW + 3 * EVERY, `quiet at ${first.at} ms`);
});

test('a steady 15% poller is steady within a few hundred ms, though no single sample says so', () => {
  // 3 ms of work every 20 ms, each late by up to 8 ms: a 10 ms sample reads 0%, 30% or more.
  const until = 3000;
  const points = sampled(poller(3, 20, 8, until), EVERY, until);
  const shares = points.slice(1).map((p, i) => (p.demandMs - points[i]!.demandMs) / (p.at - points[i]!.at));
  assert.ok(Math.min(...shares) < 0.05 && Math.max(...shares) > 0.25, `samples read ${Math.min(...shares)}..${Math.max(...shares)}`);
  const first = firstSettled(points, WINDOW);
  assert.equal(first?.settled.route, 'steady');
  assert.ok(first.at <= 3 * steadySpanMs(WINDOW) + 4 * EVERY, `steady at ${first.at} ms`);
  assert.ok(first.settled.route === 'steady' && Math.abs(first.settled.share - 0.15) < 0.03, `level ${JSON.stringify(first.settled)}`);
  // Several seeds: the jitter never keeps it from being steady well under a second.
  for (let seed = 3; seed < 23; seed++) {
    const other = firstSettled(sampled(poller(3, 20, 8, until, seed), EVERY, until, seed + 100), WINDOW);
    assert.ok(other && other.settled.route === 'steady' && other.at < 700, `seed ${seed}: ${JSON.stringify(other)}`);
  }
});

test('a coarse poller (10 ms every 100 ms, read 0% or 50% in 20 ms samples) is steady at a larger scale', () => {
  const window = 100;
  const until = 5000;
  const points = sampled(poller(10, 100, 10, until), window / 5, until);
  const first = firstSettled(points, window);
  assert.equal(first?.settled.route, 'steady');
  assert.ok(first.at < 3000, `steady at ${first.at} ms`);
  assert.ok(first.settled.route === 'steady' && Math.abs(first.settled.share - 0.1) < 0.03, `level ${JSON.stringify(first.settled)}`);
});

test('on a loaded host a poller is steady by its work, though its run-queue wait varies', () => {
  // 3 ms of work every 20 ms; each burst also waits for a CPU, 10-45% of the time by 50 ms block
  // (other processes come and go): the demand per 100 ms span varies by far more than 5%.
  const until = 3000;
  const work = poller(3, 20, 8, until, 17);
  const next = random(19);
  const waits = Array.from({ length: until / 50 + 50 }, () => 0.1 + 0.35 * next());
  const wait = rate((t) => waits[Math.floor(t / 50)]!, until);
  const shape: Shape = { demand: (t) => work.demand(t) + wait.demand(t), cpu: work.demand, runnable: (t) => work.runnable(t) || wait.runnable(t) };
  const points = sampled(shape, EVERY, until);
  const first = firstSettled(points, WINDOW);
  assert.ok(first && first.settled.route === 'steady', JSON.stringify(first));
  assert.ok(first.at < 1500, `steady at ${first.at} ms`);
  assert.ok(Math.abs(first.settled.share - 0.15) < 0.03 && first.settled.demandShare > 0.3, `level ${JSON.stringify(first.settled)}`);
  // By demand alone (no CPU time in the readings) it is steady later, if at all.
  const byDemand = firstSettled(points.map(({ cpuMs: _, ...p }) => p), WINDOW);
  assert.ok(byDemand === undefined || byDemand.at > first.at, `by demand: ${JSON.stringify(byDemand)}`);
});

test('a loading series (a CPU, then falling) is not settled before it stops falling', () => {
  // 1.5 s loading at a whole CPU, then falling to 12% over a second, then a steady poller.
  const window = 150;
  const until = 6000;
  const load = rate((t) => (t < 1500 ? 1 : t < 2500 ? 1 - (0.88 * (t - 1500)) / 1000 : 0.12), until);
  const jitter = poller(2, 20, 6, until);
  // The poller's bursts on top of the falling load's tail: 10% of them, the rest is the load.
  const shape: Shape = {
    demand: (t) => load.demand(t) + (t > 2500 ? jitter.demand(t) - jitter.demand(2500) - 0.1 * (t - 2500) : 0),
    runnable: (t) => (t > 2500 ? jitter.runnable(t) : load.runnable(t)),
  };
  const first = firstSettled(sampled(shape, window / 5, until), window);
  assert.ok(first, 'settled at all');
  assert.equal(first.settled.route, 'steady');
  assert.ok(first.at >= 2500, `settled at ${first.at} ms, while still falling`);
  assert.ok(first.at < 2500 + 3 * steadySpanMs(window) + 500, `settled only at ${first.at} ms`);
});

test('a starved series (about a whole CPU of demand, steady) is never settled', () => {
  // A gateway starved on a loaded host: it runs half the time and waits the rest, 90-100%.
  const next = random(7);
  const noise = Array.from({ length: 12_000 }, () => 0.9 + 0.1 * next());
  const points = sampled(rate((t) => noise[Math.floor(t)]!, 10_000), EVERY, 10_000);
  assert.equal(firstSettled(points, WINDOW), undefined);
  // Its CPU time is whatever the host leaves it, here a steady third of a CPU: the demand and the
  // run state still say starved.
  const starved: Shape = { demand: (t) => 0.97 * t, cpu: (t) => t / 3, runnable: () => true };
  assert.equal(firstSettled(sampled(starved, EVERY, 10_000), WINDOW), undefined);
  // Nor a level just above the ceiling, on demand alone (no run states read).
  const above = sampled(rate(() => STEADY_CEILING + 0.05, 5000), EVERY, 5000).map(({ runnable: _, ...p }) => p);
  assert.equal(firstSettled(above, WINDOW), undefined);
});

test('a family runnable at almost every reading is not steady, whatever its demand reads', () => {
  // The scheduler accounts a run-queue wait when it ends: a starved thread's demand can read low
  // over a span while it waits. Its run state says it wants a CPU; background work sleeps.
  // Asleep at one reading in `every`, runnable at the others, at a steady 40% of demand.
  const level = (every: number): Shape => ({ demand: (t) => 0.4 * t, runnable: (t) => Math.floor(t / EVERY) % every !== 0 });
  assert.equal(firstSettled(sampled(level(20), EVERY, 3000), WINDOW), undefined);
  assert.ok(1 / 6 < MIN_SLEEPING);
  assert.equal(firstSettled(sampled(level(6), EVERY, 3000), WINDOW), undefined);
  assert.equal(firstSettled(sampled(level(2), EVERY, 3000), WINDOW)?.settled.route, 'steady');
  // Without run states (a meter that does not read them) the demand alone decides.
  const blind = sampled(level(20), EVERY, 3000).map(({ runnable: _, ...p }) => p);
  assert.equal(firstSettled(blind, WINDOW)?.settled.route, 'steady');
});

test('a series that keeps falling slowly is not settled while it falls', () => {
  // From 45% to 5% of a CPU over 2 s: 0.4% per 20 ms sample, below the samples' noise, but
  // 3 spans of 100 ms fall by 4%, more than FALL_TOLERANCE.
  const window = 100;
  const falling = (t: number) => (t < 2000 ? 0.45 - (0.4 * t) / 2000 : 0.05);
  assert.ok((0.4 / 2000) * 2 * steadySpanMs(window) >= 1.5 * FALL_TOLERANCE);
  const next = random(11);
  const noise = Array.from({ length: 6000 }, () => 0.02 * (next() - 0.5));
  const points = sampled(rate((t) => falling(t) + noise[Math.floor(t)]!, 4000), window / 5, 4000);
  const first = firstSettled(points, window);
  assert.ok(first === undefined || first.at >= 2000, `settled at ${first?.at} ms: ${JSON.stringify(first?.settled)}`);
});

test('an interval in which a thread ended is neither quiet nor steady: the series restarts after it', () => {
  const points = sampled(rate(() => 0.01, 1200), EVERY, 1200);
  const at = points.findIndex((p) => p.at >= 970);
  points[at] = { ...points[at]!, lostThreads: true };
  assert.equal(settling(points.slice(0, at + 1), WINDOW).route, 'busy');
  assert.equal(settling(points.filter((p) => p.at <= 1000), WINDOW).route, 'busy', 'less than a window since the lost thread');
  assert.equal(settling(points, WINDOW).route, 'quiet', 'a window after it');
});
