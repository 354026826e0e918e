/** Turns user options into a validated run: every bad input becomes one UsageError line. */
import { accessSync, constants, statSync } from 'node:fs';
import { delimiter, isAbsolute, join, resolve } from 'node:path';
import { CATALOGUE, matchIds } from './catalog.js';
import type { Check } from './checks/check.js';
import { CHECKS } from './checks/index.js';
import { packagePath } from './paths.js';
import { unknownPlaceholders, usesPort } from './run/argv.js';
import { DEFAULTS, STARTUP_CEILING_FACTOR, defaultConcurrency, type ResolvedOptions, type RunOptions } from './run/options.js';

export class UsageError extends Error {}

export function referenceCommand(): string[] {
  return [process.execPath, packagePath('dist/reference-impl/cli.js'), '--port', '{port}'];
}

function isExecutableFile(path: string): boolean {
  try {
    accessSync(path, constants.X_OK);
    return statSync(path).isFile();
  } catch {
    return false;
  }
}

/** Fails unless argv[0] names an executable file, directly or through PATH. */
function checkExecutable(program: string, cwd: string, env: Record<string, string>): void {
  if (program.includes('/')) {
    const path = isAbsolute(program) ? program : resolve(cwd, program);
    if (!isExecutableFile(path)) throw new UsageError(`command not found or not executable: ${program}`);
    return;
  }
  const dirs = (env.PATH ?? process.env.PATH ?? '').split(delimiter).filter(Boolean);
  if (!dirs.some((dir) => isExecutableFile(join(resolve(cwd, dir), program)))) {
    throw new UsageError(`command not found in PATH: ${program}`);
  }
}

function positiveNumber(name: string, value: number | undefined, fallback: number, integer: boolean): number {
  if (value === undefined) return fallback;
  if (!Number.isFinite(value) || value <= 0 || (integer && !Number.isInteger(value))) {
    throw new UsageError(`${name} must be a positive ${integer ? 'integer' : 'number'}, got '${value}'`);
  }
  return value;
}

function select(only: string[] | undefined, skip: string[] | undefined): Check[] {
  let ids = CATALOGUE.requirements.map((r) => r.id);
  for (const [flag, patterns] of [['--only', only], ['--skip', skip]] as const) {
    if (!patterns || patterns.length === 0) continue;
    const { ids: matched, unmatched } = matchIds(patterns);
    if (unmatched.length > 0) throw new UsageError(`${flag} matches no requirement: ${unmatched.join(', ')}`);
    ids = flag === '--only' ? ids.filter((id) => matched.includes(id)) : ids.filter((id) => !matched.includes(id));
  }
  if (ids.length === 0) throw new UsageError('the selection matches no check');
  return CHECKS.filter((check) => ids.includes(check.id));
}

export function resolveRun(input: RunOptions): { options: ResolvedOptions; checks: Check[] } {
  const cwd = resolve(input.cwd ?? process.cwd());
  if (!statSync(cwd, { throwIfNoEntry: false })?.isDirectory()) throw new UsageError(`--cwd is not a directory: ${cwd}`);
  const command = input.command && input.command.length > 0 ? input.command : referenceCommand();
  const env = input.env ?? {};
  const unknown = unknownPlaceholders([...command, ...Object.values(env)]);
  if (unknown.length > 0) throw new UsageError(`unknown placeholder ${unknown.join(', ')} (known: {port}, {stateDir})`);
  if (!usesPort(command)) throw new UsageError('the command has no {port} placeholder: the harness must choose the port (e.g. -- my-gateway --port {port})');
  checkExecutable(command[0]!, cwd, env);

  const expectedFailures = new Set(input.expectedFailures ?? []);
  const unknownIds = [...expectedFailures].filter((id) => !CATALOGUE.requirements.some((r) => r.id === id));
  if (unknownIds.length > 0) throw new UsageError(`expected failures name unknown requirements: ${unknownIds.join(', ')}`);

  const timeoutMultiplier = positiveNumber('--timeout-multiplier', input.timeoutMultiplier, DEFAULTS.timeoutMultiplier, false);
  let readyRegExp: RegExp | undefined;
  if (input.readyPattern !== undefined) {
    if (input.readyPattern === '') throw new UsageError('--ready-pattern takes a regular expression, got an empty one');
    try {
      readyRegExp = new RegExp(input.readyPattern);
    } catch (error) {
      throw new UsageError(`--ready-pattern is not a valid regular expression: ${(error as Error).message}`);
    }
  }
  if (input.readyPattern !== undefined && input.readyDelayMs !== undefined) throw new UsageError('--ready-pattern and --ready-delay exclude each other');
  if (input.readyDelayMs !== undefined && !(Number.isFinite(input.readyDelayMs) && input.readyDelayMs >= 0)) {
    throw new UsageError(`--ready-delay must be a number of ms >= 0, got '${input.readyDelayMs}'`);
  }
  const startupBudgetMs = DEFAULTS.startupBudgetMs * timeoutMultiplier;
  const options: ResolvedOptions = {
    command,
    env,
    cwd,
    trials: positiveNumber('--trials', input.trials, DEFAULTS.trials, true),
    earlyStop: input.earlyStop ?? true,
    concurrency: positiveNumber('--concurrency', input.concurrency, defaultConcurrency(), true),
    timeoutMultiplier,
    startupBudgetMs,
    startupCeilingMs: STARTUP_CEILING_FACTOR * startupBudgetMs,
    releaseBudgetMs: positiveNumber('--release-budget', input.releaseBudgetMs, DEFAULTS.releaseBudgetMs, false),
    exitBudgetMs: positiveNumber('--exit-budget', input.exitBudgetMs, DEFAULTS.exitBudgetMs, false),
    strict: input.strict ?? false,
    expectedFailures,
    required: new Set(),
    failOnSkip: input.failOnSkip ?? false,
    warmup: input.warmup ?? true,
    isolated: input.isolated ?? false,
    ...(readyRegExp ? { readyPattern: input.readyPattern!, readyRegExp } : {}),
    ...(input.readyDelayMs !== undefined ? { readyDelayMs: input.readyDelayMs } : {}),
  };
  const checks = select(input.only, input.skip);
  options.required = requiredIds(input.require, checks);
  return { options, checks };
}

/** --require patterns as IDs; each must match a requirement that the selection runs. */
function requiredIds(patterns: string[] | undefined, checks: Check[]): Set<string> {
  if (!patterns || patterns.length === 0) return new Set();
  const { ids, unmatched } = matchIds(patterns);
  if (unmatched.length > 0) throw new UsageError(`--require matches no requirement: ${unmatched.join(', ')}`);
  const unselected = ids.filter((id) => !checks.some((c) => c.id === id));
  if (unselected.length > 0) throw new UsageError(`--require names checks the selection leaves out: ${unselected.join(', ')}`);
  return new Set(ids);
}
