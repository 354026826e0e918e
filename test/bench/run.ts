/**
 * Bench: the reference gateway against a bare `node -e` TCP server, both spawned the same way (same
 * node binary, same spawn options: detached, stdin ignored, stdout/stderr piped), interleaved run by
 * run so that load on the machine hits both alike.
 *
 *   npm run bench              (node dist/test/bench/run.js [--runs N], N = 15 by default)
 *
 * After this part it runs the harness bench (./harness.ts: suite wall time serial and with
 * concurrency 2, SHUTDOWN-1 accuracy against a gateway with a known release delay, and the cost
 * of a gateway with a steady 15% background poller against the same gateway without it).
 *
 * Per run it measures:
 * - spawn -> LISTEN: from just before spawn() to the first connect attempt that succeeds. Attempts
 *   go out every ~1 ms (a connect to a closed loopback port is refused at once). The time reported is
 *   when the successful attempt STARTED, so it overestimates by at most one poll interval (~1.1 ms).
 *   Not /proc/net/tcp: one scan costs 2-12 ms on this machine, too coarse for 1 ms. Not a bind probe:
 *   a probe that succeeds holds the port and would make the candidate's own bind fail.
 * - SIGTERM -> port free: from the kill() to the first bind probe (plain listener on 127.0.0.1:P,
 *   closed at once) that succeeds, probes every ~1 ms, again timed at the attempt start.
 * - SIGTERM -> exit: from the kill() to the child's 'exit' event in this process.
 * For the reference gateway with 0 and 100 connected WebSocket clients; the bare server has no
 * WebSocket, so only 0 clients. SIGTERM goes out only once the candidate is ready: the bare server
 * installs its handler before it listens and prints a line; the reference gateway is sent a plain HTTP
 * request first, because it prints its line before it installs its signal handlers (a known bug).
 *
 * The bench measures, it does not gate: PASS/MISS per target, exit 0 either way (1 only when the
 * bench itself could not run). Every process is killed by process group before it exits.
 */
import http from 'node:http';
import net from 'node:net';
import os from 'node:os';
import { performance } from 'node:perf_hooks';
import { setTimeout as sleep } from 'node:timers/promises';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { killAll, killAndWait, spawnProcess, type Exit, type Spawned } from '../helpers/processes.js';
import { connectClients, freePort, isPortFree, type Clients } from '../helpers/net.js';
import { benchHarness } from './harness.js';

const CLI = fileURLToPath(new URL('../../reference-impl/cli.js', import.meta.url));
const BARE_SCRIPT =
  "const port=Number(process.argv[1]);" +
  "const s=require('net').createServer().listen(port,'127.0.0.1',()=>console.log('listening'));" +
  "process.on('SIGTERM',()=>{s.close();process.exit(0)})";
const POLL_MS = 1;
const STEP_TIMEOUT_MS = 15_000;
const CLIENTS = 100;
const TARGET_STARTUP_RATIO = 1.3;
const TARGET_FREE_MS = 10;

interface Candidate {
  name: string;
  argv(port: number): string[];
  ready(spawned: Spawned, port: number): Promise<void>;
}

const reference: Candidate = {
  name: 'reference gateway',
  argv: (port) => [process.execPath, CLI, '--port', String(port)],
  ready: async (spawned, port) => {
    await spawned.waitForLine(/^gateway listening on /, STEP_TIMEOUT_MS);
    const status = await plainGet(port);
    if (status !== 426) throw new Error(`reference gateway answered ${status} to a plain GET, expected 426`);
  },
};

const bare: Candidate = {
  name: 'bare node -e server',
  argv: (port) => [process.execPath, '-e', BARE_SCRIPT, String(port)],
  ready: async (spawned) => {
    await spawned.waitForLine(/^listening$/, STEP_TIMEOUT_MS);
  },
};

interface Sample {
  startupMs: number;
  freeMs: number;
  exitMs: number;
  exit: Exit;
  /** Clients that got close code 1001 (with clients only). */
  goingAway?: number;
}

function plainGet(port: number): Promise<number | undefined> {
  return new Promise((resolve, reject) => {
    const request = http.get({ host: '127.0.0.1', port, path: '/', agent: false }, (response) => {
      response.resume();
      response.on('end', () => resolve(response.statusCode));
    });
    request.setTimeout(STEP_TIMEOUT_MS, () => request.destroy(new Error('plain GET timed out')));
    request.on('error', reject);
  });
}

function connects(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = net.connect({ host: '127.0.0.1', port });
    socket.once('connect', () => {
      socket.destroy();
      resolve(true);
    });
    socket.once('error', () => resolve(false));
  });
}

/** Polls `attempt` every POLL_MS; returns performance.now() at the start of the first success. */
async function pollUntil(attempt: () => Promise<boolean>, what: string, giveUp: () => string | undefined): Promise<number> {
  const deadline = performance.now() + STEP_TIMEOUT_MS;
  for (;;) {
    const startedAt = performance.now();
    if (await attempt()) return startedAt;
    const reason = giveUp();
    if (reason !== undefined) throw new Error(`${what}: ${reason}`);
    if (performance.now() > deadline) throw new Error(`${what}: not within ${STEP_TIMEOUT_MS} ms`);
    await sleep(POLL_MS);
  }
}

async function bounded<T>(promise: Promise<T>, what: string): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  try {
    return await Promise.race([
      promise,
      new Promise<never>((_resolve, reject) => {
        timer = setTimeout(() => reject(new Error(`${what}: not within ${STEP_TIMEOUT_MS} ms`)), STEP_TIMEOUT_MS);
      }),
    ]);
  } finally {
    clearTimeout(timer);
  }
}

async function trial(candidate: Candidate, clientCount: number): Promise<Sample> {
  const port = await freePort();
  const spawned = spawnProcess(candidate.argv(port));
  let clients: Clients | undefined;
  try {
    const exitedEarly = () =>
      spawned.exitedAt() === undefined ? undefined : `${candidate.name} exited early: ${spawned.stderr().trim().split('\n')[0] ?? ''}`;
    const listenAt = await pollUntil(() => connects(port), `${candidate.name} LISTEN`, exitedEarly);
    await bounded(candidate.ready(spawned, port), `${candidate.name} ready`);
    if (clientCount > 0) clients = await connectClients(`ws://127.0.0.1:${port}`, clientCount, STEP_TIMEOUT_MS);

    const sentAt = performance.now();
    spawned.signal('SIGTERM');
    const freeAt = await pollUntil(() => isPortFree(port), `${candidate.name} port free after SIGTERM`, () => undefined);
    const exit = await bounded(spawned.exited, `${candidate.name} exit after SIGTERM`);
    const sample: Sample = {
      startupMs: listenAt - spawned.spawnedAt,
      freeMs: freeAt - sentAt,
      exitMs: (spawned.exitedAt() ?? Number.NaN) - sentAt,
      exit,
    };
    if (clients) {
      const codes = await clients.allClosed(STEP_TIMEOUT_MS).catch(() => clients!.codes);
      sample.goingAway = codes.filter((code) => code === 1001).length;
    }
    return sample;
  } finally {
    clients?.terminate();
    await killAndWait(spawned);
  }
}

function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  const mid = Math.floor(sorted.length / 2);
  return sorted.length % 2 ? sorted[mid]! : (sorted[mid - 1]! + sorted[mid]!) / 2;
}

const fmt = (ms: number) => (Number.isFinite(ms) ? ms.toFixed(1) : 'n/a');
const stat = (values: number[]) =>
  values.length === 0 ? 'n/a' : `${fmt(median(values))} (${fmt(Math.min(...values))}-${fmt(Math.max(...values))})`;

/** Set by --help: then neither part runs. */
let helpOnly = false;

async function main(): Promise<number> {
  let runs = 15;
  try {
    const { values } = parseArgs({ options: { runs: { type: 'string' }, help: { type: 'boolean', short: 'h' } }, strict: true });
    if (values.help) {
      process.stdout.write('usage: node dist/test/bench/run.js [--runs N]   (N from 1 to 1000, default 15; then the harness bench)\n');
      helpOnly = true;
      return 0;
    }
    if (values.runs !== undefined) {
      if (!/^\d+$/.test(values.runs) || Number(values.runs) < 1 || Number(values.runs) > 1000) {
        throw new Error(`--runs must be an integer from 1 to 1000, got '${values.runs}'`);
      }
      runs = Number(values.runs);
    }
  } catch (error) {
    process.stderr.write(`bench: ${(error as Error).message}\n`);
    return 2;
  }

  const cpus = os.cpus();
  console.log(
    `bench: node ${process.version}, ${cpus.length} x ${cpus[0]?.model.trim() ?? '?'}, load ${os.loadavg().map((l) => l.toFixed(2)).join(' ')}, ` +
      `${runs} runs per row (+1 warm-up each, discarded), interleaved, poll ${POLL_MS} ms`,
  );
  const rows: { candidate: Candidate; clients: number; samples: Sample[] }[] = [
    { candidate: reference, clients: 0, samples: [] },
    { candidate: bare, clients: 0, samples: [] },
    { candidate: reference, clients: CLIENTS, samples: [] },
  ];
  for (const row of rows) await trial(row.candidate, row.clients);
  for (let run = 0; run < runs; run++) {
    for (const row of rows) row.samples.push(await trial(row.candidate, row.clients));
    if (process.stderr.isTTY) process.stderr.write(`\rrun ${run + 1}/${runs}`);
  }
  if (process.stderr.isTTY) process.stderr.write('\n');

  const header = ['candidate', 'clients', 'spawn->LISTEN ms', 'SIGTERM->port free ms', 'SIGTERM->exit ms', 'exit status', 'got 1001'];
  const table = rows.map(({ candidate, clients, samples }) => {
    const clean = samples.filter((s) => s.exit.code === 0 && s.exit.signal === null).length;
    return [
      candidate.name,
      String(clients),
      stat(samples.map((s) => s.startupMs)),
      stat(samples.map((s) => s.freeMs)),
      stat(samples.map((s) => s.exitMs)),
      `${clean}/${samples.length} exit 0`,
      clients > 0 ? `${samples.reduce((sum, s) => sum + (s.goingAway ?? 0), 0)}/${clients * samples.length}` : '-',
    ];
  });
  const widths = header.map((h, i) => Math.max(h.length, ...table.map((r) => r[i]!.length)));
  const line = (cells: string[]) => cells.map((c, i) => c.padEnd(widths[i]!)).join('  ');
  console.log('\nmedian (min-max) over the runs, ms');
  console.log(line(header));
  console.log(line(widths.map((w) => '-'.repeat(w))));
  for (const r of table) console.log(line(r));

  const [ref0, bare0, ref100] = rows.map((row) => row.samples) as [Sample[], Sample[], Sample[]];
  const ratio = (pick: (s: Sample) => number) => median(ref0.map(pick)) / median(bare0.map(pick));
  const startupRatio = ratio((s) => s.startupMs);
  console.log('\nratios reference/bare (medians, 0 clients, same run):');
  console.log(`  spawn->LISTEN        ${startupRatio.toFixed(2)}x`);
  console.log(`  SIGTERM->port free   ${ratio((s) => s.freeMs).toFixed(2)}x`);
  console.log(`  SIGTERM->exit        ${ratio((s) => s.exitMs).toFixed(2)}x`);

  const free100 = median(ref100.map((s) => s.freeMs));
  console.log('\ntargets:');
  console.log(`  ${startupRatio <= TARGET_STARTUP_RATIO ? 'PASS' : 'MISS'}  startup within ${TARGET_STARTUP_RATIO}x of the bare server: ${startupRatio.toFixed(2)}x`);
  console.log(`  ${free100 <= TARGET_FREE_MS ? 'PASS' : 'MISS'}  port free within ${TARGET_FREE_MS} ms median after SIGTERM with ${CLIENTS} clients: ${fmt(free100)} ms`);
  return 0;
}

// `node --test dist/test/` (npm test) runs every .js file under a directory named test, this one
// included: there the bench would only add 20 s of load to the test run. It says so and does nothing.
if (process.env.NODE_TEST_CONTEXT !== undefined) {
  console.log('bench: not run under node --test; use npm run bench');
  process.exit(0);
}

// Bounded: a watchdog far above any sane duration, and cleanup on Ctrl-C. The harness bench is
// interrupted through its signal (the harness then kills its candidates) before we exit.
const interrupt = new AbortController();
let harnessRun: Promise<unknown> = Promise.resolve();
const stop = (code: number) => {
  interrupt.abort();
  void Promise.race([harnessRun, sleep(15_000)])
    .then(() => killAll())
    .finally(() => process.exit(code));
};
const watchdog = setTimeout(() => {
  process.stderr.write('bench: watchdog expired, killing everything\n');
  stop(1);
}, 30 * 60_000);
watchdog.unref();
for (const signal of ['SIGINT', 'SIGTERM'] as const) process.once(signal, () => stop(130));

let code = 1;
try {
  code = await main();
} catch (error) {
  process.stderr.write(`bench: ${(error as Error).stack ?? String(error)}\n`);
} finally {
  await killAll();
}
if (code === 0 && !helpOnly && !interrupt.signal.aborted) {
  try {
    const run = benchHarness({ signal: interrupt.signal });
    harnessRun = run.catch(() => undefined);
    if (!(await run).completed) code = 1;
  } catch (error) {
    process.stderr.write(`bench: ${(error as Error).stack ?? String(error)}\n`);
    code = 1;
  }
}
process.exit(interrupt.signal.aborted ? 130 : code);
