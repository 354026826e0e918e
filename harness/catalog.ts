/**
 * The requirement catalogue of every spec revision, read from spec/revisions/<id>.json (the single
 * source of each revision's IDs, levels, titles and parameters). The default revision, 2025-12-11,
 * keeps its catalogue in spec/requirements.json and its text in spec/gateway-lock.md; every other
 * revision lists the IDs it keeps from its base, the IDs it replaces (a changed requirement gets a
 * new ID: the old ID's stem and the revision's letter) and its new IDs, with its prose in
 * spec/revisions/<id>.prose.md. An ID means the same in every revision that has it.
 */
import { readdirSync, readFileSync } from 'node:fs';
import type { Level } from './report.js';
import type { RevisionParams } from './judge/revision.js';
import { packagePath } from './paths.js';

export interface Requirement {
  id: string;
  level: Level;
  section: string;
  title: string;
  /** The requirement's **Requirement.** paragraph in its revision's text, as one line. */
  sentence: string;
  /** For a changed requirement: the ID of the base revision it replaces. */
  replaces?: string;
  /** The revision whose text defines it (the base revision for a kept one). */
  definedBy: string;
}

export interface Catalogue {
  specVersion: string;
  sections: { id: string; title: string }[];
  requirements: Requirement[];
}

/** A revision: a requirement set with its budgets and messages, and how a candidate's document declares it. */
export interface Revision extends Catalogue {
  id: string;
  title: string;
  summary: string;
  /** The revision it is written against (none for the default). */
  base?: string;
  /** The letter its changed IDs carry (CONFLICT-3F). */
  letter?: string;
  isDefault: boolean;
  /** Header lines of a candidate's own lock document that declare this revision (`--spec auto`). */
  declaredBy: string[];
  /** Its budgets, messages and file names, read by its criteria. */
  params: RevisionParams;
  /** The source of its requirement text: spec/gateway-lock.md, or spec/revisions/<id>.prose.md. */
  textPath: string;
}

export const DEFAULT_REVISION = '2025-12-11';
const REVISIONS_DIR = 'spec/revisions';

interface RevisionSource {
  id: string;
  title: string;
  summary: string;
  base?: string;
  letter?: string;
  default?: boolean;
  catalogue?: string;
  declaredBy: string[];
  params?: RevisionParams;
  sections?: { id: string; title: string }[];
  requirements?: (string | { id: string; level: Level; section: string; title: string; replaces?: string })[];
}

/** The "**Requirement.**" paragraph of `id`'s section in a spec text, markup removed, as one line. */
export function requirementSentence(spec: string, id: string): string {
  const section = requirementSection(spec, id);
  if (section === undefined) return '';
  const at = section.indexOf('**Requirement.**');
  if (at < 0) return '';
  return section.slice(at + '**Requirement.**'.length).split(/\n\n/)[0]!.replace(/`/g, '').replace(/\s+/g, ' ').trim();
}

/**
 * The text of `id`'s subsection, up to the next heading of level 2 or 3: a `### ID (LEVEL): title`
 * heading in spec/gateway-lock.md, a bare `### ID` heading in a revision's prose.
 */
export function requirementSection(spec: string, id: string): string | undefined {
  const heading = new RegExp(`\\n### ${id.replace(/[.*+?^${}()|[\]\\-]/g, '\\$&')}( \\(|\\n)`);
  const match = heading.exec(`\n${spec}`);
  if (!match) return undefined;
  const rest = `\n${spec}`.slice(match.index + 1);
  const end = rest.slice(1).search(/\n###? /);
  return end < 0 ? rest : rest.slice(0, end + 1);
}

function readJson<T>(path: string): T {
  return JSON.parse(readFileSync(packagePath(path), 'utf8')) as T;
}

function loadRevisions(): Revision[] {
  const files = readdirSync(packagePath(REVISIONS_DIR)).filter((f) => f.endsWith('.json')).sort();
  const sources = files.map((f) => readJson<RevisionSource>(`${REVISIONS_DIR}/${f}`));
  const byId = new Map<string, Revision>();
  const defaults = sources.filter((s) => s.default);
  if (defaults.length !== 1 || defaults[0]!.id !== DEFAULT_REVISION) throw new Error(`spec/revisions: exactly one default revision, ${DEFAULT_REVISION}, expected`);
  const base = defaults[0]!;
  const baseCatalogue = readJson<{ specVersion: string; sections: Catalogue['sections']; requirements: Omit<Requirement, 'sentence' | 'definedBy'>[] }>(`${REVISIONS_DIR}/${base.catalogue}`);
  const baseText = readFileSync(packagePath('spec/gateway-lock.md'), 'utf8');
  byId.set(base.id, {
    id: base.id,
    title: base.title,
    summary: base.summary,
    isDefault: true,
    declaredBy: base.declaredBy,
    params: {},
    textPath: 'spec/gateway-lock.md',
    specVersion: baseCatalogue.specVersion,
    sections: baseCatalogue.sections,
    requirements: baseCatalogue.requirements.map((r) => ({ ...r, sentence: requirementSentence(baseText, r.id), definedBy: base.id })),
  });
  for (const source of sources.filter((s) => !s.default)) {
    const parent = byId.get(source.base ?? '');
    if (!parent) throw new Error(`spec/revisions/${source.id}.json: base ${source.base} is not a revision loaded before it`);
    const textPath = `${REVISIONS_DIR}/${source.id}.prose.md`;
    const text = readFileSync(packagePath(textPath), 'utf8');
    const requirements = (source.requirements ?? []).map((entry): Requirement => {
      if (typeof entry === 'string') {
        const kept = parent.requirements.find((r) => r.id === entry);
        if (!kept) throw new Error(`spec/revisions/${source.id}.json: keeps ${entry}, which ${parent.id} lacks`);
        return kept;
      }
      return { ...entry, sentence: requirementSentence(text, entry.id), definedBy: source.id };
    });
    byId.set(source.id, {
      id: source.id,
      title: source.title,
      summary: source.summary,
      base: parent.id,
      ...(source.letter ? { letter: source.letter } : {}),
      isDefault: false,
      declaredBy: source.declaredBy,
      params: source.params ?? {},
      textPath,
      specVersion: source.id,
      sections: [...parent.sections, ...(source.sections ?? [])],
      requirements,
    });
  }
  return [...byId.values()];
}

/** Every revision: the default first, then the others in the order of their file names. */
export const REVISIONS: Revision[] = loadRevisions();

/**
 * Every revision's `lockOffEnv`: variables a candidate does not inherit from the harness, since
 * a shell, a CI runner or a service manager that set them would turn a lock off unseen.
 */
export const LOCK_OFF_ENV: readonly string[] = [...new Set(REVISIONS.flatMap((r) => r.params.lockOffEnv ?? []))];

export function revision(id: string): Revision {
  const found = REVISIONS.find((r) => r.id === id);
  if (!found) throw new Error(`unknown spec revision ${id}`);
  return found;
}

/** The default revision's catalogue (2025-12-11): what a run without --spec judges. */
export const CATALOGUE: Catalogue = revision(DEFAULT_REVISION);

/** Requirement `id` as revision `revisionId` states it. */
export function requirement(id: string, revisionId: string = DEFAULT_REVISION): Requirement {
  const found = revision(revisionId).requirements.find((r) => r.id === id);
  if (!found) throw new Error(`unknown requirement id ${id}${revisionId === DEFAULT_REVISION ? '' : ` in spec revision ${revisionId}`}`);
  return found;
}

/** The revisions that have requirement `id`. */
export const revisionsWith = (id: string): string[] => REVISIONS.filter((r) => r.requirements.some((q) => q.id === id)).map((r) => r.id);

/** IDs matching any of the patterns (exact IDs or globs such as `CRASH-*`), in the revision's catalogue order. */
export function matchIds(patterns: string[], revisionId: string = DEFAULT_REVISION): { ids: string[]; unmatched: string[] } {
  const known = revision(revisionId).requirements.map((r) => r.id);
  const regexes = patterns.map((p) => ({ pattern: p, regex: globToRegex(p) }));
  const ids = known.filter((id) => regexes.some(({ regex }) => regex.test(id)));
  const unmatched = regexes.filter(({ regex }) => !known.some((id) => regex.test(id))).map((r) => r.pattern);
  return { ids, unmatched };
}

function globToRegex(pattern: string): RegExp {
  const escaped = pattern.trim().toUpperCase().replace(/[.+^${}()|[\]\\]/g, '\\$&').replace(/\*/g, '.*').replace(/\?/g, '.');
  return new RegExp(`^${escaped}$`);
}
