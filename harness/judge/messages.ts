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
 * line), with the part that differs marked: for evidence when a message is missing.
 */
export function closestLine(output: string, expected: string): string | undefined {
  let best: { distance: number; text: string } | undefined;
  for (const line of lines(output)) {
    if (line.trim().length === 0 || line.length > 2000) continue;
    const { distance, end } = infixDistance(expected, line);
    if (!best || distance < best.distance) {
      // The same search backwards from `end` finds where the closest part begins.
      const back = infixDistance(reverse(expected), reverse(line.slice(0, end)));
      best = { distance, text: line.slice(end - back.end, end) };
    }
  }
  if (!best || best.distance > expected.length * 0.6) return undefined;
  return markDifference(expected, best.text);
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

/** `actual` with the differing middle put in ⟦ ⟧ after the common prefix and suffix. */
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
  return `${actual.slice(0, prefix)}⟦${actual.slice(prefix, actual.length - suffix)}⟧${actual.slice(actual.length - suffix)}`;
}
