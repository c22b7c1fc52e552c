/** Nearest-rank percentile of a list of numbers (p in 0..100). */
export function percentile(values: number[], p: number): number {
  if (values.length === 0) return Number.NaN;
  const sorted = [...values].sort((a, b) => a - b);
  const rank = Math.min(sorted.length, Math.max(1, Math.ceil((p / 100) * sorted.length)));
  return sorted[rank - 1] ?? Number.NaN;
}

export interface Summary {
  p50: number;
  p95: number;
  max: number;
}

export function summarise(values: number[]): Summary {
  return { p50: percentile(values, 50), p95: percentile(values, 95), max: Math.max(...values) };
}
