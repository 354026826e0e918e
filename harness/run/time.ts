import { setTimeout as delay } from 'node:timers/promises';

/** Monotonic milliseconds. */
export const now = (): number => performance.now();

export const sleep = (ms: number): Promise<void> => delay(ms);

export { median, percentile, round, summarize } from '../judge/stats.js';

/** `promise`'s value, or undefined once `ms` have passed; the timer never outlives the race. */
export async function within<T>(promise: Promise<T>, ms: number): Promise<T | undefined> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<undefined>((resolve) => {
    timer = setTimeout(resolve, ms, undefined);
  });
  try {
    return await Promise.race([promise, timeout]);
  } finally {
    clearTimeout(timer);
  }
}
