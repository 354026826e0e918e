#!/usr/bin/env node
/**
 * npm run real-builds [-- [name...] [--variant NAME ...|--all-variants] [--spec seed|own|both] [-- harness options]]
 *
 * For each real build (default: every one) and each variant (default: `default`): install the
 * build (cached, real-builds/install.sh), then run the harness against its launcher, in the
 * variant's shape, with --strict, once per revision: `--spec 2025-12-11` (the seed) with its
 * expected-failures.txt and `--spec <own>` (the revision the build documents, REVISION in its
 * build.env) with its expected-failures.<own>.txt; --spec seed or own runs one of them (default:
 * both). Each run prints a summary line; each build and variant then one verdict table, seed and own
 * verdicts side by side against their truths; at the end a summary table of every run. Exit 0 only
 * if every harness run exited 0. REAL_BUILDS_REPORTS=<dir> keeps each report as
 * <dir>/<name>-<variant>-<revision>.json, and the closing matrix of every run (builds x checks, as
 * `gateway-lock-conformance compare` prints it) as <dir>/matrix.md.
 * Every temp dir made here (reports, a variant's TMPDIR or HOME) is removed afterwards.
 */
import { spawn } from 'node:child_process';
import { copyFileSync, existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { constants, tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { DEFAULT_REVISION, revision } from '../harness/catalog.js';
import type { CheckResult, Report } from '../harness/report.js';
import { runCost } from '../harness/reporters/cost.js';
import { realBuildsMatrix, type KeptReport } from './matrix.js';
import { table, verdictRows, type Column } from './verdicts.js';

const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '../..');
const BUILDS = ['openclaw', 'clawdbot'];
const SEED = DEFAULT_REVISION;

/**
 * The revision a build documents, from the REVISION line of its build.env (clawdbot ships the
 * seed's document but implements file-lock-2026-02, so this cannot be read from the package).
 */
function ownRevision(name: string): string {
  const env = readFileSync(join(ROOT, 'real-builds', name, 'build.env'), 'utf8');
  const id = /^REVISION=(\S+)$/m.exec(env)?.[1];
  if (!id) throw new Error(`real-builds/${name}/build.env names no REVISION`);
  return id;
}

/** The truth a run on `spec` is held to: the seed's expected-failures.txt, else expected-failures.<spec>.txt. */
const truthFile = (name: string, spec: string) => `real-builds/${name}/expected-failures${spec === SEED ? '' : `.${spec}`}.txt`;

type SpecChoice = 'seed' | 'own' | 'both';
const SPEC_CHOICES: SpecChoice[] = ['seed', 'own', 'both'];
const revisionsOf = (name: string, choice: SpecChoice): string[] =>
  choice === 'seed' ? [SEED] : choice === 'own' ? [ownRevision(name)] : [...new Set([SEED, ownRevision(name)])];

/** Temp dirs made by this run, removed at its end (also after an error or a signal). */
const madeDirs: string[] = [];
function makeTempDir(parent: string, prefix: string): string {
  const dir = mkdtempSync(join(parent, prefix));
  madeDirs.push(dir);
  return dir;
}
function removeMadeDirs(): void {
  for (const dir of madeDirs.splice(0)) rmSync(dir, { recursive: true, force: true });
}

/** What a variant adds: harness options (before `--`) and launcher options (after its own). */
interface Shape {
  harness: string[];
  launcher: string[];
}

/** The shapes users run the builds in; the truth (expected-failures.txt) holds in every one. */
interface Variant {
  name: string;
  what: string;
  /** The builds it applies to (default: all). */
  builds?: string[];
  /** Makes its directories (for this run only) and says what to pass. */
  shape(): Shape;
}

/** A TMPDIR a user chose below /tmp, as a CI runner's job dir or a launcher's shared cache dir. */
function userTmpdir(): string {
  const dir = join(makeTempDir('/tmp', 'glc-ci-'), 'tmp');
  mkdirSync(dir);
  return dir;
}

const VARIANTS: Variant[] = [
  { name: 'default', what: 'HOME = the state dir, the harness\'s per-run TMPDIR', shape: () => ({ harness: [], launcher: [] }) },
  {
    name: 'user-tmpdir',
    what: 'CI runner: the user gives the gateway a TMPDIR below /tmp (harness --env TMPDIR=/tmp/glc-ci-*/tmp)',
    shape: () => ({ harness: ['--env', `TMPDIR=${userTmpdir()}`], launcher: [] }),
  },
  {
    name: 'wrapper-tmpdir',
    what: 'wrapper script: the launcher sets TMPDIR below /tmp (launcher --tmpdir /tmp/glc-ci-*/tmp), unknown to the harness',
    shape: () => ({ harness: [], launcher: ['--tmpdir', userTmpdir()] }),
  },
  {
    name: 'home-elsewhere',
    what: 'HOME one per-run dir outside the profiles (launcher --home /var/tmp/glc-home-*), state and config under the state dir',
    shape: () => ({ harness: [], launcher: ['--home', makeTempDir(existsSync('/var/tmp') ? '/var/tmp' : tmpdir(), 'glc-home-')] }),
  },
  {
    name: 'respawn',
    what: 'self-respawn on (launcher --respawn: no CLAWDBOT_NO_RESPAWN): a child of the spawned process owns the socket',
    builds: ['clawdbot'],
    shape: () => ({ harness: [], launcher: ['--respawn'] }),
  },
];
const appliesTo = (variant: Variant, build: string) => !variant.builds || variant.builds.includes(build);

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

/** Startup p50 (BIND-5 first; else one start's), readiness and CONFLICT-3 measurements (also of a revision's CONFLICT-3F or -3L), those that exist. */
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
      if (/^ready/i.test(name) || /^CONFLICT-3[A-Z]?$/.test(check.id)) parts.push(`${check.id} ${name} ${value} ms`);
    }
  }
  return parts;
}

interface Outcome {
  build: string;
  variant: string;
  revision: string;
  wallS: string;
  code: number;
  spawns: string;
  agrees: string;
  disagreements: string;
  /** The run's verdicts against its truth, for the build's table (none without a report). */
  column?: Column;
}

async function install(name: string): Promise<number> {
  process.stderr.write(`\n=== real-builds: ${name}\n`);
  const installed = await run('bash', [join(ROOT, 'real-builds/install.sh'), name], true);
  if (installed !== 0 || interrupted) process.stderr.write(`real-builds: ${name}: install.sh exited ${installed}\n`);
  return installed;
}

/** Every report of this invocation, for the closing matrix. */
const kept: KeptReport[] = [];

async function runOne(name: string, variant: Variant, spec: string, harnessOptions: string[]): Promise<Outcome> {
  const label = `${name} (${variant.name}, ${spec})`;
  process.stderr.write(`\n=== real-builds: ${label}: ${variant.what}\n`);
  const tmp = makeTempDir(tmpdir(), `glc-real-builds-${name}-${variant.name}-`);
  const reportFile = join(tmp, 'report.json');
  const expectedFailures = truthFile(name, spec);
  const shape = variant.shape();
  const args = [
    'dist/harness/cli.js', '--strict', '--spec', spec, '--expected-failures', expectedFailures, '--json', reportFile, ...shape.harness, ...harnessOptions,
    '--', `real-builds/${name}/gateway`, '--port', '{port}', '--state-dir', '{stateDir}', ...shape.launcher,
  ];
  process.stderr.write(`real-builds: ${label}: node ${args.join(' ')}\n`);
  const started = Date.now();
  const code = await run(process.execPath, args, false);
  const wallS = ((Date.now() - started) / 1000).toFixed(1);

  const outcome: Outcome = { build: name, variant: variant.name, revision: spec, wallS, code, spawns: '-', agrees: '-', disagreements: '-' };
  let summary = `${label}: wall ${wallS} s, harness exit ${code}`;
  if (existsSync(reportFile)) {
    const report = JSON.parse(readFileSync(reportFile, 'utf8')) as Report;
    kept.push({ label: `${name}-${variant.name}-${spec}`, report });
    const truth = readTruth(join(ROOT, expectedFailures));
    outcome.column = { label: `${spec === SEED ? 'seed' : 'own'} ${spec}`, checks: report.checks, truth };
    const differ = report.checks.filter((check) => check.status !== (truth.has(check.id) ? 'fail' : 'pass'));
    outcome.agrees = `${report.checks.length - differ.length} of ${report.checks.length}`;
    outcome.disagreements = differ.map((check) => `${check.id} ${check.status}`).join(', ') || 'none';
    const cost = runCost(report);
    outcome.spawns = String(cost.spawns);
    summary += `, verdicts agree ${outcome.agrees} (${expectedFailures})`;
    summary += `, ${cost.spawns} spawns, spawn to ready p50 ${(cost.medianSpawnToReadyMs / 1000).toFixed(2)} s: ${cost.startupEquivalents.toFixed(1)} startup-equivalents (target <= 14, issue 16)`;
    summary += `, ${measurements(report.checks).join(', ')}`;
    // REAL_BUILDS_REPORTS=dir keeps every report (the verdict tables in a closing note cite them).
    if (process.env.REAL_BUILDS_REPORTS) {
      const kept = join(process.env.REAL_BUILDS_REPORTS, `${name}-${variant.name}-${spec}.json`);
      copyFileSync(reportFile, kept);
      summary += `, report kept at ${kept}`;
    }
  } else {
    summary += ', no report written';
  }
  process.stdout.write(`${summary}\n`);
  return outcome;
}

/** The build's table: its runs' verdicts side by side, a changed requirement in the row of the one it replaces. */
function buildTable(name: string, variant: string, outcomes: Outcome[]): string {
  const columns = outcomes.flatMap((o) => (o.column ? [o.column] : []));
  const replaces = new Map(outcomes.flatMap((o) => revision(o.revision).requirements.flatMap((r) => (r.replaces ? [[r.id, r.replaces] as const] : []))));
  const missing = outcomes.filter((o) => !o.column).map((o) => `${o.revision} (no report)`);
  const title = `\n${name} (${variant}): verdicts against the hand-measured truth${missing.length > 0 ? `; no column for ${missing.join(', ')}` : ''}:\n`;
  return columns.length > 0 ? title + table(verdictRows(columns, replaces)) : title;
}

const USAGE = `usage: npm run real-builds -- [${BUILDS.join('|')}...] [--variant ${VARIANTS.map((v) => v.name).join('|')} ...|--all-variants] [--spec ${SPEC_CHOICES.join('|')}] [-- harness options]`;

/** The builds, variants, revisions and harness options, or the reason for a usage error. */
function parse(argv: string[]): { names: string[]; variants: Variant[]; spec: SpecChoice; harnessOptions: string[] } | string {
  const split = argv.indexOf('--');
  const ours = split < 0 ? argv : argv.slice(0, split);
  const harnessOptions = split < 0 ? [] : argv.slice(split + 1);
  if (harnessOptions.includes('--')) return 'a third -- (harness options come after the second)';
  // The runner chooses each run's revision and its truth; a harness --spec would judge against another.
  if (harnessOptions.some((o) => o === '--spec' || o.startsWith('--spec='))) return `--spec is the runner's (${SPEC_CHOICES.join('|')}), before the second --`;
  const names: string[] = [];
  const variantNames: string[] = [];
  let all = false;
  let spec: SpecChoice = 'both';
  for (let i = 0; i < ours.length; i++) {
    const word = ours[i]!;
    if (word === '--all-variants') all = true;
    else if (word === '--spec' || word.startsWith('--spec=')) {
      const value = word === '--spec' ? ours[++i] : word.slice('--spec='.length);
      if (!SPEC_CHOICES.includes(value as SpecChoice)) return `--spec takes ${SPEC_CHOICES.join(', ')}, got ${value ?? 'nothing'}`;
      spec = value as SpecChoice;
    }
    else if (word === '--variant' || word.startsWith('--variant=')) {
      const value = word === '--variant' ? ours[++i] : word.slice('--variant='.length);
      if (!value) return '--variant needs a name';
      variantNames.push(...value.split(','));
    } else if (word.startsWith('-')) return `unknown option: ${word}`;
    else if (!BUILDS.includes(word)) return `unknown build: ${word}`;
    else if (!names.includes(word)) names.push(word);
  }
  if (all && variantNames.length > 0) return '--variant and --all-variants exclude each other';
  const unknown = variantNames.filter((name) => !VARIANTS.some((v) => v.name === name));
  if (unknown.length > 0) return `unknown variant: ${unknown.join(', ')}`;
  const variants = all ? VARIANTS : variantNames.length > 0 ? VARIANTS.filter((v) => variantNames.includes(v.name)) : [VARIANTS[0]!];
  // A named build must fit every named variant; unnamed builds just run the variants that fit them.
  for (const variant of all ? [] : variants) {
    const wrong = names.filter((name) => !appliesTo(variant, name));
    if (wrong.length > 0) return `variant ${variant.name} is for ${variant.builds!.join(', ')} only, not ${wrong.join(', ')}`;
  }
  return { names: names.length > 0 ? names : BUILDS, variants, spec, harnessOptions };
}

async function main(argv: string[]): Promise<number> {
  const parsed = parse(argv);
  if (typeof parsed === 'string') {
    process.stderr.write(`${USAGE} (${parsed})\n`);
    return 2;
  }
  // Every truth a run will be held to exists, before the first run of many minutes.
  const missing = parsed.names.flatMap((name) => revisionsOf(name, parsed.spec).map((spec) => truthFile(name, spec))).filter((file) => !existsSync(join(ROOT, file)));
  if (missing.length > 0) {
    process.stderr.write(`real-builds: no truth at ${missing.join(', ')}\n`);
    return 2;
  }
  const outcomes: Outcome[] = [];
  const codes: number[] = [];
  try {
    for (const name of parsed.names) {
      const variants = parsed.variants.filter((variant) => appliesTo(variant, name));
      if (interrupted || variants.length === 0) continue;
      const installed = await install(name);
      if (installed !== 0 || interrupted) {
        codes.push(installed || 2);
        continue;
      }
      for (const variant of variants) {
        const pair: Outcome[] = [];
        for (const spec of revisionsOf(name, parsed.spec)) {
          if (interrupted) break;
          const outcome = await runOne(name, variant, spec, parsed.harnessOptions);
          pair.push(outcome);
          codes.push(outcome.code);
          removeMadeDirs(); // this run's TMPDIR, HOME and report dir, before the next run
        }
        if (pair.length > 0) process.stdout.write(buildTable(name, variant.name, pair));
        outcomes.push(...pair);
      }
    }
  } finally {
    removeMadeDirs();
  }
  if (outcomes.length > 0) {
    process.stdout.write('\nreal-builds summary:\n');
    const rows = [['build', 'variant', 'revision', 'wall', 'spawns', 'harness exit', 'agrees', 'disagreements']];
    for (const o of outcomes) rows.push([o.build, o.variant, o.revision, `${o.wallS} s`, o.spawns, String(o.code), o.agrees, o.disagreements]);
    process.stdout.write(table(rows));
  }
  if (kept.length > 0) {
    const matrix = realBuildsMatrix(kept);
    process.stdout.write(`\nreal-builds matrix (Markdown, for the README):\n\n${matrix}`);
    if (process.env.REAL_BUILDS_REPORTS) writeFileSync(join(process.env.REAL_BUILDS_REPORTS, 'matrix.md'), matrix);
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
