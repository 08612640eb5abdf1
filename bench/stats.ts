// Summary statistics of timing samples (pure).

export interface Summary {
  median: number;
  min: number;
  max: number;
  /** Number of samples summarised. */
  n: number;
}

/** Median, min and max of the defined samples; undefined when there is none. */
export function summarize(samples: readonly (number | undefined)[]): Summary | undefined {
  const xs = samples.filter((x): x is number => x !== undefined && Number.isFinite(x)).sort((a, b) => a - b);
  if (xs.length === 0) return undefined;
  const mid = xs.length >> 1;
  const median = xs.length % 2 === 1 ? xs[mid]! : (xs[mid - 1]! + xs[mid]!) / 2;
  return { median, min: xs[0]!, max: xs[xs.length - 1]!, n: xs.length };
}

/**
 * Ratios taken pair by pair: `f(a[k], b[k])` for every round k where both were measured. Pairing
 * runs of the same round cancels much of the noise of a busy machine, which drifts between rounds.
 */
export function pairwise(
  a: readonly (number | undefined)[],
  b: readonly (number | undefined)[],
  f: (x: number, y: number) => number,
): number[] {
  const out: number[] = [];
  for (let k = 0; k < Math.min(a.length, b.length); k++) {
    const x = a[k];
    const y = b[k];
    if (x === undefined || y === undefined) continue;
    const v = f(x, y);
    if (Number.isFinite(v)) out.push(v);
  }
  return out;
}

export const ratio = (x: number, y: number): number => x / y;
export const difference = (x: number, y: number): number => x - y;
