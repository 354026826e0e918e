/**
 * The fixture catalogue and its kill matrix (fixture x ID), shared by the self-test and by
 * `npm run fixtures:readme`, which writes the matrix into fixtures/README.md in well under a second.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { parseCommandLine } from '../../harness/cli-args.js';
import { CATALOGUE } from '../../harness/catalog.js';
import { resolveRun } from '../../harness/config.js';
import { ROOT } from './cli.js';

export interface Fixture {
  name: string;
  kind: 'good' | 'broken';
  language: string;
  description: string;
  argv: string[];
  expectFail: string[];
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
const IDS = CATALOGUE.requirements.map((r) => r.id);

/** The kill matrix: a row per fixture, a column per ID; F fails, . passes, - is not run (--only). */
export function matrix(rows: { name: string; failing: string[]; selected: string[] }[]): string {
  const header = `| fixture | ${IDS.join(' | ')} |`;
  const rule = `|---|${IDS.map(() => ':-:').join('|')}|`;
  const cell = (r: (typeof rows)[number], id: string) => (r.failing.includes(id) ? 'F' : r.selected.includes(id) ? '.' : '-');
  const lines = rows.map((r) => `| ${r.name} | ${IDS.map((id) => cell(r, id)).join(' | ')} |`);
  const killed = IDS.map((id) => rows.filter((r) => r.failing.includes(id)).length);
  return [header, rule, ...lines, `| **kills** | ${killed.join(' | ')} |`].join('\n');
}

/** The IDs an entry's harnessArgs select (all of them without --only or --skip). */
export function selectedIds(fixture: Fixture): string[] {
  const request = parseCommandLine([...(fixture.harnessArgs ?? []), '--', process.execPath, '{port}']);
  return resolveRun(request.run).checks.map((c) => c.id);
}

export const expectedMatrix = () => matrix(FIXTURES.map((f) => ({ name: f.name, failing: f.expectFail, selected: selectedIds(f) })));

/** `readme` with its matrix block replaced by the catalogue's current matrix. */
export const freshReadme = (readme: string): string => readme.replace(/(<!-- matrix:start -->\n)[\s\S]*?(<!-- matrix:end -->)/, `$1${expectedMatrix()}\n$2`);
