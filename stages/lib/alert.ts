// The alert, as a pure function of the run's metrics and incidents: a markdown text ready to be
// an issue body (open incidents, verdict, drifted features with their statistics, the decision
// taken or what it waits for, where the report is) and the JSON a webhook receives when an
// incident opens or resolves (with a Slack-compatible `text`).

import { formatNumber } from './format.js';
import type { Findings, Incident, IncidentEvent, IncidentState } from './incidents.js';

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
  /** Whether `evaluation` is about this run's batch (else it is an earlier run's). */
  evaluationIsCurrent: boolean;
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
  dataset_drift: boolean;
  data_quality_alert: boolean;
  quarantined_rows: number | null;
  quality_issues: string[];
  performance_drift: boolean;
  prediction_drift: boolean;
  drift_share: number | null;
  drifted_features: DriftedFeature[];
  reasons: string[];
  current: { month: number | null; rows: number | null; logged_requests: number | null };
  decision: { retrained: boolean; promoted: boolean | null; challenger: string | null; reason: string | null; waiting_for: string | null };
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
  const retrained = evaluation !== undefined && input.evaluationIsCurrent;
  return {
    dataset_drift: drift['dataset_drift'] === true,
    data_quality_alert: drift['data_quality_alert'] === true,
    quarantined_rows: numOrNull(drift['quarantined_rows']),
    quality_issues: Array.isArray(drift['quality_issues']) ? drift['quality_issues'].map(String) : [],
    performance_drift: drift['performance_drift'] === true,
    prediction_drift: drift['prediction_drift'] === true,
    drift_share: numOrNull(drift['drift_share']),
    drifted_features: driftedFeatures(drift),
    reasons: Array.isArray(drift['reasons']) ? drift['reasons'].map(String) : [],
    current: { month: numOrNull(current['month']), rows: numOrNull(current['rows']), logged_requests: numOrNull(current['log_rows']) },
    decision: {
      retrained,
      promoted: retrained && typeof evaluation?.['promote'] === 'boolean' ? evaluation['promote'] : null,
      challenger: retrained && typeof challenger['model_id'] === 'string' ? challenger['model_id'] : null,
      reason: retrained && typeof evaluation?.['reason'] === 'string' ? evaluation['reason'] : null,
      waiting_for: typeof drift['retrain_waits_for'] === 'string' ? drift['retrain_waits_for'] : null,
    },
    report: DRIFT_REPORT_LINK,
    run_url: input.runUrl ?? null,
  };
}

function decisionText(d: AlertPayload['decision']): string {
  if (d.waiting_for?.startsWith('labels')) return `Drift was found; retraining waits for labels (${d.waiting_for}). Post them to \`/feedback\` or add a labels file.`;
  if (d.waiting_for) return `No retraining: ${d.waiting_for}.`;
  if (!d.retrained) return 'Not retrained in this run.';
  const reason = d.reason ? ` (${d.reason})` : '';
  if (d.promoted) return `Retrained; the challenger \`${d.challenger}\` is promoted${reason}: \`package\` publishes it and the service switches to it.`;
  return `Retrained; the challenger \`${d.challenger}\` is **not** promoted${reason}: the champion keeps serving.`;
}

function batchText(c: AlertPayload['current']): string {
  if (c.month === null) return '';
  return c.logged_requests ? ` (month ${c.month} + ${c.logged_requests} logged requests)` : ` (month ${c.month})`;
}

/** The findings this run hands to the incidents: drift (dataset or performance) and data quality
 *  are separate kinds; "not enough data" decides neither. */
export function findingsOf(p: AlertPayload, enoughData: boolean): Findings {
  const drifted = p.dataset_drift || p.performance_drift;
  return {
    ...(enoughData ? { drift: drifted ? { what: p.drifted_features.map((f) => f.feature), summary: p.reasons[0] ?? 'drift' } : null } : {}),
    data_quality: p.data_quality_alert ? { what: p.quality_issues.filter((q) => / in current$|quarantined/.test(q)), summary: `${p.quarantined_rows ?? 0} rows quarantined` } : null,
  };
}

function incidentLines(state: IncidentState): string[] {
  const open = state.incidents.filter((i) => i.status === 'open');
  if (open.length === 0) return ['No open incident.', ''];
  const out = ['| incident | kind | first seen | runs | what |', '|---|---|---|---:|---|'];
  for (const i of open) out.push(`| ${i.id} | ${i.kind} | ${i.first_seen} | ${i.runs} | ${i.what.join(', ').replace(/\|/g, '\\|')} |`);
  return [...out, ''];
}

export function renderAlert(p: AlertPayload, state: IncidentState): string {
  const verdict = [p.dataset_drift ? 'dataset drift' : null, p.performance_drift ? 'performance drift' : null, p.prediction_drift ? 'prediction drift' : null]
    .filter(Boolean).join(', ');
  const drifted = verdict !== '';
  const title = drifted ? `Drift alert: ${verdict}` : p.data_quality_alert ? 'Data-quality alert' : 'Monitoring: no drift';
  const lines = [`# ${title}${batchText(p.current)}`, '', ...incidentLines(state)];
  if (drifted) lines.push(...driftSection(p));
  if (p.data_quality_alert) {
    lines.push(`**Data quality:** ${p.quarantined_rows ?? 0} rows quarantined (kept out of drift statistics and training); a sensor problem is not a reason to retrain.`, '');
    lines.push(...p.quality_issues.filter((q) => / in current$|quarantined/.test(q)).map((q) => `- ${q}`), '');
  }
  lines.push(`**Decision:** ${decisionText(p.decision)}`, '');
  lines.push(`**Report:** \`${p.report}\`${p.run_url ? ` (in the artifacts of ${p.run_url})` : ' in the repository'}`, '');
  return lines.join('\n');
}

export interface WebhookMessage extends AlertPayload {
  event: `incident_${Exclude<IncidentEvent, 'updated'>}`;
  incident: Incident;
  /** Slack-compatible one-paragraph summary. */
  text: string;
}

/** What the webhook receives when an incident opens or resolves. */
export function webhookMessage(p: AlertPayload, incident: Incident, event: 'opened' | 'resolved'): WebhookMessage {
  const kind = incident.kind === 'drift' ? 'Drift' : 'Data-quality';
  const text = event === 'opened'
    ? `${kind} incident ${incident.id} opened: ${incident.summary}. ${decisionText(p.decision)}`
    : `${kind} incident ${incident.id} resolved after ${incident.runs} run(s) (first seen ${incident.first_seen}).`;
  return { event: `incident_${event}`, incident, text, ...p };
}

function driftSection(p: AlertPayload): string[] {
  const verdict = [p.dataset_drift ? 'dataset drift' : null, p.performance_drift ? 'performance drift' : null, p.prediction_drift ? 'prediction drift' : null]
    .filter(Boolean).join(', ');
  const lines = [
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
  return lines;
}
