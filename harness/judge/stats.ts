/** Pure statistics of samples in milliseconds: criteria and plans share them. */

export function percentile(values: number[], p: number): number {
  if (values.length === 0) return NaN;
  const sorted = [...values].sort((a, b) => a - b);
  const rank = (p / 100) * (sorted.length - 1);
  const low = Math.floor(rank);
  const high = Math.ceil(rank);
  return sorted[low]! + (sorted[high]! - sorted[low]!) * (rank - low);
}

export const median = (values: number[]): number => percentile(values, 50);

export const round = (ms: number): number => Math.round(ms * 10) / 10;

/** p50, p95 and max of a sample, under `name.p50` etc. */
export function summarize(name: string, values: number[]): Record<string, number> {
  if (values.length === 0) return {};
  return {
    [`${name}.p50`]: round(median(values)),
    [`${name}.p95`]: round(percentile(values, 95)),
    [`${name}.max`]: round(Math.max(...values)),
  };
}
