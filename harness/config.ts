/** Turns user options into a validated run: every bad input becomes one UsageError line. */
import { createHash } from 'node:crypto';
import { accessSync, constants, readFileSync, statSync } from 'node:fs';
import { delimiter, isAbsolute, join, resolve } from 'node:path';
import { DEFAULT_REVISION, LOCK_OFF_ENV, matchIds, REVISIONS, revision, revisionsWith, type Revision } from './catalog.js';
import type { Check } from './checks/check.js';
import { checksOf } from './checks/index.js';
import { documentedWaitMs } from './judge/revision.js';
import type { SpecRevision } from './report.js';
import { packagePath } from './paths.js';
import { unknownPlaceholders, usesPort } from './run/argv.js';
import { DEFAULTS, STARTUP_CEILING_FACTOR, defaultConcurrency, type ResolvedOptions, type RunOptions } from './run/options.js';

export class UsageError extends Error {}

/**
 * The bundled reference gateway, in the mode of the revision judged: a run with no command and
 * `--spec file-lock-2026-02` judges the reference's file lock, not its bind-only lock.
 */
export function referenceCommand(revisionId: string = DEFAULT_REVISION): string[] {
  const mode = revisionId === DEFAULT_REVISION ? [] : ['--lock-revision', revisionId, '--state-dir', '{stateDir}'];
  return [process.execPath, packagePath('dist/reference-impl/cli.js'), '--port', '{port}', ...mode];
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

/** " (a requirement of file-lock-2026-02)" for an ID another revision has; "" for one no revision has. */
function elsewhere(patterns: string[]): string {
  const other = patterns.map((p) => [p, revisionsWith(p.trim().toUpperCase())] as const).filter(([, where]) => where.length > 0);
  return other.length > 0 ? ` (${other.map(([p, where]) => `${p} is a requirement of ${where.join(', ')}`).join('; ')})` : '';
}

function select(only: string[] | undefined, skip: string[] | undefined, spec: Revision): Check[] {
  let ids = spec.requirements.map((r) => r.id);
  for (const [flag, patterns] of [['--only', only], ['--skip', skip]] as const) {
    if (!patterns || patterns.length === 0) continue;
    const { ids: matched, unmatched } = matchIds(patterns, spec.id);
    if (unmatched.length > 0) throw new UsageError(`${flag} matches no requirement${inRevision(spec)}: ${unmatched.join(', ')}${elsewhere(unmatched)}`);
    ids = flag === '--only' ? ids.filter((id) => matched.includes(id)) : ids.filter((id) => !matched.includes(id));
  }
  if (ids.length === 0) throw new UsageError('the selection matches no check');
  return checksOf(spec).filter((check) => ids.includes(check.id));
}

/** " of spec revision R" where R is not the default: messages of default runs read as before. */
const inRevision = (spec: Revision): string => (spec.isDefault ? '' : ` of spec revision ${spec.id}`);

export const SPEC_AUTO = 'auto';

/** How many lines from the top of a lock document count as its header. */
const HEADER_LINES = 40;

/**
 * The revision a candidate's lock document declares: the first revision one of whose `declaredBy`
 * lines is a line of the document's header (its first 40 lines, trimmed), earlier `declaredBy`
 * entries (an explicit `spec-revision: <id>`) before later ones.
 */
export function declaredRevision(text: string): { revision: Revision; line: string } | undefined {
  const header = new Set(text.split(/\r?\n/).slice(0, HEADER_LINES).map((l) => l.trim()));
  const rank = Math.max(...REVISIONS.map((r) => r.declaredBy.length));
  for (let i = 0; i < rank; i++) {
    for (const candidate of REVISIONS) {
      const line = candidate.declaredBy[i];
      if (line !== undefined && header.has(line)) return { revision: candidate, line };
    }
  }
  return undefined;
}

/** --spec and --spec-from-file: the revision to judge against and how it was chosen. */
export function chooseRevision(spec: string | undefined, specFromFile: string | undefined, cwd: string): { spec: Revision; chosen: SpecRevision } {
  const known = [...REVISIONS.map((r) => r.id), SPEC_AUTO].join(', ');
  if (spec !== undefined && spec !== SPEC_AUTO && !REVISIONS.some((r) => r.id === spec)) {
    throw new UsageError(`--spec names no spec revision: '${spec}' (known: ${known})`);
  }
  if (specFromFile !== undefined && spec !== undefined && spec !== SPEC_AUTO) {
    throw new UsageError(`--spec-from-file is read only with --spec auto, not with --spec ${spec}`);
  }
  if (spec === undefined && specFromFile === undefined) return { spec: revision(DEFAULT_REVISION), chosen: { id: DEFAULT_REVISION, chosenBy: 'default' } };
  if (spec !== undefined && spec !== SPEC_AUTO) return { spec: revision(spec), chosen: { id: spec, chosenBy: 'named' } };
  if (specFromFile === undefined) return { spec: revision(DEFAULT_REVISION), chosen: { id: DEFAULT_REVISION, chosenBy: 'undeclared' } };
  if (specFromFile === '') throw new UsageError(`--spec-from-file takes a file name, got ''`);
  const file = resolve(cwd, specFromFile);
  let text: Buffer;
  try {
    text = readFileSync(file);
  } catch (error) {
    throw new UsageError(`cannot read --spec-from-file ${specFromFile}: ${(error as NodeJS.ErrnoException).code ?? (error as Error).message}`);
  }
  const sha256 = createHash('sha256').update(text).digest('hex');
  const declared = declaredRevision(text.toString('utf8'));
  if (!declared) return { spec: revision(DEFAULT_REVISION), chosen: { id: DEFAULT_REVISION, chosenBy: 'undeclared', declaration: { file, sha256 } } };
  return { spec: declared.revision, chosen: { id: declared.revision.id, chosenBy: 'declared', declaration: { file, sha256, line: declared.line } } };
}

/** The spec of a run's first line: `2025-12-11`, or how `--spec auto` chose it. */
export function specChoiceText(chosen: SpecRevision): string {
  switch (chosen.chosenBy) {
    case 'declared':
      return `${chosen.id}, declared by ${chosen.declaration!.file}: "${chosen.declaration!.line}"`;
    case 'undeclared':
      return `${chosen.id}, the default: --spec auto found no declaration${chosen.declaration ? ` in ${chosen.declaration.file}` : ' (no --spec-from-file)'}`;
    default:
      return chosen.id;
  }
}

export function resolveRun(input: RunOptions): { options: ResolvedOptions; checks: Check[] } {
  const cwd = resolve(input.cwd ?? process.cwd());
  if (!statSync(cwd, { throwIfNoEntry: false })?.isDirectory()) throw new UsageError(`--cwd is not a directory: ${cwd}`);
  const { spec, chosen } = chooseRevision(input.spec, input.specFromFile, cwd);
  const command = input.command && input.command.length > 0 ? input.command : referenceCommand(spec.id);
  const env = input.env ?? {};
  const unknown = unknownPlaceholders([...command, ...Object.values(env)]);
  if (unknown.length > 0) throw new UsageError(`unknown placeholder ${unknown.join(', ')} (known: {port}, {stateDir})`);
  if (!usesPort(command)) throw new UsageError('the command has no {port} placeholder: the harness must choose the port (e.g. -- my-gateway --port {port})');
  checkExecutable(command[0]!, cwd, env);

  const expectedFailures = new Set(input.expectedFailures ?? []);
  const unknownIds = [...expectedFailures].filter((id) => revisionsWith(id).length === 0);
  if (unknownIds.length > 0) throw new UsageError(`expected failures name unknown requirements: ${unknownIds.join(', ')}`);
  // A baseline is written for one revision: an entry of another revision's is told, never ignored.
  const otherIds = [...expectedFailures].filter((id) => !spec.requirements.some((r) => r.id === id));
  if (otherIds.length > 0) {
    throw new UsageError(`expected failures name requirements that spec revision ${spec.id} does not have: ${otherIds.map((id) => `${id} (${revisionsWith(id).join(', ')})`).join(', ')}`);
  }

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
  // The default, chosen by default, is not written into the options: such a run is as it was.
  if (chosen.chosenBy !== 'default') options.revision = chosen;
  const wait = documentedWaitMs(spec.params);
  if (input.optOutEnv !== undefined && !spec.params.optOutEnv) throw new UsageError(`--opt-out-env: spec revision ${spec.id} documents no opt-out variable`);
  const optOutEnv = input.optOutEnv ?? spec.params.optOutEnv;
  if (optOutEnv) options.optOutEnv = optOutEnv;
  options.withheldEnv = LOCK_OFF_ENV;
  // The candidate waits its documented time whatever the multiplier: not scaled.
  if (wait > 0) options.documentedWaitMs = wait;
  const checks = select(input.only, input.skip, spec);
  options.required = requiredIds(input.require, checks, spec);
  return { options, checks };
}

/** --require patterns as IDs; each must match a requirement that the selection runs. */
function requiredIds(patterns: string[] | undefined, checks: Check[], spec: Revision): Set<string> {
  if (!patterns || patterns.length === 0) return new Set();
  const { ids, unmatched } = matchIds(patterns, spec.id);
  if (unmatched.length > 0) throw new UsageError(`--require matches no requirement${inRevision(spec)}: ${unmatched.join(', ')}${elsewhere(unmatched)}`);
  const unselected = ids.filter((id) => !checks.some((c) => c.id === id));
  if (unselected.length > 0) throw new UsageError(`--require names checks the selection leaves out: ${unselected.join(', ')}`);
  return new Set(ids);
}
