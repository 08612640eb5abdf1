// The prediction service, started for real on a free loopback port in a copy of the flagship
// example whose pipeline has packaged a bundle: every answered request is logged exactly once,
// bad bodies get 400 naming the field, /metrics is Prometheus text whose PSI gauges follow drift.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { readdir, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { TempRepo } from '../helpers/repo.js';
import { parsePrometheusText, type Sample } from '../helpers/prometheus.js';
import { flagshipRepo, monthRows, postJson, runPool, sendRows, startService, type RunningService } from './helpers.js';

interface LogLine {
  timestamp: string;
  model_version: string;
  score: number;
  prediction: number;
  features: Record<string, number | null>;
}

describe('the prediction service', () => {
  let repo: TempRepo;
  let service: RunningService;
  const logsDir = () => repo.path('served-logs');
  const readLog = async (): Promise<{ text: string; lines: LogLine[] }> => {
    const files = (await readdir(logsDir())).filter((f) => f.endsWith('.jsonl'));
    assert.equal(files.length, 1, `one log file per service: ${files.join(', ')}`);
    const text = await readFile(join(logsDir(), files[0]!), 'utf8');
    return { text, lines: text.split('\n').filter((l) => l !== '').map((l) => JSON.parse(l) as LogLine) };
  };
  const scrape = async (): Promise<Sample[]> => {
    const r = await fetch(`${service.url}/metrics`);
    assert.equal(r.status, 200);
    assert.match(r.headers.get('content-type') ?? '', /^text\/plain; version=0\.0\.4/);
    return parsePrometheusText(await r.text());
  };
  const psi = (samples: Sample[]) =>
    Object.fromEntries(samples.filter((s) => s.name === 'occupancy_feature_psi').map((s) => [s.labels['feature']!, s.value]));

  before(async () => {
    repo = await flagshipRepo();
    service = await startService(repo, ['--logs', 'served-logs', '--window', '1000']);
  });
  after(async () => {
    await service.stop();
    await repo.remove();
  });

  test('1,000 requests at concurrency 50: each answered and logged exactly once', async () => {
    // Each request carries its own temperature, so every log line can be traced to its request.
    const rows = monthRows(3).slice(0, 1000).map((row, i) => ({ ...row, temperature: 15 + i / 1000 }));
    const answers = await runPool(rows.length, 50, (i) => postJson(`${service.url}/predict`, rows[i]));
    assert.deepEqual(answers.map((a) => a.status), rows.map(() => 200));
    for (const a of answers) {
      assert.equal(a.json['model_version'], service.version);
      assert.ok(typeof a.json['score'] === 'number' && a.json['score'] >= 0 && a.json['score'] <= 1);
    }
    const { text, lines } = await readLog();
    assert.ok(text.endsWith('\n'));
    assert.equal(lines.length, 1000);
    assert.deepEqual(lines.map((l) => l.features['temperature']).sort((a, b) => a! - b!), rows.map((r) => r.temperature));
    // The logged score is the one answered.
    const answered = new Map(answers.map((a, i) => [rows[i]!.temperature, a.json['score']]));
    for (const l of lines) {
      assert.equal(l.score, answered.get(l.features['temperature']!));
      assert.equal(l.model_version, service.version);
      assert.ok(!Number.isNaN(Date.parse(l.timestamp)));
    }
    const health = (await (await fetch(`${service.url}/health`)).json()) as Record<string, unknown>;
    assert.equal(health['model_version'], service.version);
    assert.equal(health['log_lines'], 1000);
  });

  test('a bad body gets 400 naming the field, and nothing is logged for it', async () => {
    const good = monthRows(3)[0]!;
    const { lines: before } = await readLog();
    const cases: [unknown, RegExp][] = [
      [{ ...good, temperature: 'warm' }, /body\/temperature must be number/],
      [{ ...good, co2: undefined }, /body\/co2 is required/],
      [{ ...good, hour: 24 }, /body\/hour must be <= 23/],
      [{ ...good, weekday: 2.5 }, /body\/weekday must be integer/],
      [{ ...good, colour: 'red' }, /body\/colour is not a known field/],
      [[good, { ...good, light: true }], /body\/1\/light must be number/],
      [[], /body must NOT have fewer than 1 items/],
    ];
    for (const [body, message] of cases) {
      const r = await postJson(`${service.url}/predict`, body);
      assert.equal(r.status, 400, JSON.stringify(body));
      assert.match(String(r.json['message']), message);
    }
    const raw = await fetch(`${service.url}/predict`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: '{"temperature": ' });
    assert.equal(raw.status, 400);
    assert.equal((await readLog()).lines.length, before.length);
  });

  test('a batch is answered row by row and logged as one line per row', async () => {
    const rows = monthRows(3).slice(0, 5);
    const r = await postJson(`${service.url}/predict`, rows);
    assert.equal(r.status, 200);
    const predictions = r.json['predictions'] as { score: number; occupied: number }[];
    assert.equal(predictions.length, 5);
    const { lines } = await readLog();
    assert.deepEqual(lines.slice(-5).map((l) => l.score), predictions.map((p) => p.score));
  });

  test('/metrics is Prometheus text with requests, latency, scores and PSI gauges that move with drift', async () => {
    await sendRows(service.url, monthRows(11).slice(0, 1000));
    const stable = await scrape();
    const names = new Set(stable.map((s) => s.name));
    for (const n of ['http_requests_total', 'http_request_duration_seconds_bucket', 'occupancy_prediction_score_bucket', 'occupancy_predictions_total', 'occupancy_model_info']) {
      assert.ok(names.has(n), `${n} is exported`);
    }
    assert.equal(stable.find((s) => s.name === 'occupancy_psi_window_rows')?.value, 1000);
    const stablePsi = psi(stable);
    assert.deepEqual(Object.keys(stablePsi).sort(), ['co2', 'hour', 'humidity', 'humidity_ratio', 'light', 'temperature', 'weekday']);
    for (const [f, v] of Object.entries(stablePsi)) assert.ok(v < 0.1, `winter month: ${f} PSI ${v} < 0.1`);

    await sendRows(service.url, monthRows(7).slice(0, 1000));
    const summerPsi = psi(await scrape());
    for (const f of ['temperature', 'light']) {
      assert.ok(summerPsi[f]! > 0.25, `summer month: ${f} PSI ${summerPsi[f]} > 0.25 (was ${stablePsi[f]})`);
    }
  });

  test('SIGTERM: requests in flight are answered and logged, the log is closed whole', async () => {
    const rows = monthRows(3).slice(0, 200);
    const { lines: before } = await readLog();
    const inFlight = runPool(rows.length, 20, (i) => postJson(`${service.url}/predict`, rows[i]).then((r) => r.status, () => 0));
    await new Promise((r) => setTimeout(r, 30));
    assert.equal(await service.stop(), 0);
    const statuses = await inFlight;
    const answered = statuses.filter((s) => s === 200).length;
    const { text, lines } = await readLog();
    assert.ok(text.endsWith('\n'), 'no torn last line');
    assert.equal(lines.length - before.length, answered, 'every answered request is in the log, and only those');
  });
});
