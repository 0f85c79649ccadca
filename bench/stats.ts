/** Percentiles by nearest rank, the one definition every bench figure uses: of 20 samples, p99 is the slowest. */
export type Percentiles = Readonly<Record<'p50' | 'p99', number>>;

/** The nearest-rank `q` quantile (0 < q ≤ 1) of values already sorted ascending; 0 when there are none. */
export function nearestRank(sorted: ArrayLike<number>, q: number): number {
  return sorted[Math.max(0, Math.ceil(q * sorted.length) - 1)] ?? 0;
}

export function percentiles(values: readonly number[]): Percentiles {
  const sorted = [...values].sort((a, b) => a - b);
  return { p50: nearestRank(sorted, 0.5), p99: nearestRank(sorted, 0.99) };
}
