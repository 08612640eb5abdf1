// Classification and error metrics for a vector of scores against 0/1 labels.

export interface ClassificationMetrics {
  accuracy: number;
  precision: number;
  recall: number;
  f1: number;
  roc_auc: number;
  log_loss: number;
  /** Mean squared error of the score against the label (the Brier score). */
  mse: number;
  /** Mean absolute error of the score against the label. */
  mae: number;
  true_positives: number;
  false_positives: number;
  true_negatives: number;
  false_negatives: number;
  rows: number;
}

/** Area under the ROC curve as the Mann–Whitney U statistic over n₁·n₀ (ties count half). */
export function rocAuc(scores: readonly number[], labels: readonly number[]): number {
  const order = scores.map((_, i) => i).sort((a, b) => scores[a]! - scores[b]!);
  const ranks = new Float64Array(scores.length);
  for (let i = 0; i < order.length;) {
    let j = i;
    while (j + 1 < order.length && scores[order[j + 1]!] === scores[order[i]!]) j++;
    const avg = (i + j) / 2 + 1; // average 1-based rank of the tie group
    for (let k = i; k <= j; k++) ranks[order[k]!] = avg;
    i = j + 1;
  }
  let positives = 0;
  let rankSum = 0;
  for (let i = 0; i < labels.length; i++) {
    if (labels[i] === 1) {
      positives++;
      rankSum += ranks[i]!;
    }
  }
  const negatives = labels.length - positives;
  if (positives === 0 || negatives === 0) return Number.NaN;
  const u = rankSum - (positives * (positives + 1)) / 2;
  return u / (positives * negatives);
}

/** ROC points from the highest threshold down; one point per distinct score. */
export function rocCurve(scores: readonly number[], labels: readonly number[]): { fpr: number; tpr: number; threshold: number }[] {
  const order = scores.map((_, i) => i).sort((a, b) => scores[b]! - scores[a]! || a - b);
  const positives = labels.filter((l) => l === 1).length;
  const negatives = labels.length - positives;
  const points = [{ fpr: 0, tpr: 0, threshold: Infinity }];
  let tp = 0;
  let fp = 0;
  for (let i = 0; i < order.length; i++) {
    if (labels[order[i]!] === 1) tp++;
    else fp++;
    const next = order[i + 1];
    if (next === undefined || scores[next] !== scores[order[i]!]) {
      points.push({ fpr: negatives ? fp / negatives : 0, tpr: positives ? tp / positives : 0, threshold: scores[order[i]!]! });
    }
  }
  return points;
}

export function classificationMetrics(scores: readonly number[], labels: readonly number[], threshold: number): ClassificationMetrics {
  let tp = 0;
  let fp = 0;
  let tn = 0;
  let fn = 0;
  let logLoss = 0;
  let se = 0;
  let ae = 0;
  const eps = 1e-15;
  for (let i = 0; i < scores.length; i++) {
    const s = scores[i]!;
    const y = labels[i]!;
    const predicted = s >= threshold ? 1 : 0;
    if (predicted === 1 && y === 1) tp++;
    else if (predicted === 1) fp++;
    else if (y === 1) fn++;
    else tn++;
    const p = Math.min(1 - eps, Math.max(eps, s));
    logLoss -= y * Math.log(p) + (1 - y) * Math.log(1 - p);
    se += (s - y) ** 2;
    ae += Math.abs(s - y);
  }
  const n = scores.length;
  const precision = tp + fp === 0 ? 0 : tp / (tp + fp);
  const recall = tp + fn === 0 ? 0 : tp / (tp + fn);
  return {
    accuracy: (tp + tn) / n,
    precision,
    recall,
    f1: precision + recall === 0 ? 0 : (2 * precision * recall) / (precision + recall),
    roc_auc: rocAuc(scores, labels),
    log_loss: logLoss / n,
    mse: se / n,
    mae: ae / n,
    true_positives: tp,
    false_positives: fp,
    true_negatives: tn,
    false_negatives: fn,
    rows: n,
  };
}
