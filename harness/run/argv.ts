/** Candidate argv templates: placeholders, and the form without `--port` used by BIND-2. */

export const PLACEHOLDERS = ['port', 'stateDir'] as const;
export type Placeholder = (typeof PLACEHOLDERS)[number];
export type PlaceholderValues = Record<Placeholder, string>;

const PLACEHOLDER_PATTERN = /\{([A-Za-z][A-Za-z0-9_]*)\}/g;

export function unknownPlaceholders(words: string[]): string[] {
  const unknown = new Set<string>();
  for (const word of words) {
    for (const [, name] of word.matchAll(PLACEHOLDER_PATTERN)) {
      if (!(PLACEHOLDERS as readonly string[]).includes(name!)) unknown.add(`{${name}}`);
    }
  }
  return [...unknown];
}

export const usesPort = (words: string[]): boolean => words.some((w) => w.includes('{port}'));

export function fill(word: string, values: PlaceholderValues): string {
  return word.replace(PLACEHOLDER_PATTERN, (whole, name: string) =>
    name in values ? values[name as Placeholder] : whole,
  );
}

/**
 * The argv with the port option removed: `--port {port}` word pairs, `--port={port}` words, and
 * the same inside a word (`sh -c "gw --port {port}"`). Undefined when `{port}` is still used
 * elsewhere, since then no command without a port can be formed.
 */
export function withoutPortOption(argv: string[]): string[] | undefined {
  const out: string[] = [];
  for (let i = 0; i < argv.length; i++) {
    const word = argv[i]!;
    if (word.startsWith('-') && argv[i + 1] === '{port}') {
      i++;
      continue;
    }
    if (/^-[^=]*=\{port\}$/.test(word)) continue;
    out.push(word.replace(/\s*--?[A-Za-z-]+(?:=|\s+)\{port\}/g, ''));
  }
  return usesPort(out) ? undefined : out;
}
