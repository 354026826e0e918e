/**
 * FILELOCK-5 and LAYER-5: a revision's lock files as they are while the gateway runs, a pure
 * criterion over CRASH-4's runs (what appeared in the places read once the gateway was ready,
 * with the head of each file, and the gateway's processes at that moment).
 */
import { isInside, type ArtefactObservation, type ArtefactRun } from './crash.js';
import { fail, failed, pass, undecided, type Judgement } from './judgement.js';
import { baseName, isLockFile } from './revision.js';

export interface LockFileRules {
  /** The revision's lock file names (regular expressions for whole names): one file each. */
  lockFiles: string[];
  /** Fields the JSON must have: `pid` names one of the gateway's processes, `port` is P, any other is present. */
  fields: string[];
  /** Where inside the profile the files must sit (a directory, as a regular expression); absent: anywhere read. */
  lockTree?: string;
}

/** What is wrong with one lock file's content; empty when it names the gateway as the revision says. */
function contentProblems(path: string, head: string | undefined, run: ArtefactRun, fields: string[]): string[] {
  const payload = parsed(head);
  if (payload === NOT_JSON) return [`${path} is not JSON: ${JSON.stringify((head ?? '').slice(0, 80))}`];
  if (typeof payload !== 'object' || payload === null || Array.isArray(payload)) return [`${path} holds ${JSON.stringify(payload)}, not a JSON object`];
  const record = payload as Record<string, unknown>;
  const problems: string[] = [];
  for (const field of fields) {
    const value = record[field];
    if (value === undefined || value === null) problems.push(`${path} has no '${field}'`);
    else if (field === 'pid' && !(typeof value === 'number' && run.pids.includes(value))) {
      problems.push(`${path} names pid ${JSON.stringify(value)}, not one of the gateway's processes (${run.pids.join(', ')})`);
    } else if (field === 'port' && run.port !== undefined && value !== run.port) problems.push(`${path} names port ${JSON.stringify(value)}, not ${run.port}`);
  }
  return problems;
}

/**
 * A file the candidate made, not another program on the host: inside its own places (profile, run
 * temp dir), held open by one of its processes, or naming one of its pids.
 */
function isCandidates(file: { path: string; head?: string }, run: ArtefactRun): boolean {
  if (run.own.some((dir) => isInside(file.path, dir)) || run.held.some(([path]) => path === file.path)) return true;
  const pid = (parsed(file.head) as { pid?: unknown } | null)?.pid;
  return typeof pid === 'number' && run.pids.includes(pid);
}

const NOT_JSON = Symbol('not JSON');

/** A file's head as JSON, or NOT_JSON. */
function parsed(head: string | undefined): unknown {
  try {
    return JSON.parse(head ?? '');
  } catch {
    return NOT_JSON;
  }
}

/**
 * "Pass when, in each run, for each lock file name exactly one new file matches [inside the
 * profile's state dir under its lock tree], and its content is a JSON object whose `pid` is one
 * of the candidate's processes [and whose `port` is P], with each other field the revision names."
 */
export function judgeLockFilesWhileRunning(observation: ArtefactObservation, rules: LockFileRules): Judgement {
  if (observation.runs.length === 0) return undecided();
  /** Each run's problems, and the files that were right. */
  const byRun: { signal: string; problems: string[] }[] = [];
  const seen: string[] = [];
  const tree = rules.lockTree !== undefined ? new RegExp(`(^|/)${rules.lockTree}/[^/]+$`) : undefined;
  for (const run of observation.runs) {
    if (run.failure) return failed(run.failure);
    if (!run.whileRunning) return undecided();
    const profile = run.own[0]!;
    const problems: string[] = [];
    for (const name of rules.lockFiles) {
      const named = run.whileRunning.filter((f) => isLockFile(f.path, [name]) && isCandidates(f, run));
      const placed = tree ? named.filter((f) => isInside(f.path, profile) && tree.test(f.path.slice(profile.length))) : named;
      if (placed.length !== 1) {
        const elsewhere = named.filter((f) => !placed.includes(f)).map((f) => f.path);
        const inTree = tree ? ` in the state dir's lock tree (${readable(rules.lockTree!)})` : '';
        const listed = placed.length > 1 ? `: ${placed.map((f) => f.path).join(', ')}` : '';
        problems.push(`${placed.length} files named ${readable(name)}${inTree} while it ran${listed}${elsewhere.length > 0 ? `; elsewhere: ${elsewhere.join(', ')}` : ''}`);
        continue;
      }
      const file = placed[0]!;
      const wrong = contentProblems(file.path, file.head, run, rules.fields);
      problems.push(...wrong);
      if (wrong.length === 0) seen.push(file.path);
    }
    byRun.push({ signal: run.signal, problems });
  }
  // The same finding in every run is said once.
  const same = byRun.length > 1 && byRun.every((r) => r.problems.join('\n') === byRun[0]!.problems.join('\n'));
  const problems = same ? byRun[0]!.problems.map((p) => `(every run) ${p}`) : byRun.flatMap((r) => r.problems.map((p) => `(${r.signal} run) ${p}`));
  if (problems.length > 0) return fail(problems.join('; '), { expected: `one file per lock name (${rules.lockFiles.map(readable).join(', ')}), JSON naming ${rules.fields.join(', ')}` });
  const names = [...new Set(seen.map(baseName))];
  return pass(`each run held ${names.length === 1 ? 'its lock file' : 'its lock files'}, naming the gateway: ${names.join(', ')} (e.g. ${seen[0]})`);
}

/** A file name pattern as people read it: `gateway\\.state\\.lock` is `gateway.state.lock`. */
const readable = (pattern: string): string => pattern.replace(/\\(.)/g, '$1');
