/** The command line, parsed into run options: every mistake becomes one UsageError line. */
import { readFileSync } from 'node:fs';
import { parseArgs } from 'node:util';
import { UsageError } from './config.js';
import { REPORTERS, type ReporterName } from './reporters/index.js';
import type { RunOptions } from './run/options.js';

export interface CliRequest {
  run: RunOptions;
  reporter: ReporterName;
  jsonFile?: string;
  junitFile?: string;
  /** --verbose: every check's timeline events on stderr as they happen. */
  verbose: boolean;
  /** plan: --dry-run, print the plan of the run and start nothing. */
  action: 'run' | 'plan' | 'list' | 'help' | 'version';
}

/**
 * IDs or globs, comma-separated, the flag repeatable. A value with no ID in it (`--only ''`,
 * `--only ,`: an empty shell variable) is a usage error, never "no restriction".
 */
function idList(flag: string, values: string[] | undefined): string[] | undefined {
  if (values === undefined) return undefined;
  return values.flatMap((value) => {
    const items = value.split(',').map((v) => v.trim()).filter(Boolean);
    if (items.length === 0) throw new UsageError(`${flag} takes check IDs or globs (e.g. ${flag} BIND-1,CRASH-*), got '${value}'`);
    return items;
  });
}

function number(flag: string, text: string | undefined): number | undefined {
  if (text === undefined) return undefined;
  if (!/^\d+(\.\d+)?$/.test(text.trim())) throw new UsageError(`${flag} takes a number, got '${text}'`);
  return Number(text);
}

function readBaseline(file: string): string[] {
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (error) {
    throw new UsageError(`cannot read --expected-failures ${file}: ${(error as NodeJS.ErrnoException).code ?? (error as Error).message}`);
  }
  return text.split('\n').map((line) => line.replace(/#.*/, '').trim()).filter(Boolean);
}

function parseEnv(entries: string[] | undefined): Record<string, string> {
  const env: Record<string, string> = {};
  for (const entry of entries ?? []) {
    const eq = entry.indexOf('=');
    if (eq <= 0) throw new UsageError(`--env takes K=V, got '${entry}'`);
    env[entry.slice(0, eq)] = entry.slice(eq + 1);
  }
  return env;
}

export function parseCommandLine(argv: string[]): CliRequest {
  const split = argv.indexOf('--');
  const optionWords = split < 0 ? argv : argv.slice(0, split);
  const command = split < 0 ? [] : argv.slice(split + 1);
  let values;
  try {
    ({ values } = parseArgs({
      args: optionWords,
      strict: true,
      allowPositionals: false,
      options: {
        list: { type: 'boolean' },
        only: { type: 'string', multiple: true },
        skip: { type: 'string', multiple: true },
        require: { type: 'string', multiple: true },
        'fail-on-skip': { type: 'boolean' },
        verbose: { type: 'boolean' },
        trials: { type: 'string' },
        concurrency: { type: 'string' },
        'timeout-multiplier': { type: 'string' },
        'release-budget': { type: 'string' },
        'exit-budget': { type: 'string' },
        strict: { type: 'boolean' },
        env: { type: 'string', multiple: true },
        cwd: { type: 'string' },
        json: { type: 'string' },
        junit: { type: 'string' },
        reporter: { type: 'string' },
        'expected-failures': { type: 'string' },
        'ready-pattern': { type: 'string' },
        'ready-delay': { type: 'string' },
        'no-warmup': { type: 'boolean' },
        isolated: { type: 'boolean' },
        'no-early-stop': { type: 'boolean' },
        'dry-run': { type: 'boolean' },
        help: { type: 'boolean', short: 'h' },
        version: { type: 'boolean', short: 'V' },
      },
    }));
  } catch (error) {
    const message = (error as Error).message.split('\n')[0]!;
    throw new UsageError(/positional/i.test(message) ? `unexpected argument: put the gateway command after '--' (${message})` : message);
  }
  const reporter = (values.reporter ?? 'spec') as ReporterName;
  if (!REPORTERS.includes(reporter)) throw new UsageError(`--reporter must be one of ${REPORTERS.join(', ')}, got '${values.reporter}'`);
  const action = values.help ? 'help' : values.version ? 'version' : values.list ? 'list' : values['dry-run'] ? 'plan' : 'run';
  if ((action === 'run' || action === 'plan') && split >= 0) {
    if (command.length === 0) {
      throw new UsageError(`nothing after '--': give the gateway command (-- my-gateway --port {port}); leave out '--' to test the bundled reference gateway`);
    }
    if (command[0]!.trim() === '') throw new UsageError(`the gateway command after '--' is empty (an unset variable?): '${command[0]}'`);
  }
  for (const [flag, file] of [['--json', values.json], ['--junit', values.junit]] as const) {
    if (file === '') throw new UsageError(`${flag} takes a file name, got ''`);
  }
  const run: RunOptions = {
    command,
    env: parseEnv(values.env),
    only: idList('--only', values.only),
    skip: idList('--skip', values.skip),
    require: idList('--require', values.require),
    failOnSkip: values['fail-on-skip'] ?? false,
    trials: number('--trials', values.trials),
    concurrency: number('--concurrency', values.concurrency),
    timeoutMultiplier: number('--timeout-multiplier', values['timeout-multiplier']),
    releaseBudgetMs: number('--release-budget', values['release-budget']),
    exitBudgetMs: number('--exit-budget', values['exit-budget']),
    strict: values.strict ?? false,
    expectedFailures: values['expected-failures'] ? readBaseline(values['expected-failures']) : [],
    ...(values['ready-pattern'] !== undefined ? { readyPattern: values['ready-pattern'] } : {}),
    ...(values['ready-delay'] !== undefined ? { readyDelayMs: number('--ready-delay', values['ready-delay']) } : {}),
    ...(values['no-warmup'] ? { warmup: false } : {}),
    ...(values.isolated ? { isolated: true } : {}),
    ...(values['no-early-stop'] ? { earlyStop: false } : {}),
    ...(values.cwd !== undefined ? { cwd: values.cwd } : {}),
  };
  return {
    run,
    reporter,
    action,
    verbose: values.verbose ?? false,
    ...(values.json !== undefined ? { jsonFile: values.json } : {}),
    ...(values.junit !== undefined ? { junitFile: values.junit } : {}),
  };
}

