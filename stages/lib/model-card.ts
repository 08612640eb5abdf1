// MODEL_CARD.md for the packaged model, in the spirit of seed 002's model cards: training
// timeframe, data hashes, drift history, metrics, known limitations and approved uses.

import type { LineageEntry, OccupancyModel } from './model.js';
import { formatNumber } from './format.js';

export interface ModelCardInput {
  model: OccupancyModel;
  evaluation: {
    metric: string;
    margin: number;
    reason: string;
    rows: number;
    challenger: Record<string, number>;
    champion: Record<string, number> | null;
    energy: Record<string, number>;
  };
  drift: { dataset_drift: boolean; drift_share: number; drifted_features: string[]; quality_issues: string[]; reasons: string[] };
}

const MONTHS = ['', 'Jan', 'Feb', 'Mar', 'Apr', 'May', 'Jun', 'Jul', 'Aug', 'Sep', 'Oct', 'Nov', 'Dec'];

function months(ms: readonly number[]): string {
  return ms.map((m) => MONTHS[m] ?? String(m)).join(', ');
}

function lineageRow(e: LineageEntry): string {
  const drift = e.dataset_drift === null ? 'n/a' : e.dataset_drift ? `yes (${e.drifted_features.join(', ') || '—'})` : 'no';
  return `| \`${e.model_id}\` | ${months(e.reference_months)} + ${months([e.current_month])} | ${e.training_rows} | ${drift} | ${e.promotion_reason.replace(/\|/g, '\\|')} |`;
}

export function renderModelCard(input: ModelCardInput): string {
  const { model, evaluation, drift } = input;
  const metricNames = ['accuracy', 'precision', 'recall', 'f1', 'roc_auc'];
  const metricRows = metricNames.map((k) => {
    const champ = evaluation.champion ? formatNumber(evaluation.champion[k]!) : '—';
    return `| ${k} | ${formatNumber(evaluation.challenger[k]!)} | ${champ} |`;
  });
  const e = evaluation.energy;
  return `# Model card: office occupancy classifier \`${model.model_id}\`

Standardised logistic regression (L2 ${model.hyperparameters.l2}, learning rate ${model.hyperparameters.learningRate}, ${model.hyperparameters.epochs} epochs of full-batch gradient descent) predicting whether an office is occupied from one sensor reading: ${model.inputs.join(', ')}. Decision threshold ${model.decision_threshold}.

## Training data

- Timeframe: reference window ${months(model.training.reference_months)} plus the older ${'part'} of ${months([model.training.current_month])} (its newest labelled rows were held out for evaluation).
- Rows: ${model.training.rows} (${model.training.positives} occupied).
- Data hashes (sha256):
${Object.entries(model.training.data_sha256).map(([f, h]) => `  - \`${f}\`: \`${h}\``).join('\n')}

## Drift at training time

- Dataset drift: ${drift.dataset_drift ? 'yes' : 'no'} (share of drifted features ${formatNumber(drift.drift_share)}${drift.drifted_features.length ? `: ${drift.drifted_features.join(', ')}` : ''}).
- Why retraining ran: ${drift.reasons.join('; ')}.
- Data quality: ${drift.quality_issues.length ? drift.quality_issues.join('; ') : 'no issues found'}.

## Drift and promotion history

| model | trained on | rows | dataset drift | promotion |
|---|---|---|---|---|
${[...model.lineage].map(lineageRow).join('\n')}

## Metrics

Evaluated on the newest ${evaluation.rows} labelled readings of the current batch, unseen in training. Promotion rule: ${evaluation.metric} must beat the champion by at least ${evaluation.margin}. ${evaluation.reason}.

| metric | this model | previous champion |
|---|---|---|
${metricRows.join('\n')}

Energy (seed 000's estimate, heating set back when predicted empty): ${formatNumber(e['saved_kwh']!)} kWh saved of ${formatNumber(e['oracle_saved_kwh']!)} kWh a perfect signal would save; ${e['comfort_violations']} comfort violations (${formatNumber(e['comfort_violation_hours']!)} h occupied but set back).

## Known limitations

- Trained on one synthetic office; sensor placement, building and climate elsewhere will differ.
- A linear model: it cannot learn that light means occupancy in winter but not in summer at the same time; it must be retrained when the season changes (the drift stage watches for this).
- Missing readings are replaced by training means; a stuck sensor is not detected by the model itself, only by the drift stage's data-quality checks.
- Evaluated on the latest days of one month only; the hold-out is small.

## Approved use

Heating setback and lighting decisions for the monitored office, with a human able to override. Not for monitoring individuals.
`;
}
