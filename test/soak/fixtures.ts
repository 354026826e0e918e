/**
 * Soak of the fixture self-test: runs test/fixtures.test.ts N times in a row while K busy loops
 * keep the cores loaded, every entry with shared planning, --isolated and --no-early-stop (each
 * run requires identical statuses all three ways), and requires the same observed kill matrices
 * every time (each entry judged against its own spec revision, the statuses of that revision's IDs).
 *   npm run soak -- [--runs N] [--hogs K]     (defaults: 20 runs, one hog per core)
 * Exit 0 when every run passed with identical results, 1 otherwise, 2 on bad arguments.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, readFileSync, readdirSync, rmSync } from 'node:fs';
import { availableParallelism, tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

const SELF_TEST = fileURLToPath(new URL('../fixtures.test.js', import.meta.url));
const MAX_RUNS = 100;
const RUN_TIMEOUT_MS = 35 * 60_000;

const args = process.argv.slice(2);
for (let i = 0; i < args.length; i += 2) {
  if (!['--runs', '--hogs'].includes(args[i]!)) {
    console.error(`soak: unknown argument ${args[i]} (known: --runs N, --hogs K)`);
    process.exit(2);
  }
}

function option(name: string, fallback: number, max: number): number {
  const at = args.indexOf(name);
  if (at < 0) return fallback;
  const value = Number(args[at + 1]);
  if (!Number.isInteger(value) || value < 0 || value > max) {
    console.error(`soak: ${name} needs a whole number from 0 to ${max}`);
    process.exit(2);
  }
  return value;
}

const runs = Math.max(1, option('--runs', 20, MAX_RUNS));
const hogCount = option('--hogs', availableParallelism(), 64);

const hogs: ChildProcess[] = [];
let current: ChildProcess | undefined;
const work = mkdtempSync(join(tmpdir(), 'glc-soak-'));
// SIGKILL is enough: the harness's reaper ends the self-test's candidates when it dies.
process.on('exit', () => {
  for (const child of [...hogs, current]) {
    try {
      if (child?.pid) process.kill(-child.pid, 'SIGKILL');
    } catch {
      // gone
    }
  }
  rmSync(work, { recursive: true, force: true });
});
for (const signal of ['SIGINT', 'SIGTERM'] as const) process.on(signal, () => process.exit(130));

for (let i = 0; i < hogCount; i++) hogs.push(spawn(process.execPath, ['-e', 'for (;;) {}'], { detached: true, stdio: 'ignore' }));

/** fixture name and planning -> every check's status, from the reports one self-test run wrote (IDs of the entry's revision). */
function observed(dir: string): Map<string, string> {
  const matrix = new Map<string, string>();
  for (const file of readdirSync(dir).sort()) {
    const report = JSON.parse(readFileSync(join(dir, file), 'utf8')) as { checks: { id: string; status: string }[] };
    matrix.set(file.replace(/\.json$/, ''), report.checks.map((c) => `${c.id}:${c.status}`).join(' '));
  }
  return matrix;
}

function selfTest(reports: string): Promise<{ code: number | null; output: string }> {
  return new Promise((resolve) => {
    const child = spawn(process.execPath, ['--test', '--test-timeout=1800000', '--test-reporter=tap', SELF_TEST], {
      detached: true,
      stdio: ['ignore', 'pipe', 'pipe'],
      // Every entry every way: shared, --isolated and --no-early-stop (npm test runs a rotation).
      env: { ...process.env, FIXTURE_REPORTS: reports, FIXTURE_PLANNINGS: 'all' },
    });
    current = child;
    let output = '';
    child.stdout!.setEncoding('utf8').on('data', (d: string) => (output += d));
    child.stderr!.setEncoding('utf8').on('data', (d: string) => (output += d));
    const timer = setTimeout(() => process.kill(-child.pid!, 'SIGKILL'), RUN_TIMEOUT_MS);
    child.once('close', (code) => {
      clearTimeout(timer);
      resolve({ code, output });
    });
  });
}

console.log(`soak: ${runs} runs of the fixture self-test with ${hogCount} busy loop(s) on ${availableParallelism()} cores`);
let first: Map<string, string> | undefined;
let bad = 0;
const durations: number[] = [];
for (let run = 1; run <= runs; run++) {
  const reports = mkdtempSync(join(work, `run-${run}-`));
  const started = performance.now();
  const { code, output } = await selfTest(reports);
  const seconds = (performance.now() - started) / 1000;
  durations.push(seconds);
  const matrix = observed(reports);
  first ??= matrix;
  const differing = [...new Set([...first.keys(), ...matrix.keys()])].filter((name) => first!.get(name) !== matrix.get(name));
  const verdict = code === 0 && differing.length === 0 ? 'identical' : `DIFFERENT (exit ${code}${differing.length ? `; ${differing.join(', ')}` : ''})`;
  if (verdict !== 'identical') {
    bad++;
    const failures = output.split('\n').filter((line) => /^\s*not ok /.test(line) || /false failures|survivors/.test(line));
    console.log(failures.slice(0, 20).join('\n'));
  }
  console.log(`run ${run}/${runs}: ${seconds.toFixed(0)} s, ${matrix.size} fixtures, ${verdict}`);
}
const sorted = [...durations].sort((a, b) => a - b);
console.log(`soak: ${runs - bad}/${runs} identical; duration min ${sorted[0]!.toFixed(0)} s, median ${sorted[Math.floor(sorted.length / 2)]!.toFixed(0)} s, max ${sorted.at(-1)!.toFixed(0)} s`);
process.exit(bad === 0 ? 0 : 1); // the 'exit' handler ends the busy loops
