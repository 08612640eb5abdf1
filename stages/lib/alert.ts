// The drift alert, as a pure function of the run's metrics: a markdown text ready to be an
// issue body (verdict, drifted features with their statistics, the decision taken, where the
// report is) and the JSON summary a webhook receives.

import { formatNumber } from './format.js';

export const ALERT_MD = 'reports/alert.md';
export const DRIFT_REPORT_LINK = 'reports/drift.html';

type Json = Record<string, unknown>;

export interface AlertInput {
  drift: Json;
  /** metrics/evaluate.json of this run (its gate opens whenever the alert's does). */
  evaluation: Json | undefined;
  ingest: Json | undefined;
  /** A link to the CI run holding the report, when there is one. */
  runUrl?: string;
}

export interface DriftedFeature {
  feature: string;
  method: string;
  score: number;
  threshold: number;
  psi: number | null;
  reason: string;
}

export interface AlertPayload {
  event: 'drift_detected';
  dataset_drift: boolean;
  performance_drift: boolean;
  prediction_drift: boolean;
  drift_share: number | null;
  drifted_features: DriftedFeature[];
  reasons: string[];
  current: { month: number | null; rows: number | null; logged_requests: number | null };
  decision: { retrained: boolean; promoted: boolean | null; challenger: string | null; reason: string | null };
  report: string;
  run_url: string | null;
}

const isRecord = (v: unknown): v is Json => typeof v === 'object' && v !== null && !Array.isArray(v);
const numOrNull = (v: unknown): number | null => (typeof v === 'number' ? v : null);

function driftedFeatures(drift: Json): DriftedFeature[] {
  const features = isRecord(drift['features']) ? drift['features'] : {};
  return Object.entries(features)
    .filter(([, f]) => isRecord(f) && f['drifted'] === true)
    .map(([feature, f]) => {
      const r = f as Json;
      return {
        feature,
        method: String(r['method']),
        score: Number(r['score']),
        threshold: Number(r['threshold']),
        psi: numOrNull(r['psi']),
        reason: String(r['reason'] ?? ''),
      };
    });
}

export function alertPayload(input: AlertInput): AlertPayload {
  const { drift, evaluation } = input;
  const current = isRecord(input.ingest?.['current']) ? (input.ingest['current'] as Json) : {};
  const challenger = isRecord(evaluation?.['challenger']) ? (evaluation['challenger'] as Json) : {};
  return {
    event: 'drift_detected',
    dataset_drift: drift['dataset_drift'] === true,
    performance_drift: drift['performance_drift'] === true,
    prediction_drift: drift['prediction_drift'] === true,
    drift_share: numOrNull(drift['drift_share']),
    drifted_features: driftedFeatures(drift),
    reasons: Array.isArray(drift['reasons']) ? drift['reasons'].map(String) : [],
    current: { month: numOrNull(current['month']), rows: numOrNull(current['rows']), logged_requests: numOrNull(current['log_rows']) },
    decision: {
      retrained: evaluation !== undefined,
      promoted: typeof evaluation?.['promote'] === 'boolean' ? evaluation['promote'] : null,
      challenger: typeof challenger['model_id'] === 'string' ? challenger['model_id'] : null,
      reason: typeof evaluation?.['reason'] === 'string' ? evaluation['reason'] : null,
    },
    report: DRIFT_REPORT_LINK,
    run_url: input.runUrl ?? null,
  };
}

function decisionText(d: AlertPayload['decision']): string {
  if (!d.retrained) return 'The retraining gate is open, but no evaluation was found.';
  const reason = d.reason ? ` (${d.reason})` : '';
  if (d.promoted) return `Retrained; the challenger \`${d.challenger}\` is promoted${reason}: \`package\` publishes it and the service switches to it.`;
  return `Retrained; the challenger \`${d.challenger}\` is **not** promoted${reason}: the champion keeps serving.`;
}

function batchText(c: AlertPayload['current']): string {
  if (c.month === null) return '';
  return c.logged_requests ? ` (month ${c.month} + ${c.logged_requests} logged requests)` : ` (month ${c.month})`;
}

export function renderAlert(p: AlertPayload): string {
  const verdict = [p.dataset_drift ? 'dataset drift' : null, p.performance_drift ? 'performance drift' : null, p.prediction_drift ? 'prediction drift' : null]
    .filter(Boolean).join(', ');
  const lines = [
    `# Drift alert: ${verdict || 'drift'}${batchText(p.current)}`,
    '',
    `**Verdict:** ${verdict}. ${p.drifted_features.length} feature(s) drifted` +
      (p.drift_share !== null ? ` (share ${formatNumber(p.drift_share)})` : '') +
      (p.current.rows !== null ? `; current batch ${p.current.rows} rows, ${p.current.logged_requests ?? 0} of them logged requests.` : '.'),
    '',
  ];
  if (p.drifted_features.length > 0) {
    lines.push('| feature | test | score | threshold | PSI | why |', '|---|---|---:|---:|---:|---|');
    for (const f of p.drifted_features) {
      lines.push(`| ${f.feature} | ${f.method} | ${formatNumber(f.score)} | ${formatNumber(f.threshold)} | ${f.psi === null ? '' : formatNumber(f.psi)} | ${f.reason.replace(/\|/g, '\\|')} |`);
    }
    lines.push('');
  }
  if (p.reasons.length > 0) lines.push('**Reasons:**', '', ...p.reasons.map((r) => `- ${r}`), '');
  lines.push(`**Decision:** ${decisionText(p.decision)}`, '');
  lines.push(`**Report:** \`${p.report}\`${p.run_url ? ` (in the artifacts of ${p.run_url})` : ' in the repository'}`, '');
  return lines.join('\n');
}
