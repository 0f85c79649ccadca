/**
 * prom-client's Counter and Histogram with series bound to their labels once
 * and counted in plain numbers. prom-client validates and hashes the label set
 * on every `inc` and `observe`, a bound child included (half a microsecond per
 * observation); on the paths every request takes, that was 6% of the server's
 * CPU (docs/performance.md). These keep prom-client's registry, its text
 * format and its types: only where a series keeps its numbers changes, and a
 * scrape reads them. A test checks that they write what prom-client's own
 * would.
 */
import {
  Counter,
  Histogram,
  type CounterConfiguration,
  type HistogramConfiguration,
  type LabelValues,
  type MetricObjectWithValues,
  type MetricValue,
} from 'prom-client';

export interface CounterSeries {
  inc(by?: number): void;
}

export interface HistogramSeries {
  observe(value: number): void;
}

type Labels = Readonly<Record<string, string | number>>;

/** One line of a histogram as prom-client's registry writes it: its own labels (`le`), then its series'. */
interface HistogramValue {
  readonly labels: Labels;
  readonly sharedLabels: Labels;
  readonly value: number;
  readonly metricName?: string;
}

/** A histogram as prom-client's registry reads it (`getForPromString`; `get` splays it). */
interface HistogramData {
  readonly name: string;
  readonly help: string;
  readonly type: 'histogram';
  readonly values: HistogramValue[];
  readonly aggregator: 'sum';
}

class CountedSeries<T extends string> implements CounterSeries {
  value = 0;

  constructor(readonly labels: LabelValues<T>) {}

  inc(by = 1): void {
    this.value += by;
  }
}

/** Label values as a plain record, without the ones left out. */
const labelRecord = <T extends string>(labels: LabelValues<T>): Labels =>
  Object.fromEntries(
    Object.entries(labels).filter((entry): entry is [string, string | number] => entry[1] !== undefined),
  );

class ObservedSeries implements HistogramSeries {
  /** Observations per bucket, not cumulative (the scrape adds them up). */
  readonly counts: Float64Array;
  sum = 0;
  count = 0;

  constructor(
    readonly labels: Labels,
    private readonly bounds: readonly number[],
  ) {
    this.counts = new Float64Array(bounds.length);
  }

  observe(value: number): void {
    const { bounds } = this;
    let bucket = 0;
    while (bucket < bounds.length && value > (bounds[bucket] ?? Infinity)) bucket += 1;
    if (bucket < bounds.length) this.counts[bucket] = (this.counts[bucket] ?? 0) + 1;
    this.sum += value;
    this.count += 1;
  }
}

export class BoundCounter<T extends string> extends Counter<T> {
  readonly #name: string;
  readonly #help: string;
  readonly #series: CountedSeries<T>[] = [];

  constructor(configuration: CounterConfiguration<T>) {
    super(configuration);
    this.#name = configuration.name;
    this.#help = configuration.help;
  }

  /** A series of its own for `labels`, to count into without looking it up again. */
  bind(labels: LabelValues<T>): CounterSeries {
    const series = new CountedSeries(labels);
    this.#series.push(series);
    return series;
  }

  override async get(): Promise<MetricObjectWithValues<MetricValue<T>>> {
    const own = await super.get();
    return {
      ...own,
      name: this.#name,
      help: this.#help,
      values: [...own.values, ...this.#series.map(({ labels, value }) => ({ labels, value }))],
    };
  }
}

export class BoundHistogram<T extends string> extends Histogram<T> {
  readonly #name: string;
  readonly #help: string;
  readonly #bounds: readonly number[];
  readonly #series: ObservedSeries[] = [];

  constructor(configuration: HistogramConfiguration<T> & { readonly buckets: number[] }) {
    super(configuration);
    this.#name = configuration.name;
    this.#help = configuration.help;
    this.#bounds = [...configuration.buckets].sort((a, b) => a - b);
  }

  /** A series of its own for `labels`, to observe into without looking it up again. */
  bind(labels: LabelValues<T>): HistogramSeries {
    const series = new ObservedSeries(labelRecord(labels), this.#bounds);
    this.#series.push(series);
    return series;
  }

  /**
   * What a scrape reads (prom-client's registry calls this; its `get` splays
   * it): each bound series as prom-client writes one, its buckets with `le`
   * first, then its sum and count. Only bound series are kept: `observe` with
   * labels is not for this class.
   */
  getForPromString(): Promise<HistogramData> {
    const name = this.#name;
    const values: HistogramValue[] = [];
    for (const { labels, counts, sum, count } of this.#series) {
      let cumulative = 0;
      this.#bounds.forEach((bound, index) => {
        cumulative += counts[index] ?? 0;
        values.push({ labels: { le: bound }, sharedLabels: labels, value: cumulative, metricName: `${name}_bucket` });
      });
      values.push({ labels: { le: '+Inf' }, sharedLabels: labels, value: count, metricName: `${name}_bucket` });
      values.push({ labels: {}, sharedLabels: labels, value: sum, metricName: `${name}_sum` });
      values.push({ labels: {}, sharedLabels: labels, value: count, metricName: `${name}_count` });
    }
    return Promise.resolve({ name, help: this.#help, type: 'histogram', values, aggregator: 'sum' });
  }
}
