#!/usr/bin/env node
/**
 * gateway-lock-conformance [options] -- <command> [args...]
 * Exit codes: 0 conformant, 1 not conformant, 2 usage or harness error (also: interrupted).
 */
import { statSync, writeFileSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import { CATALOGUE } from './catalog.js';
import { resolveRun, UsageError } from './config.js';
import { Interrupted, planRun, runChecks, WARMUP_ID } from './engine.js';
import { parseCommandLine } from './cli-args.js';
import type { Report, TimelineEvent } from './report.js';
import { createReporter, junitXml, ownsStdout } from './reporters/index.js';
import { planText } from './reporters/plan.js';
import { Progress } from './reporters/progress.js';
import { styleFor } from './reporters/style.js';
import { DEFAULTS, defaultConcurrency, STARTUP_CEILING_FACTOR } from './run/options.js';
import { HARNESS } from './version.js';

const EXIT_USAGE = 2;

const HELP = `Usage: gateway-lock-conformance [options] -- <command> [args...]

Checks that a gateway honours its single-instance port lock (spec ${CATALOGUE.specVersion}).
The command is spawned without a shell; {port} and {stateDir} in its words (and in --env
values) are replaced per run. Without '--' and a command the bundled reference gateway is tested.

Selection
  --list                      print every check (ID, level, title) and exit
  --only ID[,ID]              run only these checks (globs: 'CRASH-*'); repeatable
  --skip ID[,ID]              leave these checks out; repeatable
Verdict
  --strict                    a failed SHOULD fails the run
  --expected-failures FILE    baseline: IDs that may fail, one per line (# comments)
  --require ID[,ID]           these checks must run: a skip of one fails the run; repeatable
  --fail-on-skip              a skipped MUST (with --strict: any skipped check) fails the run
Budgets and runs
  --trials N                  runs per timing check, at most (default ${DEFAULTS.trials}); a series ends early
                              once its verdict is decided, or after 3 trials all within half the budget
  --no-early-stop             every timing check runs all --trials trials
  --dry-run                   print the plan (scenario runs, processes each spawns, checks each
                              serves) and exit 0 without starting anything
  --concurrency N             scenarios at a time, on disjoint ports (default ${defaultConcurrency()}: the cores, at most 2)
  --isolated                  every check runs its own starts (default: one start, trial or round
                              serves every check whose procedure it satisfies)
  --timeout-multiplier X      scales the startup budget (${DEFAULTS.startupBudgetMs} ms) and harness waits (default 1);
                              starts and exits are waited for up to ${STARTUP_CEILING_FACTOR} x the startup budget
  --release-budget MS         signal-to-port-free budget (default ${DEFAULTS.releaseBudgetMs})
  --exit-budget MS            signal-to-exit budget (default ${DEFAULTS.exitBudgetMs})
Readiness (LISTEN is not ready; default: its processes are quiet or steady and it answers)
  --ready-pattern REGEX       ready when a line of its output (ANSI stripped) matches REGEX
  --ready-delay MS            ready MS ms after LISTEN
  --no-warmup                 no unjudged warm-up start before the checks
Candidate
  --env K=V                   extra environment for the candidate; repeatable
  --cwd DIR                   working directory of the candidate
Reports
  --reporter NAME             spec (default), tap, json or markdown, on stdout
  --json FILE                 also write the JSON report (spec/report.schema.json)
  --junit FILE                also write JUnit XML
  --verbose                   print every check's steps to stderr as they happen
  -h, --help                  this text
  -V, --version               harness and spec version

Exit codes: 0 conformant, 1 not conformant, 2 usage or harness error, or interrupted.`;

function listChecks(only?: string[], skip?: string[]): string {
  const { checks } = resolveRun({ only, skip });
  const byId = new Map(CATALOGUE.requirements.map((r) => [r.id, r]));
  return checks.map((c) => `${c.id.padEnd(12)} ${byId.get(c.id)!.level.padEnd(7)} ${byId.get(c.id)!.title}`).join('\n') + '\n';
}

/**
 * A report file is created (empty) before the first check: a path that cannot be written is a
 * usage error now, not a lost verdict after a 15-minute run.
 */
function prepareReportFile(flag: string, file: string): string {
  const stat = (path: string) => {
    try {
      return statSync(path);
    } catch {
      return undefined; // missing, or under something that is no directory
    }
  };
  const path = resolve(file);
  if (stat(path)?.isDirectory()) throw new UsageError(`${flag} ${file} is a directory`);
  const dir = dirname(path);
  const parent = stat(dir);
  if (!parent) throw new UsageError(`${flag} ${file}: directory ${dir} does not exist`);
  if (!parent.isDirectory()) throw new UsageError(`${flag} ${file}: ${dir} is not a directory`);
  try {
    writeFileSync(path, '');
  } catch (error) {
    throw new UsageError(`cannot write ${flag} ${file}: ${(error as NodeJS.ErrnoException).code ?? (error as Error).message}`);
  }
  return path;
}

async function main(argv: string[]): Promise<number> {
  const request = parseCommandLine(argv);
  if (request.action === 'help') return process.stdout.write(`${HELP}\n`), 0;
  if (request.action === 'version') return process.stdout.write(`${HARNESS.name} ${HARNESS.version} (spec ${CATALOGUE.specVersion})\n`), 0;
  if (request.action === 'list') return process.stdout.write(listChecks(request.run.only, request.run.skip)), 0;

  const { options, checks } = resolveRun(request.run);
  if (request.action === 'plan') return process.stdout.write(planText(planRun(checks, options), options)), 0;
  const jsonFile = request.jsonFile !== undefined ? prepareReportFile('--json', request.jsonFile) : undefined;
  const junitFile = request.junitFile !== undefined ? prepareReportFile('--junit', request.junitFile) : undefined;
  if (jsonFile && jsonFile === junitFile) throw new UsageError(`--json and --junit name the same file: ${request.jsonFile}`);

  const reporter = createReporter(request.reporter, styleFor(process.stdout));
  // The first line and the progress go where they pollute no machine-read output.
  const humanOut = ownsStdout(request.reporter) ? process.stderr : process.stdout;
  // With --verbose (or GLC_TRACE) every step is printed already, and a progress line would tangle with it.
  const tracing = request.verbose || Boolean(process.env.GLC_TRACE);
  const progress = humanOut.isTTY && !tracing ? new Progress(humanOut) : undefined;
  const write = (stream: NodeJS.WriteStream, text: string) => {
    if (!text) return;
    progress?.clear();
    stream.write(text);
  };
  const writeReports = (report: Report) => {
    if (jsonFile) writeFileSync(jsonFile, `${JSON.stringify(report, null, 2)}\n`);
    if (junitFile) writeFileSync(junitFile, junitXml(report));
  };

  write(humanOut, reporter.start?.({
    argv: options.command,
    reference: request.run.command === undefined || request.run.command.length === 0,
    selected: checks.map((c) => c.id),
    all: CATALOGUE.requirements.map((r) => r.id),
    trials: options.trials,
    specVersion: CATALOGUE.specVersion,
  }) ?? '');

  const abort = new AbortController();
  const interrupt = (signal: NodeJS.Signals) => {
    write(process.stderr, `gateway-lock-conformance: ${signal} received, ending every candidate process\n`);
    abort.abort(signal);
  };
  process.once('SIGINT', interrupt);
  process.once('SIGTERM', interrupt);
  process.once('SIGHUP', interrupt);
  process.on('uncaughtException', (error) => {
    write(process.stderr, `gateway-lock-conformance: internal error: ${error.message}\n`);
    abort.abort();
  });
  try {
    const report = await runChecks(checks, options, {
      signal: abort.signal,
      ...(request.verbose ? { trace: true } : {}),
      onWarmup: (phase) => (phase === 'start' ? progress?.start(WARMUP_ID) : progress?.end(WARMUP_ID)),
      onCheckStart: (id) => progress?.start(id),
      ...(progress ? { onEvent: (id: string, event: TimelineEvent) => progress.event(id, event) } : {}),
      onResult: (result) => {
        progress?.end(result.id);
        if (reporter.onResult) write(process.stdout, reporter.onResult(result));
        progress?.render();
      },
    });
    progress?.stop();
    writeReports(report);
    process.stdout.write(reporter.finish(report));
    return report.exitCode;
  } catch (error) {
    progress?.stop();
    if (error instanceof Interrupted) {
      if (error.report) {
        writeReports(error.report);
        process.stdout.write(reporter.finish(error.report));
      }
      const files = [jsonFile, junitFile].filter(Boolean);
      const saved = files.length > 0 && error.report ? `; partial report written to ${files.join(' and ')}` : '';
      process.stderr.write(`gateway-lock-conformance: ${error.message}; every candidate process was ended${saved}\n`);
      return EXIT_USAGE;
    }
    throw error;
  }
}

main(process.argv.slice(2)).then(
  (code) => {
    process.exitCode = code;
  },
  (error: unknown) => {
    const message = error instanceof UsageError ? error.message : `internal error: ${(error as Error).message}`;
    process.stderr.write(`gateway-lock-conformance: ${message}\n`);
    process.exitCode = EXIT_USAGE;
  },
);
