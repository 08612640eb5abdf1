// The live loop: requests served → request logs → `repro` (ingest reads them) → drift verdict →
// the alert stage opens an incident, writes reports/alert.md and POSTs to a webhook (a real HTTP
// server on loopback). Stable traffic opens no incident; drifting traffic does.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { TempRepo } from '../helpers/repo.js';
import { flagshipRepo, monthRows, sendRows, startService } from './helpers.js';

interface Hook {
  method: string;
  contentType: string;
  body: Record<string, unknown>;
}

describe('drift from served requests raises an alert', () => {
  let repo: TempRepo;
  let webhook: Server;
  let env: Record<string, string>;
  const received: Hook[] = [];
  const json = async <T>(rel: string) => JSON.parse(await repo.read(rel)) as T;

  /** Serve `rows` with the real service (logging into data/logs), then stop it. */
  const serve = async (rows: ReturnType<typeof monthRows>) => {
    const service = await startService(repo);
    try {
      await sendRows(service.url, rows);
    } finally {
      assert.equal(await service.stop(), 0);
    }
  };

  before(async () => {
    webhook = createServer((req, res) => {
      let body = '';
      req.on('data', (c: Buffer) => (body += c.toString()));
      req.on('end', () => {
        received.push({ method: req.method ?? '', contentType: req.headers['content-type'] ?? '', body: JSON.parse(body) as Record<string, unknown> });
        res.end('ok');
      });
    });
    await new Promise<void>((res) => webhook.listen(0, '127.0.0.1', res));
    env = { ALERT_WEBHOOK_URL: `http://127.0.0.1:${(webhook.address() as AddressInfo).port}/hooks/drift` };
    repo = await flagshipRepo(env);
  });
  after(async () => {
    webhook.close();
    await repo.remove();
  });

  test('a first model on a stable month opens no incident', async () => {
    assert.match(await repo.read('reports/alert.md'), /^# Monitoring: no drift/);
    assert.match(await repo.read('reports/alert.md'), /No open incident/);
    assert.deepEqual((await json<{ incidents: unknown[] }>('incidents/state.json')).incidents, []);
    assert.equal(received.length, 0);
  });

  test('stable requests served: ingest reads them, no drift, no alert', async () => {
    await serve(monthRows(11));
    const r = await repo.run(['repro'], { env });
    assert.equal(r.code, 0, r.all);
    const ingest = await json<{ current: { log_rows: number; log_unfinished_lines: number } }>('metrics/ingest.json');
    assert.equal(ingest.current.log_rows, 2016, 'every served row reached the current batch');
    assert.equal(ingest.current.log_unfinished_lines, 0);
    assert.equal((await json<{ dataset_drift: boolean }>('metrics/drift.json')).dataset_drift, false);
    assert.match(await repo.read('reports/alert.md'), /No open incident/);
    assert.equal(received.length, 0);
  });

  test('drifting requests served: an incident opens, the alert is written and the webhook receives it', async () => {
    await serve(monthRows(7));
    const r = await repo.run(['repro'], { env });
    assert.equal(r.code, 0, r.all);
    const drift = await json<{ dataset_drift: boolean; n_drifted_features: number }>('metrics/drift.json');
    assert.equal(drift.dataset_drift, true);
    assert.match(r.stdout, /Running stage 'alert'/);

    const alert = await repo.read('reports/alert.md');
    assert.match(alert, /^# Drift alert: dataset drift/);
    assert.match(alert, /4032 logged requests/);
    // One table row per drifted feature, with its test and score.
    const tableRows = alert.split('\n').filter((l) => /^\| [a-z0-9_]+ \| (wasserstein|ks|chisquare|jensenshannon|psi|zscore) \|/.test(l));
    const drifted = tableRows.map((l) => l.split('|')[1]!.trim());
    assert.equal(drifted.length, drift.n_drifted_features);
    assert.ok(drifted.includes('temperature'));
    // The logged requests carry no labels yet: retraining waits for them.
    assert.match(alert, /\*\*Decision:\*\* Drift was found; retraining waits for labels/);
    assert.match(alert, /reports\/drift\.html/);

    assert.equal(received.length, 1);
    const hook = received[0]!;
    assert.equal(hook.method, 'POST');
    assert.match(hook.contentType, /application\/json/);
    assert.equal(hook.body['event'], 'incident_opened');
    assert.match(String(hook.body['text']), /^Drift incident drift-\S+ opened/);
    assert.equal(hook.body['dataset_drift'], true);
    assert.deepEqual((hook.body['drifted_features'] as { feature: string }[]).map((f) => f.feature), drifted);
    assert.equal((hook.body['current'] as { logged_requests: number }).logged_requests, 4032);
  });

  test('a webhook that keeps failing fails the stage, so the next repro posts again', async () => {
    webhook.close();
    // An incident that is still to be announced: the state as if it had never opened.
    const stateBefore = '{"format": 1, "incidents": [], "last_run": {"at": "", "events": []}}\n';
    await repo.write({ 'incidents/state.json': stateBefore });
    await repo.write({ 'params.yaml': (await repo.read('params.yaml')).replace('psi_bins: 10', 'psi_bins: 12') });
    const r = await repo.run(['repro'], { env });
    assert.equal(r.code, 1, r.all);
    assert.match(r.all, /alert: webhook at http:\/\/127\.0\.0\.1:\d+ failed .* after 3 attempts/);
    assert.doesNotMatch(r.all, /hooks\/drift/, 'the URL path (often a secret) is not printed');
    assert.equal(await repo.read('incidents/state.json'), stateBefore, 'the opening is not recorded until it is announced');
    const status = JSON.parse((await repo.run(['status', '--json'])).stdout) as { stages: { name: string; state: string }[] };
    assert.notEqual(status.stages.find((s) => s.name === 'alert')?.state, 'up-to-date');
  });
});
