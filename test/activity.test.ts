/**
 * The scheduler-based activity measures behind readiness and CONFLICT-3's waiting time, on real
 * processes: a busy process is busy, a sleeping one is idle, and a process starved of CPU by
 * others still counts as busy (run-queue wait), which CPU time alone would not show. Readiness's
 * decision (judge/settling.ts) fed from the meter: a steady poller settles, a starved one never.
 */
import assert from 'node:assert/strict';
import { spawn, type ChildProcess } from 'node:child_process';
import { after, test } from 'node:test';
import { settling, type DemandPoint, type Settling } from '../harness/judge/settling.js';
import { ActivityMeter, IdleClock, isQuiet } from '../harness/observe/activity.js';
import { quietWindowMs } from '../harness/run/readiness.js';
import { now, sleep } from '../harness/run/time.js';

const started: ChildProcess[] = [];
after(() => {
  for (const child of started) child.kill('SIGKILL');
});

function node(script: string): ChildProcess {
  const child = spawn(process.execPath, ['-e', script], { stdio: 'ignore' });
  started.push(child);
  return child;
}

/**
 * Runs `script` once node's own startup is over: it prints a line first. On a loaded host the
 * startup takes far longer than on an idle one, and it is busy, not idle.
 */
async function nodeStarted(script: string): Promise<ChildProcess> {
  const child = spawn(process.execPath, ['-e', `console.log('started'); ${script}`], { stdio: ['ignore', 'pipe', 'ignore'] });
  started.push(child);
  await new Promise((resolve) => child.stdout!.once('data', resolve));
  return child;
}

const BUSY = 'for (;;) {}';
const SLEEPING = 'setInterval(() => {}, 1 << 30)';
/** 3 ms of work every 20 ms: a background poller at 15% of a CPU. */
const POLLER = 'setInterval(() => { const end = performance.now() + 3; while (performance.now() < end) {} }, 20)';

/** Samples `pid` as waitReady does (every window/5) for `forMs`; the first decision that is not busy. */
async function settles(pid: number, windowMs: number, forMs: number): Promise<{ afterMs: number; settled: Settling } | undefined> {
  const meter = new ActivityMeter({ runState: true });
  const series: DemandPoint[] = [];
  const from = now();
  meter.sample([pid]);
  while (now() - from < forMs) {
    await sleep(windowMs / 5);
    const sample = meter.sample([pid])!;
    if (series.length === 0) series.push({ at: sample.at - sample.intervalMs, demandMs: 0, cpuMs: 0, lostThreads: false });
    const previous = series.at(-1)!;
    series.push({ at: sample.at, demandMs: previous.demandMs + sample.demandMs, cpuMs: previous.cpuMs! + sample.cpuMs, lostThreads: sample.lostThreads, runnable: sample.runnable });
    const settled = settling(series, windowMs);
    if (settled.route !== 'busy') return { afterMs: now() - from, settled };
  }
  return undefined;
}

async function share(pid: number, ms: number): Promise<number> {
  const meter = new ActivityMeter();
  meter.sample([pid]);
  await sleep(ms);
  const sample = meter.sample([pid])!;
  return sample.demandMs / sample.intervalMs;
}

test('a spinning process wants a whole CPU, a sleeping one none', async () => {
  const busy = await nodeStarted(BUSY);
  const idle = await nodeStarted(SLEEPING);
  await sleep(100); // the rest of its first turn of the event loop
  assert.ok((await share(busy.pid!, 300)) > 0.5, 'busy');
  assert.ok((await share(idle.pid!, 300)) < 0.05, 'idle');
});

test('a process starved by more spinners than CPUs still counts as busy', async () => {
  // Twice as many spinners as this machine has CPUs: each gets about half a CPU and waits the rest.
  const { availableParallelism } = await import('node:os');
  const spinners = Array.from({ length: availableParallelism() * 2 }, () => node(BUSY));
  await sleep(300);
  const meter = new ActivityMeter();
  meter.sample([spinners[0]!.pid!]);
  await sleep(400);
  const sample = meter.sample([spinners[0]!.pid!])!;
  assert.equal(isQuiet(sample), false);
  assert.ok(sample.demandMs / sample.intervalMs > 0.8, `demand ${sample.demandMs} ms over ${sample.intervalMs} ms: CPU plus run-queue wait`);
  // Readiness never takes it for settled: neither quiet nor a steady level of background work.
  assert.equal(await settles(spinners[0]!.pid!, 50, 1500), undefined);
  for (const s of spinners) s.kill('SIGKILL');
});

test('a steady poller is settled as steady, at about its level, soon after it starts', async () => {
  const poller = await nodeStarted(POLLER);
  // Generous: a loaded 2-core host delays samples and bursts alike; idle, it takes about 300 ms.
  const first = await settles(poller.pid!, 50, 5000);
  assert.equal(first?.settled.route, 'steady', JSON.stringify(first));
  // Its work is up to 15% (on a loaded host its timer fires late and it does less), its demand
  // more: every burst also waits for a CPU (run-queue wait).
  const level = first.settled.route === 'steady' ? first.settled : undefined;
  assert.ok(level && level.share > 0.03 && level.share < 0.2 && level.demandShare >= level.share, `level ${JSON.stringify(first.settled)}`);
  poller.kill('SIGKILL');
});

test('the idle clock counts a sleep and not a busy stretch', async () => {
  // 600 ms of work, then 800 ms of sleep: the idle time is near 800 ms, never the whole 1.4 s.
  // Timed from the end of node's startup, which on a loaded host is long and busy too.
  const child = await nodeStarted('const end = Date.now() + 600; while (Date.now() < end) {} setTimeout(() => process.exit(0), 800)');
  const clock = new IdleClock();
  const deadline = performance.now() + 1300;
  while (performance.now() < deadline) {
    clock.sample([child.pid!]);
    await sleep(50);
  }
  assert.ok(clock.idleMs > 400 && clock.idleMs < 1000, `idle ${clock.idleMs} ms`);
});

test('the idle clock does not count a starved startup as idle', async () => {
  // A node startup that exits at once (a second instance on a taken port) among twice as many
  // spinners per CPU: it waits for a CPU most of its life, and a wait is accounted only once it
  // ends, so its demand alone read idle for about 40% of its life; its run state says runnable.
  const { availableParallelism } = await import('node:os');
  const spinners = Array.from({ length: availableParallelism() * 4 }, () => node(BUSY));
  await sleep(300);
  const child = node('require("node:http"); process.exit(1)');
  let exited = false;
  child.once('exit', () => (exited = true));
  const clock = new IdleClock();
  const from = performance.now();
  while (!exited) {
    clock.sample([child.pid!]);
    await sleep(5);
  }
  const life = performance.now() - from;
  for (const s of spinners) s.kill('SIGKILL');
  assert.ok(clock.idleMs < 0.25 * life, `idle ${Math.round(clock.idleMs)} ms of ${Math.round(life)} ms`);
});

test('the quiet window follows the candidate\'s own startup time, within bounds', () => {
  assert.equal(quietWindowMs(150), 50);
  assert.equal(quietWindowMs(800), 80);
  assert.equal(quietWindowMs(4600), 460);
  assert.equal(quietWindowMs(25_000), 1000);
});
