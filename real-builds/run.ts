#!/usr/bin/env node
/**
 * npm run real-builds [-- [name...] [-- harness options]]
 *
 * For each real build (default: every one): install it (cached, real-builds/install.sh), run the
 * harness against its launcher with --strict and its expected-failures.txt, then print a verdict
 * table against that truth and a summary line. Exit 0 only if every harness run exited 0.
 * REAL_BUILDS_REPORTS=<dir> keeps each build's JSON report as <dir>/<name>.json.
 */
import { spawn } from 'node:child_process';
import { copyFileSync, existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { constants, tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { CheckResult, Report } from '../harness/report.js';
import { runCost } from '../harness/reporters/cost.js';

const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '../..');
const BUILDS = ['openclaw', 'clawdbot'];

/**
 * The child being waited for: a signal to this runner is passed to it and waited for, and no
 * further build starts. A second signal is passed on too (the harness then dies; its reaper cleans up).
 */
let current: { pid: number; group: boolean } | undefined;
let interrupted: NodeJS.Signals | undefined;
for (const signal of ['SIGINT', 'SIGTERM', 'SIGHUP'] as const) {
  process.on(signal, () => {
    interrupted = signal;
    process.stderr.write(`real-builds: ${signal} received, passing it to the running child and waiting for it\n`);
    try {
      if (current) process.kill(current.group ? -current.pid : current.pid, signal);
    } catch {
      // It has just ended: its close event follows.
    }
  });
}

/**
 * Runs a command to its end with the terminal's output. Detached, so a terminal Ctrl-C reaches it
 * only through the forwarding above, once per signal. group: signals go to its whole group.
 */
function run(command: string, args: string[], group: boolean): Promise<number> {
  return new Promise((done, fail) => {
    const child = spawn(command, args, { cwd: ROOT, stdio: ['ignore', 'inherit', 'inherit'], detached: true });
    child.once('error', fail);
    child.once('spawn', () => {
      current = { pid: child.pid!, group };
    });
    child.once('close', (code, signal) => {
      current = undefined;
      done(code ?? 128 + (signal ? constants.signals[signal] : 0));
    });
  });
}

function readTruth(file: string): Set<string> {
  return new Set(readFileSync(file, 'utf8').split('\n').map((line) => line.replace(/#.*/, '').trim()).filter(Boolean));
}

function table(rows: string[][]): string {
  const widths = rows[0]!.map((_, i) => Math.max(...rows.map((row) => row[i]!.length)));
  return rows.map((row) => row.map((cell, i) => cell.padEnd(widths[i]!)).join(' | ').trimEnd()).join('\n') + '\n';
}

function verdicts(checks: CheckResult[], truth: Set<string>): string {
  const rows = [['ID', 'level', 'status', 'outcome', 'truth', 'agrees?']];
  for (const check of checks) {
    const expected = truth.has(check.id) ? 'fail' : 'pass';
    rows.push([check.id, check.level, check.status, check.outcome, expected, check.status === expected ? 'yes' : 'NO']);
  }
  return table(rows);
}

/** Startup p50 (BIND-5 first; else one start's), readiness and CONFLICT-3 measurements, those that exist. */
function measurements(checks: CheckResult[]): string[] {
  const byStartup = [...checks].sort((a, b) => Number(b.id === 'BIND-5') - Number(a.id === 'BIND-5'));
  const p50 = byStartup.find((c) => c.measurements['startup.p50'] !== undefined);
  const one = byStartup.find((c) => c.measurements.startup !== undefined);
  const parts = [
    p50 ? `startup p50 ${p50.measurements['startup.p50']} ms (${p50.id})`
    : one ? `startup ${one.measurements.startup} ms (${one.id}, one start)`
    : 'startup p50 not measured',
  ];
  for (const check of checks) {
    for (const [name, value] of Object.entries(check.measurements)) {
      if (/^ready/i.test(name) || check.id === 'CONFLICT-3') parts.push(`${check.id} ${name} ${value} ms`);
    }
  }
  return parts;
}

async function runBuild(name: string, harnessOptions: string[]): Promise<number> {
  const dir = join(ROOT, 'real-builds', name);
  process.stderr.write(`\n=== real-builds: ${name}\n`);
  const installed = await run('bash', [join(ROOT, 'real-builds/install.sh'), name], true);
  if (installed !== 0 || interrupted) {
    process.stderr.write(`real-builds: ${name}: install.sh exited ${installed}\n`);
    return installed || 2;
  }
  const tmp = mkdtempSync(join(tmpdir(), `glc-real-builds-${name}-`));
  const reportFile = join(tmp, 'report.json');
  const expectedFailures = `real-builds/${name}/expected-failures.txt`;
  const args = [
    'dist/harness/cli.js', '--strict', '--expected-failures', expectedFailures, '--json', reportFile, ...harnessOptions,
    '--', `real-builds/${name}/gateway`, '--port', '{port}', '--state-dir', '{stateDir}',
  ];
  process.stderr.write(`real-builds: ${name}: node ${args.join(' ')}\n`);
  const started = Date.now();
  const code = await run(process.execPath, args, false);
  const wall = ((Date.now() - started) / 1000).toFixed(1);

  let summary = `${name}: wall ${wall} s, harness exit ${code}`;
  if (existsSync(reportFile)) {
    const report = JSON.parse(readFileSync(reportFile, 'utf8')) as Report;
    process.stdout.write(`\n${name} verdicts against ${expectedFailures}:\n`);
    process.stdout.write(verdicts(report.checks, readTruth(join(dir, 'expected-failures.txt'))));
    const cost = runCost(report);
    summary += `, ${cost.spawns} spawns, spawn to ready p50 ${(cost.medianSpawnToReadyMs / 1000).toFixed(2)} s: ${cost.startupEquivalents.toFixed(1)} startup-equivalents (target <= 25)`;
    summary += `, ${measurements(report.checks).join(', ')}`;
  } else {
    summary += ', no report written';
  }
  // REAL_BUILDS_REPORTS=dir keeps every report (the verdict tables in a closing note cite them).
  if (process.env.REAL_BUILDS_REPORTS && existsSync(reportFile)) copyFileSync(reportFile, join(process.env.REAL_BUILDS_REPORTS, `${name}.json`));
  if (code !== 0 && existsSync(reportFile)) summary += `, report kept at ${reportFile}`;
  else rmSync(tmp, { recursive: true, force: true });
  process.stdout.write(`${summary}\n`);
  return code;
}

async function main(argv: string[]): Promise<number> {
  const split = argv.indexOf('--');
  const names = split < 0 ? argv : argv.slice(0, split);
  const harnessOptions = split < 0 ? [] : argv.slice(split + 1);
  const unknown = names.filter((name) => !BUILDS.includes(name));
  if (unknown.length > 0 || harnessOptions.includes('--')) {
    process.stderr.write(`usage: npm run real-builds -- [${BUILDS.join('|')}...] [-- harness options]${unknown.length ? ` (unknown build: ${unknown.join(', ')})` : ''}\n`);
    return 2;
  }
  const codes: number[] = [];
  for (const name of names.length > 0 ? names : BUILDS) {
    if (interrupted) break;
    codes.push(await runBuild(name, harnessOptions));
  }
  if (interrupted) return 2;
  return codes.find((code) => code !== 0) ?? 0;
}

main(process.argv.slice(2)).then(
  (code) => {
    process.exitCode = code;
  },
  (error: unknown) => {
    process.stderr.write(`real-builds: ${(error as Error).message}\n`);
    process.exitCode = 2;
  },
);
