/**
 * gateway-lock.config.json: a run's settings in one file (spec/config.schema.json), found in the
 * current directory or named by --config. It is checked against the schema before anything runs;
 * a bad key or value is one UsageError line naming the file and the key.
 */
import { existsSync, readFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import Ajv2020Module from 'ajv/dist/2020.js';
import { matchIds, REVISIONS, revisionsWith } from './catalog.js';
import { UsageError } from './config.js';
import type { ReporterName } from './reporters/index.js';
import { packagePath } from './paths.js';

export const CONFIG_FILE_NAME = 'gateway-lock.config.json';

/** The keys of spec/config.schema.json. */
export interface ConfigValues {
  spec?: string;
  specFromFile?: string;
  optOutEnv?: Record<string, string>;
  command?: string[];
  env?: Record<string, string>;
  cwd?: string;
  only?: string[];
  skip?: string[];
  require?: string[];
  failOnSkip?: boolean;
  strict?: boolean;
  expectedFailures?: string | string[];
  trials?: number;
  concurrency?: number;
  isolated?: boolean;
  earlyStop?: boolean;
  timeoutMultiplier?: number;
  releaseBudgetMs?: number;
  exitBudgetMs?: number;
  readyPattern?: string;
  readyDelayMs?: number;
  warmup?: boolean;
  verbose?: boolean;
  reporters?: { reporter: ReporterName; destination?: string }[];
}

export interface ConfigFile {
  /** As the user named it (or the default name), for messages. */
  name: string;
  /** The directory relative paths in it are relative to. */
  dir: string;
  values: ConfigValues;
}

interface AjvError {
  instancePath: string;
  keyword: string;
  message?: string;
  params: Record<string, unknown>;
  parentSchema?: { description?: string };
}
type Validate = ((data: unknown) => boolean) & { errors?: AjvError[] | null };

const Ajv2020 = (Ajv2020Module as unknown as { default?: typeof Ajv2020Module }).default ?? Ajv2020Module;
let validate: Validate | undefined;

function validator(): Validate {
  if (!validate) {
    const schema = JSON.parse(readFileSync(packagePath('spec/config.schema.json'), 'utf8')) as object;
    const ajv = new (Ajv2020 as unknown as new (o: object) => { compile(s: object): Validate })({ allErrors: false, strict: true, verbose: true });
    validate = ajv.compile(schema);
  }
  return validate;
}

/** `/reporters/1/destination` → `reporters[1].destination`. */
function keyOf(instancePath: string): string {
  return instancePath
    .split('/')
    .slice(1)
    .map((part, i) => (/^\d+$/.test(part) ? `[${part}]` : i === 0 ? part : `.${part}`))
    .join('');
}

/** One line for the first schema error, naming the key. */
function describe(error: AjvError, known: string[]): string {
  const key = keyOf(error.instancePath);
  if (error.keyword === 'additionalProperties') {
    const extra = String(error.params.additionalProperty);
    const where = key ? `${key}.${extra}` : extra;
    return `unknown key '${where}'${key ? '' : ` (known keys: ${known.join(', ')})`}`;
  }
  if (error.keyword === 'anyOf' || error.keyword === 'oneOf') return `'${key}' is not valid: ${error.parentSchema?.description ?? error.message}`;
  if (!key) return `the configuration ${error.message}`;
  return `'${key}' ${error.message}`;
}

/** Reads and checks one configuration file; every problem is a UsageError naming it. */
export function loadConfig(file: string, name = file): ConfigFile {
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (error) {
    throw new UsageError(`cannot read --config ${name}: ${(error as NodeJS.ErrnoException).code ?? (error as Error).message}`);
  }
  let data: unknown;
  try {
    data = JSON.parse(text);
  } catch (error) {
    throw new UsageError(`${name}: not valid JSON: ${(error as Error).message.split('\n')[0]}`);
  }
  const check = validator();
  if (!check(data)) {
    const schema = JSON.parse(readFileSync(packagePath('spec/config.schema.json'), 'utf8')) as { properties: Record<string, unknown> };
    const known = Object.keys(schema.properties).filter((k) => k !== '$schema');
    // A value that fits no branch of an anyOf is told as the whole, not as its first branch's complaint.
    const errors = check.errors!;
    const chosen = errors.find((e) => e.keyword === 'anyOf' || e.keyword === 'oneOf') ?? errors[0]!;
    throw new UsageError(`${name}: ${describe(chosen, known)}`);
  }
  const values = data as ConfigValues;
  const revisions = REVISIONS.map((r) => r.id);
  if (values.spec !== undefined && values.spec !== 'auto' && !revisions.includes(values.spec)) {
    throw new UsageError(`${name}: 'spec' is ${values.spec}, but this harness implements spec revisions ${revisions.join(', ')}: review the spec's changelog, then update 'spec'`);
  }
  // IDs are checked against every revision here (the command line may choose the revision); the
  // run checks them against the one it judges.
  for (const key of ['only', 'skip', 'require'] as const) {
    const unmatched = values[key] ? values[key]!.filter((pattern) => REVISIONS.every((r) => matchIds([pattern], r.id).unmatched.length > 0)) : [];
    if (unmatched.length > 0) throw new UsageError(`${name}: '${key}' matches no requirement: ${unmatched.join(', ')}`);
  }
  if (Array.isArray(values.expectedFailures)) {
    const unknown = values.expectedFailures.filter((id) => revisionsWith(id).length === 0);
    if (unknown.length > 0) throw new UsageError(`${name}: 'expectedFailures' names unknown requirements: ${unknown.join(', ')}`);
  }
  if (values.readyPattern !== undefined) {
    try {
      new RegExp(values.readyPattern);
    } catch (error) {
      throw new UsageError(`${name}: 'readyPattern' is not a valid regular expression: ${(error as Error).message}`);
    }
  }
  return { name, dir: dirname(resolve(file)), values };
}

/** The configuration to use: --config FILE, else gateway-lock.config.json in `cwd` if there is one. */
export function findConfig(explicit: string | undefined, cwd: string): ConfigFile | undefined {
  if (explicit !== undefined) {
    if (explicit === '') throw new UsageError(`--config takes a file name, got ''`);
    return loadConfig(resolve(cwd, explicit), explicit);
  }
  const found = join(cwd, CONFIG_FILE_NAME);
  return existsSync(found) ? loadConfig(found, CONFIG_FILE_NAME) : undefined;
}
