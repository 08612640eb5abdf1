// The service's parts without HTTP: the group-commit log writer, the PSI window against the
// drift stage's own statistics, the request-log reader ingest uses, the alert text.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtemp, readFile, readdir, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { JsonLinesLog } from '../../serve/log-writer.js';
import { PsiWindow, type FeatureRow } from '../../serve/psi-window.js';
import { FEATURE_NAMES, presentValues } from '../../stages/lib/dataset.js';
import { categoricalPsi } from '../../stages/lib/drift-analysis.js';
import { emptyState } from '../../stages/lib/incidents.js';
import { populationStabilityIndex } from '../../stages/lib/drift-stats.js';
import { parseRequestLog } from '../../stages/lib/request-log.js';
import { alertPayload, renderAlert } from '../../stages/lib/alert.js';
import { generateMonth } from '../../stages/lib/synth.js';

test('log writer: 5,000 concurrent appends become 5,000 whole lines; close writes what is pending', async () => {
  const dir = await mkdtemp(join(tmpdir(), 'dvc-ts-log-'));
  try {
    const log = await JsonLinesLog.create(dir);
    const writes = Array.from({ length: 5000 }, (_, i) => log.append([{ i, pad: 'x'.repeat(i % 300) }]));
    const last = log.append([{ i: 5000 }, { i: 5001 }]);
    await log.close();
    await Promise.all([...writes, last]);
    await assert.rejects(log.append([{ i: -1 }]), /is closed/);
    const [file] = await readdir(dir);
    assert.match(file!, /^requests-\d{8}T\d{6}Z-\d+\.jsonl$/);
    const lines = (await readFile(join(dir, file!), 'utf8')).split('\n');
    assert.equal(lines.pop(), '');
    assert.deepEqual(lines.map((l) => (JSON.parse(l) as { i: number }).i), Array.from({ length: 5002 }, (_, i) => i));
    assert.equal(log.lines, 5002);
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
});

test('log writer: a file that would pass its size limit is closed and the next opened; no line is split or lost', async () => {
  const dir = await mkdtemp(join(tmpdir(), 'dvc-ts-log-'));
  try {
    const fixed = new Date('2026-12-01T10:00:00.000Z');
    const log = await JsonLinesLog.create(dir, { maxBytes: 4096, now: () => fixed });
    // 300 lines of ~100 bytes written one event-loop turn apart: about 7 files of ≤ 4 KiB.
    for (let i = 0; i < 300; i++) await log.append([{ i, pad: 'y'.repeat(80) }]);
    await log.close();
    const names = (await readdir(dir)).sort();
    assert.ok(names.length >= 7, names.join(' '));
    assert.deepEqual(names.map((n) => join(dir, n)).sort(), [...log.files].sort());
    for (const n of names) assert.match(n, new RegExp(`^requests-20261201T100000Z-${process.pid}(-\\d+)?\\.jsonl$`));
    const seen: number[] = [];
    for (const file of log.files) {
      const text = await readFile(file, 'utf8');
      assert.ok(Buffer.byteLength(text) <= 4096, `${file}: ${Buffer.byteLength(text)} bytes`);
      assert.ok(text.endsWith('\n'));
      for (const line of text.split('\n').filter(Boolean)) seen.push((JSON.parse(line) as { i: number }).i);
    }
    assert.deepEqual(seen, Array.from({ length: 300 }, (_, i) => i), 'every line once, in order, across the files');
    assert.equal(log.lines, 300);
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
});

test('PSI window: the last N rows, and the same PSI the drift stage computes on them', () => {
  const reference = generateMonth({ seed: 1, year: 2024, month: 1, days: 28, intervalMinutes: 20 });
  const current = generateMonth({ seed: 2, year: 2024, month: 7, days: 28, intervalMinutes: 20 });
  const window = new PsiWindow(500);
  const row = (i: number) => Object.fromEntries(FEATURE_NAMES.map((f) => [f, current.features[f][i]!])) as FeatureRow;
  for (let i = 0; i < 800; i++) window.push(row(i));
  assert.equal(window.rows, 500);
  const ref = Object.fromEntries(FEATURE_NAMES.map((f) => [f, presentValues(reference, f)])) as Record<(typeof FEATURE_NAMES)[number], number[]>;
  const psi = window.psi(ref, { bins: 10, epsilon: 1e-4 });
  const last500 = (f: (typeof FEATURE_NAMES)[number]) => current.features[f].slice(300, 800).filter((v) => !Number.isNaN(v));
  assert.equal(psi.temperature, populationStabilityIndex(ref.temperature, last500('temperature'), 10, 1e-4).psi);
  assert.equal(psi.hour, categoricalPsi(ref.hour, last500('hour'), 1e-4));
  assert.ok(psi.temperature! > 1);
});

test('request log reader: rows with missing readings; an unfinished last line is left; bad lines name file:line', () => {
  const line = (t: number, light: number | null) => JSON.stringify({ timestamp: '2026-12-01T00:00:00.000Z', model_version: 'm', score: 0.5, prediction: 1,
    features: { temperature: t, humidity: 30, light, co2: 700, humidity_ratio: 0.004, hour: 9, weekday: 1 } });
  const { rows, unfinishedLines } = parseRequestLog(`${line(20, 400)}\n${line(21, null)}\n{"timestamp": "2026-12`, 'data/logs/a.jsonl');
  assert.equal(unfinishedLines, 1);
  assert.deepEqual(rows.features.temperature, [20, 21]);
  assert.ok(Number.isNaN(rows.features.light[1]!));
  assert.ok(rows.occupied.every((y) => Number.isNaN(y)), 'requests are unlabelled');
  assert.throws(() => parseRequestLog(`${line(20, 400)}\n{"timestamp": }\n`, 'data/logs/a.jsonl'), /^StageInputError: data\/logs\/a\.jsonl:2(:\d+)?: not valid JSON \(Unexpected token/);
  assert.throws(() => parseRequestLog(`${line(20, 400).replace('"co2":700', '"co2":"high"')}\n`, 'x.jsonl'), /x\.jsonl:1: feature 'co2' is "high"/);
});

test('alert text: verdict, one row per drifted feature, decision, report', () => {
  const drift = {
    dataset_drift: true, performance_drift: false, prediction_drift: true, drift_share: 0.5714, reasons: ['dataset drift: 4 of 7 features drifted'],
    features: {
      temperature: { method: 'wasserstein', score: 2.5, threshold: 0.1, drifted: true, psi: 1.2, reason: 'normalised Wasserstein distance 2.5 ≥ 0.1' },
      hour: { method: 'jensenshannon', score: 0.01, threshold: 0.1, drifted: false, psi: 0.001, reason: '' },
    },
  };
  const evaluation = { promote: true, reason: 'f1 0.9 vs 0.8', challenger: { model_id: 'abcdef0123456789' } };
  const text = renderAlert(alertPayload({ drift, evaluation, ingest: { current: { month: 7, rows: 4032, log_rows: 2016 } }, evaluationIsCurrent: true }), emptyState());
  assert.match(text, /^# Drift alert: dataset drift, prediction drift \(month 7 \+ 2016 logged requests\)\n/);
  assert.match(text, /\n\| temperature \| wasserstein \| 2\.5 \| 0\.1 \| 1\.2 \| normalised Wasserstein distance 2\.5 ≥ 0\.1 \|\n/);
  assert.doesNotMatch(text, /\| hour \|/);
  assert.match(text, /\*\*Decision:\*\* Retrained; the challenger `abcdef0123456789` is promoted \(f1 0\.9 vs 0\.8\)/);
  assert.match(text, /\*\*Report:\*\* `reports\/drift\.html`/);
});
