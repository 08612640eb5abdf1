// "Did you mean …?" for misspelt field names.
import { closest, editDistance } from '../util/suggest.js';

/** How many edits a typo of a word this long may have. */
function typoLimit(word: string): number {
  return word.length <= 3 ? 1 : word.length <= 6 ? 2 : 3;
}

/** The candidate closest to `word`, when it is close enough to be a plausible typo. */
export function didYouMean(word: string, candidates: readonly string[]): string | undefined {
  const lower = word.toLowerCase();
  const exactCase = candidates.find((c) => c.toLowerCase() === lower);
  if (exactCase) return exactCase;
  const near = closest(word, candidates, typoLimit(word));
  if (near !== undefined) return near;
  // A prefix is a likely shorthand (`always` for `always_changed`).
  return lower.length >= 3 ? candidates.find((c) => c.toLowerCase().startsWith(lower)) : undefined;
}

/**
 * Every candidate close enough to `word` to be what was meant, closest first (`metrix`: matrix,
 * metrics); the first is didYouMean's answer.
 */
export function nearMisses(word: string, candidates: readonly string[]): string[] {
  const first = didYouMean(word, candidates);
  if (first === undefined) return [];
  const lower = word.toLowerCase();
  const limit = typoLimit(word);
  const others = candidates
    .filter((c) => c !== first && Math.abs(c.length - lower.length) <= limit)
    .map((c) => ({ c, d: editDistance(lower, c.toLowerCase()) }))
    .filter(({ d }) => d <= limit)
    .sort((a, b) => a.d - b.d || a.c.localeCompare(b.c))
    .map(({ c }) => c);
  return [first, ...others];
}
