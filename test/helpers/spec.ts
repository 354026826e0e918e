/** The spec's text, for tests that quote it: a quote that is not in the spec fails the test. */
import assert from 'node:assert/strict';
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { ROOT } from './cli.js';

const SPEC = readFileSync(join(ROOT, 'spec/gateway-lock.md'), 'utf8');
const plain = (text: string) => text.replace(/`/g, '').replace(/\s+/g, ' ').trim();

/** The generated documents of the other spec revisions (spec/revisions/<id>.md), where their own requirements are. */
const REVISION_DOCS = readdirSync(join(ROOT, 'spec/revisions'))
  .filter((f) => f.endsWith('.md') && !f.endsWith('.prose.md') && f !== 'README.md')
  .map((f) => readFileSync(join(ROOT, 'spec/revisions', f), 'utf8'));

/** The "**Pass criteria.**" paragraph of requirement `id` (of any revision), backticks and line breaks removed. */
export function passCriteria(id: string): string {
  const text = [SPEC, ...REVISION_DOCS].find((doc) => doc.includes(`\n### ${id} (`)) ?? SPEC;
  const start = text.indexOf(`\n### ${id} (`);
  assert.ok(start >= 0, `the spec has no section for ${id}`);
  const end = text.slice(start + 1).search(/\n##/);
  const section = text.slice(start, end < 0 ? undefined : start + 1 + end);
  const at = section.indexOf('**Pass criteria.**');
  assert.ok(at >= 0, `${id} has no pass criteria`);
  return plain(section.slice(at + '**Pass criteria.**'.length).split(/\n\n/)[0]!);
}

/** `phrase`, checked to be in `id`'s pass criteria, for a test name. */
export function quote(id: string, phrase: string): string {
  assert.ok(passCriteria(id).includes(plain(phrase)), `${id}'s pass criteria do not say "${phrase}"`);
  return `${id}: "${phrase}"`;
}

/** `phrase`, checked to be in the spec's common procedure (or anywhere in its text), for a test name. */
export function specSays(phrase: string): string {
  assert.ok(plain(SPEC).includes(plain(phrase)), `the spec does not say "${phrase}"`);
  return `spec: "${phrase}"`;
}
