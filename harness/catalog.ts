/** The requirement catalogue, read from spec/requirements.json (the single source of IDs and levels). */
import { readFileSync } from 'node:fs';
import type { Level } from './report.js';
import { packagePath } from './paths.js';

export interface Requirement {
  id: string;
  level: Level;
  section: string;
  title: string;
  /** The requirement's **Requirement.** paragraph in spec/gateway-lock.md, as one line. */
  sentence: string;
}

export interface Catalogue {
  specVersion: string;
  sections: { id: string; title: string }[];
  requirements: Requirement[];
}

const SPEC_TEXT = readFileSync(packagePath('spec/gateway-lock.md'), 'utf8');

/** The "**Requirement.**" paragraph of `id`'s section in the spec, markup removed, as one line. */
export function requirementSentence(spec: string, id: string): string {
  const start = spec.indexOf(`\n### ${id} (`);
  if (start < 0) return '';
  const rest = spec.slice(start + 1);
  const end = rest.search(/\n##/);
  const section = end < 0 ? rest : rest.slice(0, end);
  const at = section.indexOf('**Requirement.**');
  if (at < 0) return '';
  return section.slice(at + '**Requirement.**'.length).split(/\n\n/)[0]!.replace(/`/g, '').replace(/\s+/g, ' ').trim();
}

const parsed: Omit<Catalogue, 'requirements'> & { requirements: Omit<Requirement, 'sentence'>[] } = JSON.parse(readFileSync(packagePath('spec/requirements.json'), 'utf8'));

export const CATALOGUE: Catalogue = { ...parsed, requirements: parsed.requirements.map((r) => ({ ...r, sentence: requirementSentence(SPEC_TEXT, r.id) })) };

export function requirement(id: string): Requirement {
  const found = CATALOGUE.requirements.find((r) => r.id === id);
  if (!found) throw new Error(`unknown requirement id ${id}`);
  return found;
}

/** IDs matching any of the patterns (exact IDs or globs such as `CRASH-*`), in catalogue order. */
export function matchIds(patterns: string[]): { ids: string[]; unmatched: string[] } {
  const regexes = patterns.map((p) => ({ pattern: p, regex: globToRegex(p) }));
  const ids = CATALOGUE.requirements.map((r) => r.id).filter((id) => regexes.some(({ regex }) => regex.test(id)));
  const unmatched = regexes.filter(({ regex }) => !CATALOGUE.requirements.some((r) => regex.test(r.id))).map((r) => r.pattern);
  return { ids, unmatched };
}

function globToRegex(pattern: string): RegExp {
  const escaped = pattern.trim().toUpperCase().replace(/[.+^${}()|[\]\\]/g, '\\$&').replace(/\*/g, '.*').replace(/\?/g, '.');
  return new RegExp(`^${escaped}$`);
}
