/**
 * A spec revision's parameters, as its criteria read them: budgets, messages and file names that
 * the revision documents (spec/revisions/<id>.json, `params`). They are data: a criterion takes
 * them as an argument, so one criterion serves every revision that states the behaviour, and a
 * revision changes budgets and messages without changing the harness.
 */

export interface RevisionParams {
  /** How long a second instance may wait for a held lock before it gives up, ms. */
  lockWaitMs?: number;
  /** EADDRINUSE retries the revision allows, and how far apart (ms). */
  bindRetries?: number;
  bindRetryIntervalMs?: number;
  /** The time the retries may take, with room for the attempts themselves, ms. */
  bindRetryAllowanceMs?: number;
  /** The message of a refused lock: `<pid>` and `<ms>` stand for decimal numbers. */
  lockMessage?: string;
  /** Regular expressions for the file names of the revision's own lock files (whole names). */
  lockFiles?: string[];
  /**
   * The fields a lock file's JSON names while the gateway runs: `pid` (one of its processes),
   * `port` (its port P), and any other field that must be present.
   */
  lockFileFields?: string[];
  /** The environment that turns the revision's opt-out on (a second gateway on one config). */
  optOutEnv?: Record<string, string>;
  /**
   * Variables that turn a lock layer of the revision off or change it (`NAME`: set to anything
   * non-empty; `NAME=VALUE`: that value): a test runner's, a supervisor's, the opt-out. A
   * candidate does not inherit them from the harness (run/context.ts), whatever the revision judged.
   */
  lockOffEnv?: string[];
  /** A regular expression for the directory, inside the profile, that holds the revision's lock tree. */
  lockTree?: string;
  /** A regular expression for the names in the lock tree that may stay after a graceful stop. */
  lockTreeKeepsAfterStop?: string;
}

/**
 * The longest an instance on a taken port may wait under the revision before it fails: its lock
 * wait and its bind retries, in the worst case one after the other (0 where it documents none).
 */
export const documentedWaitMs = (params: RevisionParams): number => (params.lockWaitMs ?? 0) + (params.bindRetryAllowanceMs ?? 0);

/** A parameter the revision must state for this criterion: a missing one is a bug in the revision's data. */
export function param<K extends keyof RevisionParams>(params: RevisionParams, key: K): NonNullable<RevisionParams[K]> {
  const value = params[key];
  if (value === undefined) throw new Error(`the spec revision states no '${key}', which this criterion reads`);
  return value as NonNullable<RevisionParams[K]>;
}

const escape = (text: string) => text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');

/** A message template as a regular expression: `<pid>`, `<ms>` and `<port>` match (capture) decimal numbers. */
export function templatePattern(template: string): RegExp {
  const source = escape(template).replace(/<(pid|ms|port)>/g, '(\\d+)');
  return new RegExp(source);
}

/** The numbers a line that matches the template has in place of `<pid>`, `<ms>` and `<port>`, in order. */
export function templateValues(line: string, template: string): { name: string; value: number }[] {
  const match = templatePattern(template).exec(line);
  if (!match) return [];
  const names = [...template.matchAll(/<(pid|ms|port)>/g)].map((m) => m[1]!);
  return names.map((name, i) => ({ name, value: Number(match[i + 1]) }));
}

/** The first line of `output` that contains the template's message (matching rules 1 to 3: one line, ANSI already stripped). */
export function findTemplateLine(output: string, template: string): string | undefined {
  const pattern = templatePattern(template);
  return output.split(/\r?\n/).find((line) => pattern.test(line));
}

/** The file name (last path component) of `path`. */
export const baseName = (path: string): string => path.slice(path.lastIndexOf('/') + 1);

/** True when the file name of `path` is one of the revision's lock files. */
export function isLockFile(path: string, lockFiles: string[]): boolean {
  const name = baseName(path);
  return lockFiles.some((source) => new RegExp(`^(?:${source})$`).test(name));
}
