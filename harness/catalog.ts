/** The requirement catalogue, read from spec/requirements.json (the single source of IDs and levels). */
import { readFileSync } from 'node:fs';
import type { Level } from './report.js';
import { packagePath } from './paths.js';

export interface Requirement {
  id: string;
  level: Level;
  section: string;
  title: string;
}

export interface Catalogue {
  specVersion: string;
  sections: { id: string; title: string }[];
  requirements: Requirement[];
}

export const CATALOGUE: Catalogue = JSON.parse(readFileSync(packagePath('spec/requirements.json'), 'utf8'));

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
