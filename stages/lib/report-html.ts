// reports/drift.html: one self-contained page (inline CSS and SVG, no scripts, no network —
// a Content-Security-Policy forbids any fetch) with the verdict, the reasons, and per feature a
// table of every statistic and a reference-vs-current histogram.

import type { DriftReport, FeatureDrift } from './drift-analysis.js';
import { driftStatistic } from './drift-registry.js';
import { formatNumber } from './format.js';

export function escapeHtml(text: string): string {
  return text.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;').replace(/'/g, '&#39;');
}

function num(x: number | null): string {
  return x === null ? '—' : escapeHtml(formatNumber(x));
}

const REF_COLOUR = '#4c78a8';
const CUR_COLOUR = '#f58518';

/** Grouped bars, reference beside current, one group per bin or category. */
export function histogramSvg(name: string, h: FeatureDrift['histogram']): string {
  const width = 640;
  const height = 220;
  const left = 44;
  const bottom = 34;
  const top = 12;
  const plotW = width - left - 10;
  const plotH = height - top - bottom;
  const maxShare = Math.max(...h.reference, ...h.current, 1e-9);
  const groupW = plotW / h.labels.length;
  const barW = Math.max(1, (groupW - 2) / 2);
  const y = (share: number): number => top + plotH - (share / maxShare) * plotH;
  const parts: string[] = [];
  parts.push(`<svg width="${width}" height="${height}" viewBox="0 0 ${width} ${height}" role="img" aria-label="${escapeHtml(`histogram of ${name}: reference vs current`)}">`);
  parts.push(`<line x1="${left}" y1="${top + plotH}" x2="${left + plotW}" y2="${top + plotH}" stroke="#555"/>`);
  parts.push(`<line x1="${left}" y1="${top}" x2="${left}" y2="${top + plotH}" stroke="#555"/>`);
  parts.push(`<text x="${left - 4}" y="${top + 8}" text-anchor="end" font-size="10">${(maxShare * 100).toFixed(1)}%</text>`);
  parts.push(`<text x="${left - 4}" y="${top + plotH}" text-anchor="end" font-size="10">0</text>`);
  const labelEvery = Math.ceil(h.labels.length / 12);
  h.labels.forEach((label, i) => {
    const x0 = left + i * groupW + 1;
    const r = h.reference[i]!;
    const c = h.current[i]!;
    parts.push(`<rect class="ref" x="${x0.toFixed(2)}" y="${y(r).toFixed(2)}" width="${barW.toFixed(2)}" height="${(top + plotH - y(r)).toFixed(2)}" fill="${REF_COLOUR}"><title>reference ${escapeHtml(label)}: ${(r * 100).toFixed(2)}%</title></rect>`);
    parts.push(`<rect class="cur" x="${(x0 + barW).toFixed(2)}" y="${y(c).toFixed(2)}" width="${barW.toFixed(2)}" height="${(top + plotH - y(c)).toFixed(2)}" fill="${CUR_COLOUR}"><title>current ${escapeHtml(label)}: ${(c * 100).toFixed(2)}%</title></rect>`);
    if (i % labelEvery === 0) {
      parts.push(`<text x="${(x0 + groupW / 2).toFixed(2)}" y="${top + plotH + 14}" text-anchor="middle" font-size="10">${escapeHtml(label)}</text>`);
    }
  });
  parts.push('</svg>');
  return parts.join('');
}

function featureSection(name: string, f: FeatureDrift): string {
  const rows: [string, string][] = [
    ['kind', f.kind],
    ['verdict', f.drifted ? 'DRIFT' : 'no drift'],
    ['decided by', escapeHtml(f.reason)],
    ['reference mean / std', `${num(f.reference_mean)} / ${num(f.reference_std)}`],
    ['current mean / std', `${num(f.current_mean)} / ${num(f.current_std)}`],
  ];
  // One row per registered statistic (drift-registry.ts), with its own verdict; KS and
  // chi-square also show their statistic.
  for (const [id, v] of Object.entries(f.statistics)) {
    const label = driftStatistic(id)?.label ?? id;
    rows.push([`${label} (${id})`, `${num(v.score)} — threshold ${num(v.threshold)}${v.drifted ? ', drift' : ''}`]);
  }
  if (f.ks_statistic !== null) rows.push(['KS statistic', `${num(f.ks_statistic)} (${f.ks_method ?? ''})`]);
  if (f.chisquare_statistic !== null) rows.push(['chi-square statistic', `${num(f.chisquare_statistic)} (df ${f.chisquare_df ?? '—'})`]);
  const qr = f.quality.reference;
  const qc = f.quality.current;
  rows.push(
    ['missing (reference / current)', `${qr.missing} / ${qc.missing}`],
    ['out of range (reference / current)', `${qr.out_of_range} / ${qc.out_of_range}`],
  );
  if (f.kind === 'numerical') rows.push(['longest repeated run (reference / current)', `${qr.longest_constant_run} / ${qc.longest_constant_run}`]);
  const table = rows.map(([k, v]) => `<tr><th scope="row">${escapeHtml(k)}</th><td>${v}</td></tr>`).join('');
  return `<section class="feature ${f.drifted ? 'drifted' : 'stable'}" id="feature-${escapeHtml(name)}">
<h2>${escapeHtml(name)} <span class="badge">${f.drifted ? 'DRIFT' : 'stable'}</span></h2>
<table>${table}</table>
<figure>${histogramSvg(name, f.histogram)}<figcaption><span class="key ref"></span>reference <span class="key cur"></span>current — share of rows per ${f.kind === 'numerical' ? 'bin (bin start shown)' : 'category'}</figcaption></figure>
</section>`;
}

export function renderDriftReport(report: DriftReport, context: { referenceFile: string; currentFile: string }): string {
  const verdict = report.dataset_drift ? 'Dataset drift detected' : 'No dataset drift';
  const summary: [string, string][] = [
    ['dataset drift', report.dataset_drift ? 'yes' : 'no'],
    ['drifted features', `${report.n_drifted_features} of ${report.n_features} (share ${num(report.drift_share)}; threshold ${escapeHtml(String(report.thresholds['drift_share'] ?? ''))})${report.drifted_features.length ? ': ' + escapeHtml(report.drifted_features.join(', ')) : ''}`],
    ['rows (reference / current)', `${report.reference_rows} / ${report.current_rows}`],
    ['new data fraction', num(report.new_data_fraction)],
    ['champion model', report.model ? escapeHtml(report.model.champion_model_id) : 'none yet'],
    ['prediction drift', report.model ? `${report.prediction_drift ? 'yes' : 'no'} (PSI ${num(report.model.prediction.psi)})` : 'n/a (no champion)'],
    ['performance drift', report.model ? (report.performance_drift ? 'yes' : 'no') : 'n/a (no champion)'],
    ['data quality issues', `${report.data_quality_issues} (${report.quarantined_rows} rows quarantined${report.data_quality_alert ? '; data-quality alert' : ''})`],
    ['decision', escapeHtml(report.decision)],
    ['estimated accuracy without labels (CBPE)', report.model?.estimate.estimated
      ? `${num(report.model.estimate.estimated.accuracy)} (error on labelled rows ${num(report.model.estimate.accuracy_error_on_labelled)})` : 'n/a'],
    ['retraining recommended', report.retrain_recommended ? 'yes' : `no${report.retrain_waits_for ? ` (waits for ${escapeHtml(report.retrain_waits_for)})` : ''}`],
  ];
  const perf = report.model?.performance;
  const perfTable = perf && perf.reference && perf.current
    ? `<h2>Champion performance</h2><table><tr><th></th><th>reference</th><th>current</th></tr>${(['accuracy', 'f1', 'roc_auc', 'mse', 'mae'] as const)
      .map((k) => `<tr><th scope="row">${k}</th><td>${num(perf.reference![k])}</td><td>${num(perf.current![k])}</td></tr>`).join('')}</table>`
    : '';
  const list = (items: string[]): string => (items.length ? `<ul>${items.map((r) => `<li>${escapeHtml(r)}</li>`).join('')}</ul>` : '<p>none</p>');
  return `<!DOCTYPE html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta http-equiv="Content-Security-Policy" content="default-src 'none'; style-src 'unsafe-inline'">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>Drift report: ${escapeHtml(context.currentFile)} vs ${escapeHtml(context.referenceFile)}</title>
<style>
body { font: 14px/1.4 system-ui, sans-serif; margin: 2em auto; max-width: 760px; color: #222; }
h1 { font-size: 1.5em; } h2 { font-size: 1.15em; margin-top: 1.6em; }
.verdict { padding: .6em 1em; border-radius: 4px; font-weight: bold; }
.verdict.drift { background: #fde2e1; } .verdict.nodrift { background: #e3f4e1; }
table { border-collapse: collapse; margin: .5em 0; }
th, td { text-align: left; padding: 2px 10px 2px 0; vertical-align: top; }
th { font-weight: normal; color: #555; }
.badge { font-size: .75em; padding: 1px 6px; border-radius: 3px; background: #e3f4e1; }
.drifted .badge { background: #fde2e1; }
.key { display: inline-block; width: 10px; height: 10px; margin: 0 4px 0 10px; }
.key.ref { background: ${REF_COLOUR}; } .key.cur { background: ${CUR_COLOUR}; }
figure { margin: .5em 0; } figcaption { font-size: .85em; color: #555; }
</style>
</head>
<body>
<h1>Drift report</h1>
<p>Reference <code>${escapeHtml(context.referenceFile)}</code> (${report.reference_rows} rows) against current <code>${escapeHtml(context.currentFile)}</code> (${report.current_rows} rows).</p>
<p class="verdict ${report.dataset_drift ? 'drift' : 'nodrift'}" id="verdict">${verdict}</p>
<h2>Summary</h2>
<table id="summary">${summary.map(([k, v]) => `<tr><th scope="row">${escapeHtml(k)}</th><td>${v}</td></tr>`).join('')}</table>
<h2>Reasons</h2>
${list(report.reasons)}
<h2>Data quality</h2>
${list(report.quality_issues)}
${perfTable}
${Object.entries(report.features).map(([name, f]) => featureSection(name, f)).join('\n')}
</body>
</html>
`;
}
