// The drift gate on the live loop, end to end: the real prediction service on loopback, the real
// CLI's `repro` of the flagship pipeline in a temporary git repository, a real webhook server.
//  - junk readings are flagged where they enter, quarantined by ingest and counted; they move no
//    drift statistic and retrain nothing;
//  - drift in unlabelled traffic opens an incident and waits for labels (train gated with that
//    reason); labels posted to /feedback let retraining run; the promoted model's training window
//    becomes the reference, so traffic like it resolves the incident; the webhook hears exactly
//    the opening and the resolution.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdir, readdir, rename } from 'node:fs/promises';
import type { TempRepo } from '../helpers/repo.js';
import { flagshipRepo, labelledMonthRows, monthRows, postJson, sendRowsWithIds, startService, startWebhook, type Row, type WebhookReceiver } from './helpers.js';

type Json = Record<string, unknown>;
const readJson = async (repo: TempRepo, rel: string) => JSON.parse(await repo.read(rel)) as Json;

describe('junk readings are data-quality findings, not drift', () => {
  let repo: TempRepo;
  before(async () => {
    repo = await flagshipRepo();
  });
  after(() => repo.remove());

  test('two junk requests then repro: flagged, counted as 2 out-of-range rows, no feature drifts, nothing retrains', async () => {
    const service = await startService(repo);
    const junk: Row = { temperature: 1e300, humidity: 1e300, light: 1e300, co2: 1e300, humidity_ratio: 1e300, hour: 10, weekday: 2 };
    try {
      for (let i = 0; i < 2; i++) {
        const r = await postJson(`${service.url}/predict`, junk);
        assert.equal(r.status, 200, JSON.stringify(r.json));
        assert.deepEqual((r.json['quality'] as { out_of_range: string[] }).out_of_range, ['temperature', 'humidity', 'light', 'co2', 'humidity_ratio']);
      }
    } finally {
      assert.equal(await service.stop(), 0);
    }
    const r = await repo.run(['repro']);
    assert.equal(r.code, 0, r.all);
    const ingest = await readJson(repo, 'metrics/ingest.json');
    const quality = ingest['data_quality'] as { out_of_range_rows: number; rows_quarantined: number };
    assert.equal(quality.out_of_range_rows, 2);
    assert.equal(quality.rows_quarantined, 2);
    assert.equal((ingest['current'] as { log_rows: number }).log_rows, 0, 'the junk rows are not in the batch');
    const drift = await readJson(repo, 'metrics/drift.json');
    assert.equal(drift['n_drifted_features'], 0);
    assert.equal(drift['dataset_drift'], false);
    assert.equal(drift['data_quality_alert'], true);
    assert.match(r.stdout, /Stage 'train' skipped: gate closed/);
    assert.doesNotMatch(r.stdout, /Running stage 'train'/);
    assert.match(await repo.read('reports/alert.md'), /^# Data-quality alert/);
    const state = await readJson(repo, 'incidents/state.json');
    assert.deepEqual((state['incidents'] as { kind: string; status: string }[]).map((i) => [i.kind, i.status]), [['data_quality', 'open']]);
  });
});

describe('drift waits for labels, retrains with them, and the reference follows the champion', () => {
  let repo: TempRepo;
  let webhook: WebhookReceiver;
  let env: Record<string, string>;
  const events = () => webhook.received.map((b) => `${String(b['event'])}:${String((b['incident'] as { kind: string }).kind)}`);

  before(async () => {
    webhook = await startWebhook();
    env = { ALERT_WEBHOOK_URL: webhook.url };
    repo = await flagshipRepo(env);
  });
  after(async () => {
    await webhook.close();
    await repo.remove();
  });

  /** Serve rows with the real service; their request ids, in order. */
  const serve = async (rows: Row[]): Promise<string[]> => {
    const service = await startService(repo);
    try {
      return await sendRowsWithIds(service.url, rows);
    } finally {
      assert.equal(await service.stop(), 0);
    }
  };
  const summer = labelledMonthRows(7);
  let ids: string[] = [];

  test('drift in unlabelled traffic: an incident opens, the alert says retraining waits for labels, train is gated with that reason', async () => {
    ids = await serve(summer.rows);
    const r = await repo.run(['repro'], { env });
    assert.equal(r.code, 0, r.all);
    const drift = await readJson(repo, 'metrics/drift.json');
    assert.equal(drift['dataset_drift'], true);
    assert.equal(drift['labels_ready'], false);
    assert.match(r.stdout, /Stage 'train' skipped: gate closed \(.*retrain_waits_for = "labels: 0 of 200 labelled rows/);
    assert.match(await repo.read('reports/alert.md'), /retraining waits for labels/);
    assert.deepEqual(events(), ['incident_opened:drift']);
    assert.equal(typeof webhook.received[0]!['text'], 'string');
    assert.match(String(webhook.received[0]!['text']), /Drift incident drift-\d{8}T\d{6}Z opened/);
  });

  test('labels posted to /feedback for enough rows: retraining runs and promotes; the incident is updated, not re-announced', async () => {
    const service = await startService(repo);
    try {
      const feedback = ids.map((request_id, i) => ({ request_id, occupied: summer.labels[i]! }));
      for (let i = 0; i < feedback.length; i += 1000) {
        const f = await postJson(`${service.url}/feedback`, feedback.slice(i, i + 1000));
        assert.equal(f.status, 200, JSON.stringify(f.json));
      }
      assert.equal((await postJson(`${service.url}/feedback`, { request_id: ids[0], occupied: 3 })).status, 400);
    } finally {
      assert.equal(await service.stop(), 0);
    }
    assert.ok((await readdir(repo.path('data/logs'))).some((n) => /^labels-.*\.jsonl$/.test(n)), 'labels are stored beside the request logs');
    const r = await repo.run(['repro'], { env });
    assert.equal(r.code, 0, r.all);
    assert.equal((await readJson(repo, 'metrics/ingest.json'))['current'] && ((await readJson(repo, 'metrics/ingest.json'))['current'] as Json)['labels_joined'], ids.length);
    assert.match(r.stdout, /Running stage 'train'/);
    assert.equal((await readJson(repo, 'metrics/evaluate.json'))['promote'], true);
    assert.match(r.stdout, /Running stage 'package'/);
    const state = await readJson(repo, 'incidents/state.json');
    assert.deepEqual((state['last_run'] as { events: { event: string }[] }).events.map((e) => e.event), ['updated']);
    assert.deepEqual(events(), ['incident_opened:drift']);
  });

  test('traffic like the new champion\'s training data: no drift, the incident resolves, the webhook heard open + resolve only', async () => {
    // The consumed logs are archived; new summer-like traffic (another seed) arrives.
    await mkdir(repo.path('archive'), { recursive: true });
    for (const n of await readdir(repo.path('data/logs'))) if (n.endsWith('.jsonl')) await rename(repo.path(`data/logs/${n}`), repo.path(`archive/${n}`));
    await serve(monthRows(7, 78));
    const r = await repo.run(['repro'], { env });
    assert.equal(r.code, 0, r.all);
    assert.equal((await readJson(repo, 'metrics/ingest.json'))['reference'] && ((await readJson(repo, 'metrics/ingest.json'))['reference'] as Json)['source'], 'champion');
    const drift = await readJson(repo, 'metrics/drift.json');
    assert.equal(drift['dataset_drift'], false, JSON.stringify(drift['feature_scores']));
    assert.doesNotMatch(r.stdout, /Running stage 'train'/);
    const state = await readJson(repo, 'incidents/state.json');
    const incidents = state['incidents'] as { kind: string; status: string; runs: number }[];
    assert.deepEqual(incidents.map((i) => [i.kind, i.status, i.runs]), [['drift', 'resolved', 2]]);
    assert.match(await repo.read('reports/alert.md'), /No open incident/);
    assert.deepEqual(events(), ['incident_opened:drift', 'incident_resolved:drift']);
  });
});
