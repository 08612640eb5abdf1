// Descriptive statistics and binning shared by the drift tests and the model.

export function mean(values: readonly number[]): number {
  let s = 0;
  for (const v of values) s += v;
  return s / values.length;
}

/** Population standard deviation (ddof = 0, NumPy's default and Evidently's normaliser). */
export function std(values: readonly number[]): number {
  const m = mean(values);
  let s = 0;
  for (const v of values) s += (v - m) * (v - m);
  return Math.sqrt(s / values.length);
}

/** Quantile of sorted values by linear interpolation (NumPy's default, Hyndman–Fan type 7). */
export function quantileSorted(sorted: readonly number[], q: number): number {
  const pos = (sorted.length - 1) * q;
  const lo = Math.floor(pos);
  const hi = Math.min(lo + 1, sorted.length - 1);
  const frac = pos - lo;
  return sorted[lo]! + (sorted[hi]! - sorted[lo]!) * frac;
}

/** Number of values in `sorted` strictly below `x` (NumPy's searchsorted side='left'). */
export function countBelow(sorted: readonly number[], x: number): number {
  let lo = 0;
  let hi = sorted.length;
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    if (sorted[mid]! < x) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}

/** Number of values in `sorted` at or below `x` (searchsorted side='right'). */
export function countAtOrBelow(sorted: readonly number[], x: number): number {
  let lo = 0;
  let hi = sorted.length;
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    if (sorted[mid]! <= x) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}

export function sortedCopy(values: readonly number[]): number[] {
  return [...values].sort((a, b) => a - b);
}

/**
 * Equal-width edges over [min, max] of all values with Sturges' bin count, as NumPy's
 * `histogram_bin_edges(values, bins='sturges')` (which Evidently uses for binned tests).
 */
export function sturgesEdges(values: readonly number[]): number[] {
  let lo = Infinity;
  let hi = -Infinity;
  for (const v of values) {
    if (v < lo) lo = v;
    if (v > hi) hi = v;
  }
  if (lo === hi) {
    lo -= 0.5;
    hi += 0.5;
  }
  const bins = Math.ceil(Math.log2(values.length) + 1);
  return linspace(lo, hi, bins + 1);
}

/** `count` evenly spaced numbers from start to stop inclusive, computed as NumPy does. */
export function linspace(start: number, stop: number, count: number): number[] {
  const step = (stop - start) / (count - 1);
  const out = Array.from({ length: count }, (_, i) => i * step + start);
  out[count - 1] = stop;
  return out;
}

/** Counts per bin [e_i, e_{i+1}), the last bin closed: NumPy's `histogram` with given edges. */
export function histogramCounts(values: readonly number[], edges: readonly number[]): number[] {
  const bins = edges.length - 1;
  const counts = new Array<number>(bins).fill(0);
  const first = edges[0]!;
  const last = edges[bins]!;
  for (const v of values) {
    if (v < first || v > last) continue;
    let k = countAtOrBelow(edges, v) - 1;
    if (k >= bins) k = bins - 1;
    counts[k]!++;
  }
  return counts;
}

export function proportions(counts: readonly number[]): number[] {
  const total = counts.reduce((a, b) => a + b, 0);
  return counts.map((c) => (total === 0 ? 0 : c / total));
}
