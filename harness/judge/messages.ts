/** The exact GatewayLockError messages and how candidate output is matched against them. */

export const LOCK_MESSAGE_TEMPLATE = 'another gateway instance is already listening on ws://127.0.0.1:<port>';
export const BIND_FAILURE_TEMPLATE = 'failed to bind gateway socket on ws://127.0.0.1:<port>: <detail>';

export const lockMessage = (port: number): string => LOCK_MESSAGE_TEMPLATE.replace('<port>', String(port));

export const bindFailurePrefix = (port: number): string =>
  BIND_FAILURE_TEMPLATE.replace('<port>', String(port)).replace('<detail>', '');

export interface Match {
  found: boolean;
  /** The line that holds the message (when found). */
  line?: string;
}

const lines = (output: string): string[] => output.split(/\r?\n/);

/** Containment, with the port boundary rule: the character after the port is not a digit. */
function containsMessage(line: string, message: string): boolean {
  for (let at = line.indexOf(message); at >= 0; at = line.indexOf(message, at + 1)) {
    if (!/\d/.test(line.charAt(at + message.length))) return true;
  }
  return false;
}

export function findLockMessage(output: string, port: number): Match {
  const message = lockMessage(port);
  const line = lines(output).find((l) => containsMessage(l, message));
  return line === undefined ? { found: false } : { found: true, line };
}

/** The bind-failure message with a non-empty detail after the colon, on the same line. */
export function findBindFailure(output: string, port: number): Match & { detail?: string } {
  const prefix = bindFailurePrefix(port);
  for (const line of lines(output)) {
    const at = line.indexOf(prefix);
    if (at < 0) continue;
    const detail = line.slice(at + prefix.length).trim();
    if (detail.length > 0) return { found: true, line, detail };
  }
  return { found: false };
}

/** A line naming GatewayLockError that also carries the message. */
export function findTypedLine(output: string, message: string): Match {
  const line = lines(output).find((l) => l.includes('GatewayLockError') && containsMessage(l, message));
  return line === undefined ? { found: false } : { found: true, line };
}

/**
 * The output line closest to `expected` (edit distance of `expected` against any part of the
 * line), quoted whole (trimmed, long lines cut around the match) with the part that differs
 * marked by `markDifference`: for evidence when a message is missing.
 */
export function closestLine(output: string, expected: string): string | undefined {
  let best: { distance: number; line: string; start: number; end: number } | undefined;
  for (const line of lines(output)) {
    if (line.trim().length === 0 || line.length > 2000) continue;
    const { distance, end } = infixDistance(expected, line);
    if (!best || distance < best.distance) {
      // The same search backwards from `end` finds where the closest part begins.
      const back = infixDistance(reverse(expected), reverse(line.slice(0, end)));
      best = { distance, line, start: end - back.end, end };
    }
  }
  if (!best || best.distance > expected.length * 0.6) return undefined;
  let { start, end } = best;
  const { line, distance } = best;
  // Of equally close parts take the widest: "Another" against "another" is one changed letter,
  // not a missing "a" before "nother".
  while (start > 0 && editDistance(expected, line.slice(start - 1, end)) <= distance) start--;
  while (end < line.length && editDistance(expected, line.slice(start, end + 1)) <= distance) end++;
  const marked = markDifference(expected, line.slice(start, end));
  const CONTEXT = 60;
  const before = line.slice(0, start).trimStart();
  const after = line.slice(end).trimEnd();
  const head = before.length > CONTEXT ? `…${before.slice(-CONTEXT)}` : before;
  const tail = after.length > CONTEXT ? `${after.slice(0, CONTEXT)}…` : after;
  return `${head}${marked}${tail}`;
}

const reverse = (text: string): string => [...text].reverse().join('');

/** Sellers' algorithm: least edits turning `pattern` into some substring of `text`. */
function infixDistance(pattern: string, text: string): { distance: number; end: number } {
  let previous = Array.from({ length: pattern.length + 1 }, (_, i) => i);
  let best = { distance: pattern.length, end: 0 };
  for (let j = 1; j <= text.length; j++) {
    const current = [0];
    for (let i = 1; i <= pattern.length; i++) {
      const cost = pattern[i - 1] === text[j - 1] ? 0 : 1;
      current[i] = Math.min(previous[i - 1]! + cost, previous[i]! + 1, current[i - 1]! + 1);
    }
    if (current[pattern.length]! < best.distance) best = { distance: current[pattern.length]!, end: j };
    previous = current;
  }
  return best;
}

/** Levenshtein distance of two whole strings. */
function editDistance(a: string, b: string): number {
  let previous = Array.from({ length: a.length + 1 }, (_, i) => i);
  for (let j = 1; j <= b.length; j++) {
    const current = [j];
    for (let i = 1; i <= a.length; i++) {
      current[i] = Math.min(previous[i - 1]! + (a[i - 1] === b[j - 1] ? 0 : 1), previous[i]! + 1, current[i - 1]! + 1);
    }
    previous = current;
  }
  return previous[a.length]!;
}

/** The marks of a closest-line hint, explained once by the human reporters. */
export const DIFFERENCE_MARK_LEGEND =
  'in a "closest" line, ⟦x → y⟧ marks where the gateway wrote x and the message has y; ⟦→ y⟧: y is missing there; ⟦x →⟧: x is extra; ␠ is a space';

/** Whether `text` holds a mark made by `markDifference`. */
export const hasDifferenceMark = (text: string): boolean => /⟦[^⟧]*→[^⟧]*⟧/.test(text);

/** Blank text shown as ␠ (space) and ␉ (tab), so a missing space is seen. */
const visible = (text: string): string => (text.trim() === '' ? text.replace(/ /g, '␠').replace(/\t/g, '␉') : text);

/**
 * `actual` with the span that differs from `expected` (between their common prefix and suffix)
 * marked as ⟦what actual has → what expected has there⟧; either side may be empty (missing or
 * extra text). Identical text is returned unmarked.
 */
export function markDifference(expected: string, actual: string): string {
  let prefix = 0;
  while (prefix < expected.length && prefix < actual.length && expected[prefix] === actual[prefix]) prefix++;
  let suffix = 0;
  while (
    suffix < expected.length - prefix &&
    suffix < actual.length - prefix &&
    expected[expected.length - 1 - suffix] === actual[actual.length - 1 - suffix]
  ) {
    suffix++;
  }
  if (prefix === actual.length && prefix === expected.length) return actual;
  const has = visible(actual.slice(prefix, actual.length - suffix));
  const wants = visible(expected.slice(prefix, expected.length - suffix));
  const span = `⟦${has}${has ? ' ' : ''}→${wants ? ' ' : ''}${wants}⟧`;
  return `${actual.slice(0, prefix)}${span}${actual.slice(actual.length - suffix)}`;
}
