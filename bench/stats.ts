/** Percentiles by nearest rank: of 20 samples, p99 is the slowest. */
export type Percentiles = Readonly<Record<'p50' | 'p99', number>>;

export function percentiles(values: readonly number[]): Percentiles {
  const sorted = [...values].sort((a, b) => a - b);
  const rank = (p: number) => sorted[Math.max(0, Math.ceil(p * sorted.length) - 1)] ?? 0;
  return { p50: rank(0.5), p99: rank(0.99) };
}
