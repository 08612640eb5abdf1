// The drift verdict: per-feature statistics and decisions, data quality, and the dataset-level
// summary the gates read. Pure: data in, a report object out.

import { FEATURES, presentValues, rowCount, type Dataset, type FeatureKind, type FeatureName } from './dataset.js';
import {
  binnedShares, categoryShares, chiSquareTest, jensenShannonDistance, meanShiftZScore, normalizedWasserstein,
  populationStabilityIndex,
} from './drift-stats.js';
import { ks2Samp } from './ks.js';
import { classificationMetrics, type ClassificationMetrics } from './metrics.js';
import type { DriftParams, QualityParams } from './params.js';
import { formatNumber } from './format.js';
import { CHAMPION_MODEL } from './layout.js';
import { mean, std } from './stats.js';

export type DriftMethod = 'ks' | 'wasserstein' | 'psi' | 'jensenshannon' | 'zscore' | 'chisquare';

export interface FeatureQuality {
  rows: number;
  missing: number;
  missing_fraction: number;
  out_of_range: number;
  /** Longest run of one repeated reading (numerical features only; 0 for categorical). */
  longest_constant_run: number;
  stuck_value: number | null;
}

export interface FeatureDrift {
  kind: FeatureKind;
  method: DriftMethod;
  /** The method's score: a p-value for ks/chisquare, a distance otherwise. */
  score: number;
  threshold: number;
  /** `p ≤ threshold` for p-values, `score ≥ threshold` for distances. */
  comparison: '<=' | '>=';
  drifted: boolean;
  reason: string;
  reference_mean: number;
  current_mean: number;
  reference_std: number;
  current_std: number;
  psi: number;
  js_distance: number;
  /** Numerical features only (null for categorical). */
  ks_statistic: number | null;
  ks_p_value: number | null;
  ks_method: 'exact' | 'asymp' | null;
  wasserstein_normed: number | null;
  z_score: number | null;
  /** Categorical features only (null for numerical). */
  chisquare_statistic: number | null;
  chisquare_p_value: number | null;
  chisquare_df: number | null;
  quality: { reference: FeatureQuality; current: FeatureQuality };
  /** Shares per bin for the report's histograms. */
  histogram: { labels: string[]; reference: number[]; current: number[] };
}

export interface ModelDrift {
  champion_model_id: string;
  prediction: { psi: number; threshold: number; drifted: boolean };
  performance: {
    reference: ClassificationMetrics | null;
    current: ClassificationMetrics | null;
    accuracy_drop: number | null;
    f1_drop: number | null;
    mse_change: number | null;
    mae_change: number | null;
    drifted: boolean;
    reasons: string[];
  };
}

export interface DriftReport {
  dataset_drift: boolean;
  drift_share: number;
  n_features: number;
  n_drifted_features: number;
  drifted_features: string[];
  new_data_fraction: number;
  champion_exists: boolean;
  prediction_drift: boolean;
  performance_drift: boolean;
  data_quality_issues: number;
  retrain_recommended: boolean;
  reasons: string[];
  reference_rows: number;
  current_rows: number;
  /** The params that decided the verdicts, as written in params.yaml. */
  thresholds: Record<string, unknown>;
  features: Record<string, FeatureDrift>;
  model: ModelDrift | null;
  quality_issues: string[];
}

export function resolveMethod(kind: FeatureKind, referenceRows: number, p: DriftParams): DriftMethod {
  if (kind === 'numerical') {
    if (p.numericalMethod !== 'auto') return p.numericalMethod;
    return referenceRows <= p.smallReferenceRows ? 'ks' : 'wasserstein';
  }
  if (p.categoricalMethod !== 'auto') return p.categoricalMethod;
  return referenceRows <= p.smallReferenceRows ? 'chisquare' : 'jensenshannon';
}

function thresholdOf(method: DriftMethod, p: DriftParams): number {
  switch (method) {
    case 'ks': return p.ksPThreshold;
    case 'chisquare': return p.chisquarePThreshold;
    case 'wasserstein': return p.wassersteinThreshold;
    case 'jensenshannon': return p.jsThreshold;
    case 'psi': return p.psiThreshold;
    case 'zscore': return p.zThreshold;
  }
}

export function featureQuality(values: readonly number[], kind: FeatureKind, range: [number, number]): FeatureQuality {
  let missing = 0;
  let outOfRange = 0;
  let longest = 0;
  let stuck: number | null = null;
  let run = 0;
  let prev = Number.NaN;
  for (const v of values) {
    if (Number.isNaN(v)) {
      missing++;
      run = 0;
      prev = Number.NaN;
      continue;
    }
    if (v < range[0] || v > range[1]) outOfRange++;
    run = v === prev ? run + 1 : 1;
    prev = v;
    if (kind === 'numerical' && run > longest) {
      longest = run;
      stuck = v;
    }
  }
  return {
    rows: values.length,
    missing,
    missing_fraction: values.length ? missing / values.length : 0,
    out_of_range: outOfRange,
    longest_constant_run: longest,
    stuck_value: kind === 'numerical' ? stuck : null,
  };
}

/** Equal-width bins over both samples (numerical) or one bar per category, as shares. */
export function histogramOf(kind: FeatureKind, ref: readonly number[], cur: readonly number[], bins: number): FeatureDrift['histogram'] {
  if (kind === 'categorical') {
    const c = categoryShares(ref, cur, 0);
    return { labels: c.categories.map(String), reference: c.reference, current: c.current };
  }
  let lo = Infinity;
  let hi = -Infinity;
  for (const v of [...ref, ...cur]) {
    lo = Math.min(lo, v);
    hi = Math.max(hi, v);
  }
  const width = (hi - lo) / bins || 1;
  const shares = (xs: readonly number[]): number[] => {
    const counts = new Array<number>(bins).fill(0);
    for (const v of xs) counts[Math.min(bins - 1, Math.floor((v - lo) / width))]!++;
    return counts.map((c) => c / xs.length);
  };
  const fmt = (x: number): string => Number(x.toPrecision(4)).toString();
  return {
    labels: Array.from({ length: bins }, (_, i) => fmt(lo + i * width)),
    reference: shares(ref),
    current: shares(cur),
  };
}

export function analyseFeature(
  name: FeatureName, kind: FeatureKind, reference: Dataset, current: Dataset, p: DriftParams, q: QualityParams,
): FeatureDrift {
  const ref = presentValues(reference, name);
  const cur = presentValues(current, name);
  const method = resolveMethod(kind, rowCount(reference), p);
  const threshold = thresholdOf(method, p);
  let psi: number;
  let js: number;
  let ks: ReturnType<typeof ks2Samp> | null = null;
  let wasserstein: number | null = null;
  let z: number | null = null;
  let chi: ReturnType<typeof chiSquareTest> | null = null;
  if (kind === 'numerical') {
    psi = populationStabilityIndex(ref, cur, p.psiBins, p.psiEpsilon).psi;
    const b = binnedShares(ref, cur);
    js = jensenShannonDistance(b.reference, b.current);
    ks = ks2Samp(ref, cur);
    wasserstein = normalizedWasserstein(ref, cur);
    z = meanShiftZScore(ref, cur);
  } else {
    const c = categoryShares(ref, cur);
    js = jensenShannonDistance(c.reference, c.current);
    psi = categoricalPsi(ref, cur, p.psiEpsilon);
    chi = chiSquareTest(ref, cur);
  }
  const scores: Record<DriftMethod, number | null> = {
    ks: ks?.pValue ?? null,
    chisquare: chi?.pValue ?? null,
    wasserstein,
    jensenshannon: js,
    psi,
    zscore: z,
  };
  const score = scores[method];
  if (score === null) throw new Error(`method ${method} does not apply to ${kind} feature '${name}'`);
  const isPValue = method === 'ks' || method === 'chisquare';
  const drifted = isPValue ? score <= threshold : score >= threshold;
  const label = { ks: 'KS p-value', chisquare: 'chi-square p-value', wasserstein: 'normalised Wasserstein distance', jensenshannon: 'Jensen-Shannon distance', psi: 'PSI', zscore: 'mean-shift z-score' }[method];
  const op = isPValue ? (drifted ? '≤' : '>') : drifted ? '≥' : '<';
  return {
    kind,
    method,
    score,
    threshold,
    comparison: isPValue ? '<=' : '>=',
    drifted,
    reason: `${label} ${formatNumber(score)} ${op} ${threshold}`,
    reference_mean: mean(ref),
    current_mean: mean(cur),
    reference_std: std(ref),
    current_std: std(cur),
    psi,
    js_distance: js,
    ks_statistic: ks?.statistic ?? null,
    ks_p_value: ks?.pValue ?? null,
    ks_method: ks?.method ?? null,
    wasserstein_normed: wasserstein,
    z_score: z,
    chisquare_statistic: chi?.statistic ?? null,
    chisquare_p_value: chi?.pValue ?? null,
    chisquare_df: chi?.df ?? null,
    quality: {
      reference: featureQuality(reference.features[name], kind, q.ranges[name]),
      current: featureQuality(current.features[name], kind, q.ranges[name]),
    },
    histogram: histogramOf(kind, ref, cur, p.histogramBins),
  };
}

/** PSI with one bin per category (shares below epsilon raised to epsilon). */
export function categoricalPsi(ref: readonly number[], cur: readonly number[], epsilon: number): number {
  const c = categoryShares(ref, cur, 0);
  let psi = 0;
  for (let i = 0; i < c.categories.length; i++) {
    const r = Math.max(c.reference[i]!, epsilon);
    const k = Math.max(c.current[i]!, epsilon);
    psi += (k - r) * Math.log(k / r);
  }
  return psi;
}

function qualityIssues(name: string, which: string, qf: FeatureQuality, q: QualityParams): string[] {
  const out: string[] = [];
  if (qf.missing > 0) out.push(`${name}: ${qf.missing} missing readings (${(qf.missing_fraction * 100).toFixed(1)}%) in ${which}`);
  if (qf.out_of_range > 0) out.push(`${name}: ${qf.out_of_range} readings outside [${q.ranges[name as FeatureName].join(', ')}] in ${which}`);
  if (qf.longest_constant_run > q.maxConstantRun) {
    out.push(`${name}: stuck at ${qf.stuck_value} for ${qf.longest_constant_run} consecutive readings in ${which}`);
  }
  return out;
}

export interface ChampionScores {
  modelId: string;
  referenceScores: number[];
  currentScores: number[];
  referenceLabels: number[];
  currentLabels: number[];
  /** Scores of the labelled rows only, aligned with the labels above. */
  referenceLabelledScores: number[];
  currentLabelledScores: number[];
  decisionThreshold: number;
}

export function analyseModel(champion: ChampionScores, p: DriftParams): ModelDrift {
  const psi = populationStabilityIndex(champion.referenceScores, champion.currentScores, p.psiBins, p.psiEpsilon).psi;
  const ref = champion.referenceLabels.length
    ? classificationMetrics(champion.referenceLabelledScores, champion.referenceLabels, champion.decisionThreshold) : null;
  const cur = champion.currentLabels.length
    ? classificationMetrics(champion.currentLabelledScores, champion.currentLabels, champion.decisionThreshold) : null;
  const reasons: string[] = [];
  let accuracyDrop: number | null = null;
  let f1Drop: number | null = null;
  let mseChange: number | null = null;
  let maeChange: number | null = null;
  if (ref && cur) {
    accuracyDrop = ref.accuracy - cur.accuracy;
    f1Drop = ref.f1 - cur.f1;
    mseChange = ref.mse === 0 ? (cur.mse === 0 ? 0 : Infinity) : (cur.mse - ref.mse) / ref.mse;
    maeChange = ref.mae === 0 ? (cur.mae === 0 ? 0 : Infinity) : (cur.mae - ref.mae) / ref.mae;
    if (accuracyDrop >= p.performanceDropThreshold) reasons.push(`champion accuracy fell by ${formatNumber(accuracyDrop)} (≥ ${p.performanceDropThreshold})`);
    if (f1Drop >= p.performanceDropThreshold) reasons.push(`champion F1 fell by ${formatNumber(f1Drop)} (≥ ${p.performanceDropThreshold})`);
    // Only growth of the error is drift worth retraining for; a champion doing better is not.
    if (mseChange >= p.errorChangeThreshold) reasons.push(`champion score MSE grew by ${formatNumber(mseChange * 100)}% (≥ ${p.errorChangeThreshold * 100}%)`);
    if (maeChange >= p.errorChangeThreshold) reasons.push(`champion score MAE grew by ${formatNumber(maeChange * 100)}% (≥ ${p.errorChangeThreshold * 100}%)`);
  }
  return {
    champion_model_id: champion.modelId,
    prediction: { psi, threshold: p.predictionPsiThreshold, drifted: psi >= p.predictionPsiThreshold },
    performance: {
      reference: ref, current: cur, accuracy_drop: accuracyDrop, f1_drop: f1Drop, mse_change: mseChange, mae_change: maeChange,
      drifted: reasons.length > 0, reasons,
    },
  };
}

export function analyseDrift(
  reference: Dataset, current: Dataset, p: DriftParams, q: QualityParams, champion: ChampionScores | null,
  thresholds: Record<string, unknown>,
): DriftReport {
  const features: Record<string, FeatureDrift> = {};
  const issues: string[] = [];
  for (const f of FEATURES) {
    const fd = analyseFeature(f.name, f.kind, reference, current, p, q);
    features[f.name] = fd;
    issues.push(...qualityIssues(f.name, 'reference', fd.quality.reference, q), ...qualityIssues(f.name, 'current', fd.quality.current, q));
  }
  const drifted = Object.entries(features).filter(([, fd]) => fd.drifted).map(([n]) => n);
  const share = drifted.length / FEATURES.length;
  const datasetDrift = share >= p.driftShare;
  const model = champion ? analyseModel(champion, p) : null;
  const newDataFraction = rowCount(current) / rowCount(reference);
  const reasons: string[] = [];
  if (datasetDrift) reasons.push(`dataset drift: ${drifted.length} of ${FEATURES.length} features drifted (share ${formatNumber(share)} ≥ ${p.driftShare}): ${drifted.join(', ')}`);
  if (newDataFraction >= p.newDataFractionTrigger) reasons.push(`new data: ${rowCount(current)} rows = ${formatNumber(newDataFraction)} × reference (≥ ${p.newDataFractionTrigger})`);
  if (!champion) reasons.push(`no champion model yet (${CHAMPION_MODEL} does not exist)`);
  if (model?.prediction.drifted) reasons.push(`prediction drift: PSI of champion scores ${formatNumber(model.prediction.psi)} ≥ ${p.predictionPsiThreshold}`);
  if (model?.performance.drifted) reasons.push(...model.performance.reasons.map((r) => `performance drift: ${r}`));
  const performanceDrift = model?.performance.drifted ?? false;
  return {
    dataset_drift: datasetDrift,
    drift_share: share,
    n_features: FEATURES.length,
    n_drifted_features: drifted.length,
    drifted_features: drifted,
    new_data_fraction: newDataFraction,
    champion_exists: champion !== null,
    prediction_drift: model?.prediction.drifted ?? false,
    performance_drift: performanceDrift,
    data_quality_issues: issues.length,
    retrain_recommended: datasetDrift || newDataFraction >= p.newDataFractionTrigger || champion === null || performanceDrift,
    reasons: reasons.length ? reasons : ['no drift, no new-data trigger, champion in place: nothing to retrain'],
    reference_rows: rowCount(reference),
    current_rows: rowCount(current),
    thresholds,
    features,
    model,
    quality_issues: issues,
  };
}
