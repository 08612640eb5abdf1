// Canary rollout, end to end: the real service (a child process on a free loopback port) holds
// the packaged champion and a candidate bundle; keyed requests are split by key, every log line
// names the model that answered, and the real `canary decide` CLI compares the two on labelled
// feedback sent through POST /feedback, then rolls back a worse candidate or promotes a better one.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { cp, mkdir, readdir, readFile, writeFile } from 'node:fs/promises';
import { createHash } from 'node:crypto';
import { dirname, join, resolve } from 'node:path';
import { execa } from 'execa';
import { modelId, parseModel, type OccupancyModel } from '../../stages/lib/model.js';
import { waitFor, type TempRepo } from '../helpers/repo.js';
import { parsePrometheusText, type Sample } from '../helpers/prometheus.js';
import { BUNDLE_DIR, SERVE, flagshipRepo, labelledMonthRows, postJson, runPool, startService, type Row, type RunningService } from './helpers.js';

const CANARY = resolve(dirname(SERVE), 'canary-main.js');

interface Answer {
  status: number;
  version: string;
  requestId: string;
}

/** A bundle whose model says the opposite of `from`'s (negated coefficients): a worse model the service accepts. */
async function writeInvertedBundle(repo: TempRepo, from: string, to: string): Promise<string> {
  const model = parseModel(JSON.parse(await repo.read(join(from, 'model.json'))), from);
  const inverted: OccupancyModel = { ...model, weights: model.weights.map((w) => -w), bias: -model.bias, lineage: [] };
  inverted.model_id = modelId(inverted);
  const text = JSON.stringify(inverted, null, 2);
  const manifest = { model_id: inverted.model_id, algorithm: 'sha256', files: { 'model.json': { sha256: createHash('sha256').update(text).digest('hex'), size: Buffer.byteLength(text) } } };
  await mkdir(repo.path(to), { recursive: true });
  await writeFile(repo.path(join(to, 'model.json')), text);
  await writeFile(repo.path(join(to, 'manifest.json')), JSON.stringify(manifest, null, 2));
  return inverted.model_id;
}

async function predictKeyed(url: string, row: Row, key: string): Promise<Answer> {
  const r = await fetch(`${url}/predict`, { method: 'POST', headers: { 'content-type': 'application/json', 'x-request-key': key }, body: JSON.stringify(row) });
  const json = (await r.json()) as { model_version: string; request_id: string };
  return { status: r.status, version: json.model_version, requestId: json.request_id };
}

async function sendFeedback(url: string, answers: readonly Answer[], labels: readonly number[]): Promise<void> {
  const items = answers.map((a, i) => ({ request_id: a.requestId, occupied: labels[i] }));
  for (let i = 0; i < items.length; i += 1000) {
    const r = await postJson(`${url}/feedback`, items.slice(i, i + 1000));
    assert.equal(r.status, 200, JSON.stringify(r.json));
  }
}

async function canaryCli(repo: TempRepo, args: string[]) {
  const r = await execa(process.execPath, [CANARY, ...args], { cwd: repo.root, reject: false });
  return { code: r.exitCode, stdout: String(r.stdout), stderr: String(r.stderr) };
}

interface LogLine {
  request_id: string;
  model_version: string;
  canary_arm?: string;
}

async function readLogLines(repo: TempRepo, dir: string): Promise<LogLine[]> {
  const files = (await readdir(repo.path(dir))).filter((f) => f.startsWith('requests') && f.endsWith('.jsonl')).sort();
  const texts = await Promise.all(files.map((f) => readFile(join(repo.path(dir), f), 'utf8')));
  return texts.flatMap((t) => t.split('\n').filter(Boolean).map((l) => JSON.parse(l) as LogLine));
}

async function scrape(service: RunningService): Promise<Sample[]> {
  return parsePrometheusText(await (await fetch(`${service.url}/metrics`)).text());
}

const sample = (samples: Sample[], name: string, labels: Record<string, string> = {}) =>
  samples.find((s) => s.name === name && Object.entries(labels).every(([k, v]) => s.labels[k] === v))?.value;

async function canaryState(service: RunningService): Promise<Record<string, unknown>> {
  return (await (await fetch(`${service.url}/canary`)).json()) as Record<string, unknown>;
}

test('a 20 % canary over 2,000 keyed requests: ~20 % to the candidate, sticky keys, versions logged; a worse candidate is rolled back by the decision, in every process serving it', async () => {
  const repo = await flagshipRepo();
  const candidate = await writeInvertedBundle(repo, BUNDLE_DIR, 'candidate-bundle');
  const canaryArgs = ['--logs', 'served-logs', '--candidate', 'candidate-bundle', '--canary-share', '0.2', '--reload-interval', '50'];
  const service = await startService(repo, canaryArgs);
  // A second process serving the same canary from the same folder, as a worker does.
  const worker = await startService(repo, [...canaryArgs, '--logs', 'worker-logs', '--canary-state', 'served-logs/canary-state.json']);
  const restarted: RunningService[] = [];
  try {
    const champion = service.version;
    const { rows, labels } = labelledMonthRows(3);
    const answers = await runPool(2000, 20, (i) => predictKeyed(service.url, rows[i]!, `user-${i}`));
    assert.deepEqual(answers.filter((a) => a.status !== 200), []);
    assert.deepEqual(new Set(answers.map((a) => a.version)), new Set([champion, candidate]));
    // Keys are placed by their sha256, so the count is a binomial(2000, 0.2) draw: sd 17.9, and
    // ±5 points of the share (±100 requests) is 5.6 sd, a bound a correct split never misses.
    const toCandidate = answers.filter((a) => a.version === candidate).length;
    assert.ok(toCandidate >= 300 && toCandidate <= 500, `candidate answered ${toCandidate} of 2000 (20 % ± 5 points: 300..500)`);

    // The same key, another row: the same model, every time.
    const again = await runPool(500, 20, (i) => predictKeyed(service.url, rows[(i + 7) % rows.length]!, `user-${i}`));
    assert.deepEqual(again.map((a) => a.version), answers.slice(0, 500).map((a) => a.version), 'each key stays on its model');

    const lines = await readLogLines(repo, 'served-logs');
    assert.equal(lines.length, 2500, 'one log line per request');
    for (const l of lines) {
      assert.ok(l.model_version === champion || l.model_version === candidate, `log line names its version: ${JSON.stringify(l)}`);
      assert.equal(l.canary_arm, l.model_version === candidate ? 'candidate' : 'champion');
    }
    const byId = new Map(lines.map((l) => [l.request_id, l.model_version]));
    for (const a of answers) assert.equal(byId.get(a.requestId), a.version, 'the log names the version the answer named');

    const metrics = await scrape(service);
    assert.equal(sample(metrics, 'occupancy_predictions_total', { model_version: candidate }), toCandidate + again.filter((a) => a.version === candidate).length);
    assert.equal(sample(metrics, 'occupancy_prediction_score_count', { model_version: champion }), lines.filter((l) => l.model_version === champion).length);
    assert.equal(sample(metrics, 'occupancy_canary_model_role', { model_version: candidate, role: 'candidate' }), 1);
    assert.equal(sample(metrics, 'occupancy_canary_share'), 0.2);

    // No labels yet: the decision holds and changes nothing.
    const early = await canaryCli(repo, ['decide', '--url', service.url, '--logs', 'served-logs']);
    assert.equal(early.code, 0, early.stderr);
    assert.match(early.stdout, /decision: hold: not enough labels: champion 0, candidate 0 labelled rows; 200 needed for each/);
    assert.equal((await canaryState(service))['state'], 'running');

    await sendFeedback(service.url, answers, labels);
    const decided = await canaryCli(repo, ['decide', '--url', service.url, '--logs', 'served-logs']);
    assert.equal(decided.code, 0, decided.stderr);
    assert.match(decided.stdout, /decision: rollback: candidate accuracy [\d.]+ vs champion [\d.]+/);
    assert.match(decided.stdout, new RegExp(`no canary running: model ${champion} answers every request \\(last candidate ${candidate}: rolled back`));
    assert.equal((await canaryState(service))['state'], 'rolled_back');

    // Traffic is back on the champion at once, for the keys that had the candidate too.
    const candidateKeys = answers.map((a, i) => (a.version === candidate ? i : -1)).filter((i) => i >= 0).slice(0, 100);
    const after = await runPool(candidateKeys.length, 20, (k) => predictKeyed(service.url, rows[candidateKeys[k]!]!, `user-${candidateKeys[k]}`));
    assert.deepEqual(new Set(after.map((a) => a.version)), new Set([champion]));
    const afterIds = new Set(after.map((a) => a.requestId));
    const afterLines = (await readLogLines(repo, 'served-logs')).filter((l) => afterIds.has(l.request_id));
    assert.equal(afterLines.length, candidateKeys.length);
    for (const l of afterLines) assert.deepEqual([l.model_version, l.canary_arm], [champion, undefined], 'logged as the champion, outside any canary');
    assert.equal(sample(await scrape(service), 'occupancy_canary_share'), 0);

    // The other process follows the recorded rollback at its next poll; a restart with the same
    // --candidate does not route to it again.
    const candidateKey = `user-${candidateKeys[0]}`;
    await waitFor(async () => (await canaryState(worker))['state'] === 'rolled_back', 'the worker follows the rollback');
    assert.equal((await predictKeyed(worker.url, rows[0]!, candidateKey)).version, champion);
    restarted.push(await startService(repo, [...canaryArgs, '--logs', 'restart-logs', '--canary-state', 'served-logs/canary-state.json']));
    assert.deepEqual([(await canaryState(restarted[0]!))['state'], (await predictKeyed(restarted[0]!.url, rows[0]!, candidateKey)).version], ['rolled_back', champion]);

    // A second rollback has nothing to stop: exit 1, said plainly.
    const twice = await canaryCli(repo, ['rollback', '--url', service.url]);
    assert.equal(twice.code, 1);
    assert.match(twice.stderr, /canary: POST \/canary\/rollback: 409 no canary is running \(state: rolled_back\)/);
  } finally {
    await Promise.all([service, worker, ...restarted].map((s) => s.stop()));
    await repo.remove();
  }
  assert.match(String((await service.child).stderr), new RegExp(`Canary rolled back: model ${candidate} stopped`));
  assert.match(String((await worker.child).stderr), new RegExp(`Canary rolled back \\(served-logs/canary-state.json, [^)]+\\): model ${candidate} stopped`));
});

test('a better candidate is promoted by the decision: its bundle becomes the champion, hot-switched with no failed request', async () => {
  const repo = await flagshipRepo();
  await cp(repo.path(BUNDLE_DIR), repo.path('candidate-bundle'), { recursive: true });
  const better = JSON.parse(await repo.read(join(BUNDLE_DIR, 'manifest.json'))) as { model_id: string };
  const worse = await writeInvertedBundle(repo, BUNDLE_DIR, BUNDLE_DIR);
  const service = await startService(repo, ['--logs', 'served-logs', '--candidate', 'candidate-bundle', '--canary-share', '0.3', '--reload-interval', '50']);
  try {
    assert.equal(service.version, worse);
    const { rows, labels } = labelledMonthRows(3);
    const answers = await runPool(1000, 20, (i) => predictKeyed(service.url, rows[i]!, `device-${i}`));
    assert.deepEqual(answers.filter((a) => a.status !== 200), []);
    await sendFeedback(service.url, answers, labels);

    // Requests keep flowing while the decision promotes: none may fail.
    let flowing = true;
    const during: Answer[] = [];
    const client = async (k: number) => {
      for (let i = k; flowing; i += 4) during.push(await predictKeyed(service.url, rows[i % rows.length]!, `flow-${i}`).catch(() => ({ status: -1, version: '', requestId: '' })));
    };
    const clients = Array.from({ length: 4 }, (_, k) => client(k));
    const decided = await canaryCli(repo, ['decide', '--url', service.url, '--logs', 'served-logs', '--min-labelled', '100']);
    await new Promise((res) => setTimeout(res, 100));
    flowing = false;
    await Promise.all(clients);
    assert.equal(decided.code, 0, decided.stderr);
    assert.match(decided.stdout, /decision: promote: candidate accuracy [\d.]+ vs champion [\d.]+ .*at least as accurate/);
    assert.deepEqual(during.filter((a) => a.status !== 200), [], 'no request failed during the promotion');

    const state = await canaryState(service);
    assert.deepEqual([state['state'], state['champion']], ['promoted', better.model_id]);
    const health = (await (await fetch(`${service.url}/health`)).json()) as { model_version: string };
    assert.equal(health.model_version, better.model_id);
    const manifest = JSON.parse(await repo.read(join(BUNDLE_DIR, 'manifest.json'))) as { model_id: string };
    assert.equal(manifest.model_id, better.model_id, "the candidate's bundle is in the champion's folder");
    assert.equal(await repo.read(join(BUNDLE_DIR, 'model.json')), await repo.read('candidate-bundle/model.json'));

    const after = await runPool(50, 10, (i) => predictKeyed(service.url, rows[i]!, `device-${i}`));
    assert.deepEqual(new Set(after.map((a) => a.version)), new Set([better.model_id]), 'every key now gets the promoted model');
    const afterIds = new Set(after.map((a) => a.requestId));
    const logged = (await readLogLines(repo, 'served-logs')).filter((l) => afterIds.has(l.request_id));
    assert.deepEqual(new Set(logged.map((l) => l.model_version)), new Set([better.model_id]));
  } finally {
    await service.stop();
    await repo.remove();
  }
  assert.match(String((await service.child).stderr), new RegExp(`Canary promoted: model ${better.model_id} is the champion`));
});
