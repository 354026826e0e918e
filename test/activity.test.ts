/**
 * The scheduler-based activity measures behind readiness and CONFLICT-3's waiting time, on real
 * processes: a busy process is busy, a sleeping one is idle, and a process starved of CPU by
 * others still counts as busy (run-queue wait), which CPU time alone would not show.
 */
import assert from 'node:assert/strict';
import { spawn, type ChildProcess } from 'node:child_process';
import { after, test } from 'node:test';
import { ActivityMeter, IdleClock, isQuiet } from '../harness/observe/activity.js';
import { quietWindowMs } from '../harness/run/readiness.js';
import { sleep } from '../harness/run/time.js';

const started: ChildProcess[] = [];
after(() => {
  for (const child of started) child.kill('SIGKILL');
});

function node(script: string): ChildProcess {
  const child = spawn(process.execPath, ['-e', script], { stdio: 'ignore' });
  started.push(child);
  return child;
}

const BUSY = 'for (;;) {}';
const SLEEPING = 'setInterval(() => {}, 1 << 30)';

async function share(pid: number, ms: number): Promise<number> {
  const meter = new ActivityMeter();
  meter.sample([pid]);
  await sleep(ms);
  const sample = meter.sample([pid])!;
  return sample.demandMs / sample.intervalMs;
}

test('a spinning process wants a whole CPU, a sleeping one none', async () => {
  const busy = node(BUSY);
  const idle = node(SLEEPING);
  await sleep(300); // past node's own startup
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
  for (const s of spinners) s.kill('SIGKILL');
});

test('the idle clock counts a sleep and not a busy stretch', async () => {
  // 600 ms of work, then 800 ms of sleep: the idle time is near 800 ms, never the whole 1.4 s.
  const child = node('const end = Date.now() + 600; while (Date.now() < end) {} setTimeout(() => process.exit(0), 800)');
  const clock = new IdleClock();
  const deadline = performance.now() + 1300;
  while (performance.now() < deadline) {
    clock.sample([child.pid!]);
    await sleep(50);
  }
  assert.ok(clock.idleMs > 400 && clock.idleMs < 1000, `idle ${clock.idleMs} ms`);
});

test('the quiet window follows the candidate\'s own startup time, within bounds', () => {
  assert.equal(quietWindowMs(150), 50);
  assert.equal(quietWindowMs(800), 80);
  assert.equal(quietWindowMs(4600), 460);
  assert.equal(quietWindowMs(25_000), 1000);
});
