// Seeded pseudo-random numbers. Stages must be reproducible byte for byte from params, so they
// never touch Math.random; every random draw comes from a generator seeded from params.yaml.

/** A generator of uniform numbers in [0, 1). */
export type Uniform = () => number;

/** mulberry32: a 32-bit state generator; small, fast and good enough for synthetic data. */
export function mulberry32(seed: number): Uniform {
  let state = seed >>> 0;
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** Derive an independent seed for a named sub-stream (e.g. one month), so that changing one
 *  month's generation never shifts the random numbers of another. FNV-1a over the label. */
export function deriveSeed(seed: number, label: string): number {
  let h = (0x811c9dc5 ^ (seed >>> 0)) >>> 0;
  for (let i = 0; i < label.length; i++) {
    h ^= label.charCodeAt(i);
    h = Math.imul(h, 0x01000193) >>> 0;
  }
  return h;
}

/** Standard normal draws by Box–Muller (the cosine branch only: simpler, still exact). */
export function normal(rand: Uniform, mean = 0, sd = 1): number {
  let u = rand();
  while (u <= Number.MIN_VALUE) u = rand();
  const v = rand();
  return mean + sd * Math.sqrt(-2 * Math.log(u)) * Math.cos(2 * Math.PI * v);
}

/** A seeded Fisher–Yates permutation of 0..n-1. */
export function shuffledIndices(n: number, rand: Uniform): number[] {
  const idx = Array.from({ length: n }, (_, i) => i);
  for (let i = n - 1; i > 0; i--) {
    const j = Math.floor(rand() * (i + 1));
    const t = idx[i]!;
    idx[i] = idx[j]!;
    idx[j] = t;
  }
  return idx;
}
