// Performance estimated without labels, as NannyML's CBPE (confidence-based performance
// estimation) does: calibrate the champion's scores on labelled reference rows (isotonic
// regression, pool-adjacent-violators), then read each current row's calibrated probability as
// the chance it is occupied. The expected confusion counts give an expected accuracy and F1.
// Wherever current rows do carry labels, the estimate on them is compared with the truth.

export interface Calibration {
  /** Upper score of each block, ascending, and the block's calibrated probability. */
  upper: number[];
  probability: number[];
}

/** Isotonic (non-decreasing) fit of labels on scores. */
export function fitIsotonic(scores: readonly number[], labels: readonly number[]): Calibration {
  const order = scores.map((_, i) => i).sort((a, b) => scores[a]! - scores[b]!);
  const blocks: { upper: number; sum: number; n: number }[] = [];
  for (const i of order) {
    blocks.push({ upper: scores[i]!, sum: labels[i]!, n: 1 });
    // Merge while the last block's mean is below the one before it.
    while (blocks.length > 1) {
      const b = blocks[blocks.length - 1]!;
      const a = blocks[blocks.length - 2]!;
      if (a.sum / a.n <= b.sum / b.n) break;
      blocks.splice(blocks.length - 2, 2, { upper: b.upper, sum: a.sum + b.sum, n: a.n + b.n });
    }
  }
  return { upper: blocks.map((b) => b.upper), probability: blocks.map((b) => b.sum / b.n) };
}

export function calibrate(c: Calibration, score: number): number {
  if (c.upper.length === 0) return score;
  let lo = 0;
  let hi = c.upper.length - 1;
  while (lo < hi) {
    const mid = (lo + hi) >> 1;
    if (c.upper[mid]! >= score) hi = mid;
    else lo = mid + 1;
  }
  return c.probability[lo]!;
}

export interface Estimate {
  accuracy: number;
  f1: number;
  rows: number;
}

/** Expected accuracy and F1 of thresholded predictions, given calibrated probabilities. */
export function expectedPerformance(scores: readonly number[], c: Calibration, threshold: number): Estimate | null {
  if (scores.length === 0) return null;
  let tp = 0;
  let fp = 0;
  let fn = 0;
  let correct = 0;
  for (const s of scores) {
    const p = calibrate(c, s);
    if (s >= threshold) {
      tp += p;
      fp += 1 - p;
      correct += p;
    } else {
      fn += p;
      correct += 1 - p;
    }
  }
  return { accuracy: correct / scores.length, f1: tp === 0 ? 0 : (2 * tp) / (2 * tp + fp + fn), rows: scores.length };
}

export interface PerformanceEstimate {
  /** On every current row, labelled or not. */
  estimated: Estimate | null;
  /** |estimated − true| accuracy on the current rows that carry labels (null without any). */
  accuracy_error_on_labelled: number | null;
  labelled_rows: number;
}

export interface CbpeInput {
  referenceLabelledScores: readonly number[];
  referenceLabels: readonly number[];
  currentScores: readonly number[];
  currentLabelledScores: readonly number[];
  currentLabels: readonly number[];
  decisionThreshold: number;
}

export function estimatePerformance(input: CbpeInput): PerformanceEstimate {
  const c = fitIsotonic(input.referenceLabelledScores, input.referenceLabels);
  const estimated = expectedPerformance(input.currentScores, c, input.decisionThreshold);
  let error: number | null = null;
  const onLabelled = expectedPerformance(input.currentLabelledScores, c, input.decisionThreshold);
  if (onLabelled) {
    let right = 0;
    input.currentLabelledScores.forEach((s, i) => (right += Number((s >= input.decisionThreshold ? 1 : 0) === input.currentLabels[i])));
    error = Math.abs(onLabelled.accuracy - right / input.currentLabels.length);
  }
  return { estimated, accuracy_error_on_labelled: error, labelled_rows: input.currentLabels.length };
}
