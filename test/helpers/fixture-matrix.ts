/**
 * The fixture catalogue and its kill matrices (fixture x ID, one per spec revision), shared by the
 * self-test and by `npm run fixtures:readme`, which writes the matrices into fixtures/README.md in
 * well under a second.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { parseCommandLine } from '../../harness/cli-args.js';
import { DEFAULT_REVISION, REVISIONS, revision } from '../../harness/catalog.js';
import { resolveRun } from '../../harness/config.js';
import { ROOT } from './cli.js';

export interface Fixture {
  name: string;
  kind: 'good' | 'broken';
  language: string;
  description: string;
  argv: string[];
  /** IDs of the entry's spec revision that the harness must report `fail`. */
  expectFail: string[];
  /** The spec revision it is judged against (`--spec`); absent: the default, 2025-12-11. */
  spec?: string;
  build?: { cc: string };
  harnessArgs?: string[];
  /**
   * Binds 18789 in every check, outside BIND-2: the self-test holds the harness's host-wide
   * 18789 lock while it runs, so no BIND-2 of any harness run on the host overlaps it.
   */
  bindsDefaultPort?: boolean;
  /** Its defect makes checks wait out budgets: started first, so it does not finish last. */
  slow?: boolean;
}

export const FIXTURES_DIR = join(ROOT, 'fixtures');
export const README = join(FIXTURES_DIR, 'README.md');
export const FIXTURES: Fixture[] = JSON.parse(readFileSync(join(FIXTURES_DIR, 'catalog.json'), 'utf8')).fixtures;

/** The revision an entry is judged against. */
export const specOf = (fixture: Fixture): string => fixture.spec ?? DEFAULT_REVISION;

/** Every revision's ID, in catalogue order. */
export const revisionIds = (id: string): string[] => revision(id).requirements.map((r) => r.id);

/** The revisions, default first, each with its catalogue entries. */
export const byRevision = (fixtures: Fixture[] = FIXTURES): { id: string; ids: string[]; fixtures: Fixture[] }[] =>
  REVISIONS.map((r) => ({ id: r.id, ids: revisionIds(r.id), fixtures: fixtures.filter((f) => specOf(f) === r.id) }));

/** The harness options an entry runs with: its revision, then its own. */
export const harnessOptions = (fixture: Fixture): string[] => [...(fixture.spec ? ['--spec', fixture.spec] : []), ...(fixture.harnessArgs ?? [])];

/**
 * The kill matrix of one revision: a row per fixture, a column per ID of the revision; F fails,
 * . passes, - is not run (--only).
 */
export function matrix(ids: string[], rows: { name: string; failing: string[]; selected: string[] }[]): string {
  const header = `| fixture | ${ids.join(' | ')} |`;
  const rule = `|---|${ids.map(() => ':-:').join('|')}|`;
  const cell = (r: (typeof rows)[number], id: string) => (r.failing.includes(id) ? 'F' : r.selected.includes(id) ? '.' : '-');
  const lines = rows.map((r) => `| ${r.name} | ${ids.map((id) => cell(r, id)).join(' | ')} |`);
  const killed = ids.map((id) => rows.filter((r) => r.failing.includes(id)).length);
  return [header, rule, ...lines, `| **kills** | ${killed.join(' | ')} |`].join('\n');
}

/** The IDs an entry's revision and harnessArgs select (all of the revision's without --only or --skip). */
export function selectedIds(fixture: Fixture): string[] {
  const request = parseCommandLine([...harnessOptions(fixture), '--', process.execPath, '{port}']);
  return resolveRun(request.run).checks.map((c) => c.id);
}

/** A revision's matrix as the catalogue states it. */
export const expectedMatrix = (revisionId: string): string => {
  const group = byRevision().find((g) => g.id === revisionId)!;
  return matrix(group.ids, group.fixtures.map((f) => ({ name: f.name, failing: f.expectFail, selected: selectedIds(f) })));
};

const block = (revisionId: string) => new RegExp(`(<!-- matrix:${revisionId.replace(/\./g, '\\.')}:start -->\n)[\\s\\S]*?(<!-- matrix:${revisionId.replace(/\./g, '\\.')}:end -->)`);

/** The revisions whose matrix block `readme` lacks (the README must hold one per revision). */
export const missingMatrices = (readme: string): string[] => REVISIONS.map((r) => r.id).filter((id) => !block(id).test(readme));

/** `readme` with each revision's matrix block replaced by the catalogue's current matrix. */
export const freshReadme = (readme: string): string => REVISIONS.reduce((text, r) => text.replace(block(r.id), `$1${expectedMatrix(r.id)}\n$2`), readme);
