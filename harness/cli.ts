#!/usr/bin/env node
/**
 * gateway-lock-conformance [options] -- <command> [args...]
 * Exit codes: 0 conformant, 1 not conformant, 2 usage or harness error (also: interrupted).
 */
import { DEFAULT_REVISION, REVISIONS, revision } from './catalog.js';
import { resolveRun, specChoiceText, UsageError } from './config.js';
import { Interrupted, planRun, runChecks, WARMUP_ID } from './engine.js';
import { parseCommandLine } from './cli-args.js';
import { compareCommand, reportCommand } from './cli-commands.js';
import { CONFIG_FILE_NAME } from './config-file.js';
import { Outputs } from './outputs.js';
import type { TimelineEvent } from './report.js';
import { startLine } from './reporters/reporter.js';
import { planText } from './reporters/plan.js';
import { Progress } from './reporters/progress.js';
import { DEFAULTS, defaultConcurrency, STARTUP_CEILING_FACTOR } from './run/options.js';
import { HARNESS } from './version.js';
import type { RunOptions } from './run/options.js';

const EXIT_USAGE = 2;

const HELP = `Usage: gateway-lock-conformance [options] -- <command> [args...]
       gateway-lock-conformance report FILE.json [--reporter NAME [--reporter-destination D]]...
       gateway-lock-conformance compare A.json [B.json...] [--format markdown|html|json]
                                [--output FILE] [--fail-on-regression]

Checks that a gateway honours its single-instance port lock (spec ${DEFAULT_REVISION}, or another
revision with --spec).
The command is spawned without a shell; {port} and {stateDir} in its words (and in --env
values) are replaced per run. Without '--' and a command (here or in the configuration file)
the bundled reference gateway is tested.

Configuration
  --config FILE               settings from FILE (spec/config.schema.json); default:
                              ./${CONFIG_FILE_NAME} if it exists. Options given here override it
Spec revision
  --spec REVISION             the requirement set to judge against: ${REVISIONS.map((r) => r.id).join(', ')}
                              (default ${DEFAULT_REVISION}), or auto: the revision the candidate declares
  --spec-from-file PATH       with --spec auto: the candidate's lock document; a header line declares
                              its revision (e.g. 'spec-revision: ${REVISIONS.at(-1)!.id}'), else the default
  --opt-out-env K=V           the variable that turns the revision's lock opt-out on (FILELOCK-3,
                              LAYER-3), for a fork that names it otherwise; repeatable
Selection
  --list                      print every check of the revision (ID, level, title) and exit
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
  --reporter NAME             spec (default), tap, json, markdown, junit or html; repeatable
  --reporter-destination D    stdout, stderr or a file, paired in order with --reporter (one
                              reporter alone writes to stdout; several need one each)
  --json FILE                 also write the JSON report (spec/report.schema.json)
  --junit FILE                also write JUnit XML
  --html FILE                 also write the HTML report (one self-contained page)
  --markdown FILE             also write Markdown (e.g. $GITHUB_STEP_SUMMARY)
  --verbose                   print every check's steps to stderr as they happen
  -h, --help                  this text
  -V, --version               harness and spec version

report FILE.json re-renders a saved report with any reporter (exit 0). compare prints a matrix of
builds by checks with key measurements; two reports of one build (same command and --env) are
diffed, regressions (pass to fail) first; --fail-on-regression exits 1 on one.

Exit codes: 0 conformant, 1 not conformant (compare: a regression with --fail-on-regression),
2 usage or harness error, or interrupted.`;

function listChecks(run: RunOptions): string {
  const { checks, options } = resolveRun({ only: run.only, skip: run.skip, ...(run.spec !== undefined ? { spec: run.spec } : {}), ...(run.specFromFile !== undefined ? { specFromFile: run.specFromFile } : {}) });
  const byId = new Map(revision(options.revision?.id ?? DEFAULT_REVISION).requirements.map((r) => [r.id, r]));
  // The default run's list is as it always was; another revision's says which it is.
  const heading = options.revision ? `spec ${specChoiceText(options.revision)}\n` : '';
  return heading + checks.map((c) => `${c.id.padEnd(12)} ${byId.get(c.id)!.level.padEnd(7)} ${byId.get(c.id)!.title}`).join('\n') + '\n';
}

async function main(argv: string[]): Promise<number> {
  if (argv[0] === 'report') return reportCommand(argv.slice(1), (stream, text) => void stream.write(text));
  if (argv[0] === 'compare') return compareCommand(argv.slice(1));
  const request = parseCommandLine(argv);
  if (request.action === 'help') return process.stdout.write(`${HELP}\n`), 0;
  if (request.action === 'version') return process.stdout.write(`${HARNESS.name} ${HARNESS.version} (spec ${DEFAULT_REVISION})\n`), 0;
  if (request.action === 'list') return process.stdout.write(listChecks(request.run)), 0;

  const { options, checks } = resolveRun(request.run);
  // A plan of another revision says which, and how it was chosen (--spec auto), as a run's first line does.
  if (request.action === 'plan') return process.stdout.write((options.revision ? `spec ${specChoiceText(options.revision)}\n` : '') + planText(planRun(checks, options), options)), 0;
  // With --verbose (or GLC_TRACE) every step is printed already, and a progress line would tangle with it.
  const tracing = request.verbose || Boolean(process.env.GLC_TRACE);
  let progress: Progress | undefined;
  const write = (stream: NodeJS.WriteStream, text: string) => {
    if (!text) return;
    progress?.clear();
    stream.write(text);
  };
  // Every destination is checked and created now, before the first check.
  const outputs = Outputs.openAll(request.outputs, write);
  // The first line and the progress go where they pollute no machine-read output.
  const humanOut = outputs.humanStream;
  progress = humanOut.isTTY && !tracing ? new Progress(humanOut) : undefined;

  const run = {
    argv: options.command,
    reference: request.run.command === undefined || request.run.command.length === 0,
    selected: checks.map((c) => c.id),
    all: revision(options.revision?.id ?? DEFAULT_REVISION).requirements.map((r) => r.id),
    trials: options.trials,
    specVersion: options.revision ? specChoiceText(options.revision) : DEFAULT_REVISION,
  };
  write(humanOut, outputs.humanReporter?.start?.(run) ?? `${startLine(run)}\n`);

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
      onPlan: (plan) => progress?.plan(plan, options.concurrency),
      onWarmup: (phase) => (phase === 'start' ? progress?.start(WARMUP_ID) : progress?.end(WARMUP_ID)),
      onCheckStart: (id) => progress?.start(id),
      ...(progress ? { onEvent: (id: string, event: TimelineEvent) => progress.event(id, event) } : {}),
      onResult: (result) => {
        progress?.end(result.id);
        outputs.result(result);
        progress?.render();
      },
    });
    progress?.stop();
    outputs.finish(report);
    return report.exitCode;
  } catch (error) {
    progress?.stop();
    if (error instanceof Interrupted) {
      if (error.report) outputs.finish(error.report);
      const files = outputs.files;
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
