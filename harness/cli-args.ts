/** The command line, parsed into run options: every mistake becomes one UsageError line. */
import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { UsageError } from './config.js';
import { findConfig, type ConfigFile } from './config-file.js';
import { fileOutputs, pairOutputs, type OutputRequest } from './outputs.js';
import type { RunOptions } from './run/options.js';

export interface CliRequest {
  run: RunOptions;
  /** Every reporter and where it writes, in the order asked (config reporters, then the command line's). */
  outputs: OutputRequest[];
  /** --verbose: every check's timeline events on stderr as they happen. */
  verbose: boolean;
  /** The configuration file the options were merged from, if any. */
  config?: ConfigFile;
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

function readBaseline(file: string, what = `--expected-failures ${file}`): string[] {
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (error) {
    throw new UsageError(`cannot read ${what}: ${(error as NodeJS.ErrnoException).code ?? (error as Error).message}`);
  }
  return text.split('\n').map((line) => line.replace(/#.*/, '').trim()).filter(Boolean);
}

function parseEnv(entries: string[] | undefined, flag = '--env'): Record<string, string> {
  const env: Record<string, string> = {};
  for (const entry of entries ?? []) {
    const eq = entry.indexOf('=');
    if (eq <= 0) throw new UsageError(`${flag} takes K=V, got '${entry}'`);
    env[entry.slice(0, eq)] = entry.slice(eq + 1);
  }
  return env;
}

/** The run's outputs: the command line's --reporter pairs, else the config's, else spec on stdout; then the file shorthands. */
function outputsOf(values: { reporter?: string[]; 'reporter-destination'?: string[]; json?: string; junit?: string; html?: string; markdown?: string }, config?: ConfigFile): OutputRequest[] {
  const given = values.reporter ?? [];
  if (given.length === 0 && (values['reporter-destination']?.length ?? 0) > 0) throw new UsageError('--reporter-destination without --reporter: name the reporter first (--reporter junit --reporter-destination junit.xml)');
  let pairs: OutputRequest[];
  if (given.length > 0) pairs = pairOutputs(given, values['reporter-destination'] ?? []);
  else if (config?.values.reporters) {
    pairs = config.values.reporters.map((r, i) => ({ reporter: r.reporter, destination: r.destination ?? 'stdout', flag: `reporters[${i}] of ${config.name}`, base: config.dir }));
  } else pairs = [{ reporter: 'spec', destination: 'stdout', flag: '--reporter' }];
  return [...pairs, ...fileOutputs(values)];
}

/**
 * Parses the run's command line and merges the configuration file under it: an option given here
 * wins; `--env` adds to the file's `env`; words after `--` replace its `command`.
 */
export function parseCommandLine(argv: string[], context: { cwd?: string } = {}): CliRequest {
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
        html: { type: 'string' },
        markdown: { type: 'string' },
        reporter: { type: 'string', multiple: true },
        'reporter-destination': { type: 'string', multiple: true },
        config: { type: 'string' },
        spec: { type: 'string' },
        'spec-from-file': { type: 'string' },
        'opt-out-env': { type: 'string', multiple: true },
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
  const action = values.help ? 'help' : values.version ? 'version' : values.list ? 'list' : values['dry-run'] ? 'plan' : 'run';
  if ((action === 'run' || action === 'plan') && split >= 0) {
    if (command.length === 0) {
      throw new UsageError(`nothing after '--': give the gateway command (-- my-gateway --port {port}); leave out '--' to test the bundled reference gateway`);
    }
    if (command[0]!.trim() === '') throw new UsageError(`the gateway command after '--' is empty (an unset variable?): '${command[0]}'`);
  }
  const config = action === 'run' || action === 'plan' || action === 'list' ? findConfig(values.config, context.cwd ?? process.cwd()) : undefined;
  const outputs = outputsOf(values, config);
  const file = config?.values ?? {};
  const fromConfig = (path: string) => resolve(config!.dir, path);
  const baseline = values['expected-failures'] !== undefined
    ? readBaseline(values['expected-failures'])
    : typeof file.expectedFailures === 'string'
      ? readBaseline(fromConfig(file.expectedFailures), `expectedFailures ${file.expectedFailures} of ${config!.name}`)
      : (file.expectedFailures ?? []);
  const readyDelayMs = values['ready-delay'] !== undefined ? number('--ready-delay', values['ready-delay']) : file.readyDelayMs;
  const readyPattern = values['ready-pattern'] ?? file.readyPattern;
  const warmup = values['no-warmup'] ? false : file.warmup;
  const cwd = values.cwd ?? (file.cwd !== undefined ? fromConfig(file.cwd) : undefined);
  if (values.spec === '') throw new UsageError(`--spec takes a spec revision or auto, got ''`);
  const spec = values.spec ?? file.spec;
  // The command line's document, or the configuration's (relative to its directory) when --spec does not override its 'spec'.
  const specFromFile = values['spec-from-file'] ?? (file.specFromFile !== undefined && values.spec === undefined ? fromConfig(file.specFromFile) : undefined);
  const optOutEnv = values['opt-out-env'] !== undefined ? parseEnv(values['opt-out-env'], '--opt-out-env') : file.optOutEnv;
  const run: RunOptions = {
    command: command.length > 0 ? command : (file.command ?? []),
    env: { ...file.env, ...parseEnv(values.env) },
    only: idList('--only', values.only) ?? file.only,
    skip: idList('--skip', values.skip) ?? file.skip,
    require: idList('--require', values.require) ?? file.require,
    failOnSkip: values['fail-on-skip'] ?? file.failOnSkip ?? false,
    trials: number('--trials', values.trials) ?? file.trials,
    concurrency: number('--concurrency', values.concurrency) ?? file.concurrency,
    timeoutMultiplier: number('--timeout-multiplier', values['timeout-multiplier']) ?? file.timeoutMultiplier,
    releaseBudgetMs: number('--release-budget', values['release-budget']) ?? file.releaseBudgetMs,
    exitBudgetMs: number('--exit-budget', values['exit-budget']) ?? file.exitBudgetMs,
    strict: values.strict ?? file.strict ?? false,
    expectedFailures: baseline,
    ...(readyPattern !== undefined ? { readyPattern } : {}),
    ...(readyDelayMs !== undefined ? { readyDelayMs } : {}),
    ...(warmup !== undefined ? { warmup } : {}),
    ...(values.isolated || file.isolated ? { isolated: true } : {}),
    ...(values['no-early-stop'] || file.earlyStop === false ? { earlyStop: false } : {}),
    ...(cwd !== undefined ? { cwd } : {}),
    ...(spec !== undefined ? { spec } : {}),
    ...(specFromFile !== undefined ? { specFromFile } : {}),
    ...(optOutEnv !== undefined ? { optOutEnv } : {}),
  };
  return {
    run,
    outputs,
    action,
    verbose: values.verbose ?? file.verbose ?? false,
    ...(config ? { config } : {}),
  };
}
