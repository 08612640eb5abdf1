// The canary's commands and bad input, against the real service with two small fixture bundles
// (models that always say occupied, or never): what each command prints and exits with, and
// that a refused input changes nothing.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { dirname, join, resolve } from 'node:path';
import { execa } from 'execa';
import { FEATURE_NAMES } from '../../stages/lib/dataset.js';
import { MODEL_FORMAT, MODEL_INPUTS, modelId, type OccupancyModel } from '../../stages/lib/model.js';
import { routesToCandidate } from '../../serve/canary-route.js';
import { TempRepo } from '../helpers/repo.js';
import { BUNDLE_DIR, SERVE, monthRows, postJson, startService, type RunningService } from './helpers.js';

const CANARY = resolve(dirname(SERVE), 'canary-main.js');

/** A bundle whose model ignores the readings: bias +8 always says occupied, -8 never. */
function fixtureBundle(dir: string, bias: number): { files: Record<string, string>; version: string } {
  const body = {
    impute: Object.fromEntries(FEATURE_NAMES.map((f) => [f, 0])) as OccupancyModel['impute'],
    center: MODEL_INPUTS.map(() => 0), scale: MODEL_INPUTS.map(() => 1), weights: MODEL_INPUTS.map(() => 0), bias,
  };
  const model: OccupancyModel = {
    format: MODEL_FORMAT, model_id: modelId(body), inputs: [...MODEL_INPUTS], ...body, decision_threshold: 0.5,
    hyperparameters: { l2: 0, learningRate: 0.1, epochs: 1 },
    training: { reference_months: [1], current_month: 2, rows: 0, positives: 0, data_sha256: {} }, lineage: [],
  };
  const text = JSON.stringify(model);
  const manifest = { model_id: model.model_id, files: { 'model.json': { sha256: createHash('sha256').update(text).digest('hex'), size: text.length } } };
  return { version: model.model_id, files: { [join(dir, 'model.json')]: text, [join(dir, 'manifest.json')]: JSON.stringify(manifest) } };
}

async function canaryCli(repo: TempRepo, args: string[], env: Record<string, string> = {}) {
  const r = await execa(process.execPath, [CANARY, ...args], { cwd: repo.root, reject: false, env });
  return { code: r.exitCode, stdout: String(r.stdout), stderr: String(r.stderr) };
}

describe('the canary commands', () => {
  let repo: TempRepo;
  let service: RunningService;
  const always = fixtureBundle(BUNDLE_DIR, 8);
  const never = fixtureBundle('candidate-bundle', -8);
  const state = async () => ((await (await fetch(`${service.url}/canary`)).json()) as { state: string }).state;

  before(async () => {
    repo = await TempRepo.create({ ...always.files, ...never.files });
    service = await startService(repo, ['--logs', 'served-logs', '--candidate', 'candidate-bundle', '--canary-share', '0.5']);
  });
  after(async () => {
    await service.stop();
    await repo.remove();
  });

  test('a candidate that is not a bundle, or a share outside 0..1: the service says so and exits', async () => {
    const missing = await execa(process.execPath, [SERVE, '--port', '0', '--candidate', 'nowhere'], { cwd: repo.root, reject: false });
    assert.equal(missing.exitCode, 1);
    assert.equal(String(missing.stderr).trim().split('\n').pop(), 'serve: canary candidate: nowhere/manifest.json does not exist');
    const share = await execa(process.execPath, [SERVE, '--port', '0', '--candidate', 'candidate-bundle', '--canary-share', '1.5'], { cwd: repo.root, reject: false });
    assert.notEqual(share.exitCode, 0);
    assert.match(String(share.stderr), /--canary-share <x>' argument '1.5' is invalid. expected a share between 0 and 1/);
  });

  test('decide: a bad param names params.yaml:line:column, a malformed log line file:line; the canary keeps running', async () => {
    await repo.write({ 'params.yaml': 'canary:\n  min_labelled: 0\n  margin: 0.02\n' });
    const badParam = await canaryCli(repo, ['decide', '--url', service.url, '--logs', 'served-logs']);
    assert.equal(badParam.code, 1);
    assert.match(badParam.stderr, /^canary: params.yaml:2:\d+: parameter 'canary.min_labelled' must be >= 1, found 0$/m);
    await repo.write({ 'params.yaml': 'canary:\n  min_labelled: 5\n  margin: 0.02\n', 'bad-logs/requests-x.jsonl': '{"canary_arm": "candidate", "prediction": 1}\n' });
    const badLine = await canaryCli(repo, ['decide', '--url', service.url, '--logs', 'bad-logs']);
    assert.equal(badLine.code, 1);
    assert.match(badLine.stderr, /^canary: bad-logs\/requests-x.jsonl:1: a canary line needs canary_arm champion or candidate, request_id, model_version and prediction 0 or 1$/m);
    assert.equal(await state(), 'running');
  });

  test('decide --dry-run says the verdict and changes nothing; --json applies it and prints the counts', async () => {
    const rows = monthRows(3).slice(0, 40);
    const keys = rows.map((_, i) => `k${i}`);
    const answers = await Promise.all(rows.map(async (row, i) => {
      const r = await fetch(`${service.url}/predict`, { method: 'POST', headers: { 'content-type': 'application/json', 'x-request-key': keys[i]! }, body: JSON.stringify(row) });
      return (await r.json()) as { request_id: string; model_version: string };
    }));
    answers.forEach((a, i) => assert.equal(a.model_version, routesToCandidate(keys[i], 0.5) ? never.version : always.version));
    // Every row was occupied: the model that never says so is worse.
    assert.equal((await postJson(`${service.url}/feedback`, answers.map((a) => ({ request_id: a.request_id, occupied: 1 })))).status, 200);

    const dry = await canaryCli(repo, ['decide', '--url', service.url, '--logs', 'served-logs', '--dry-run']);
    assert.equal(dry.code, 0, dry.stderr);
    assert.match(dry.stdout, /decision: rollback: candidate accuracy 0 vs champion 1 \(difference -1\)/);
    assert.match(dry.stdout, /--dry-run: nothing changed/);
    assert.equal(await state(), 'running');

    const applied = await canaryCli(repo, ['decide', '--url', service.url, '--logs', 'served-logs', '--json']);
    assert.equal(applied.code, 0, applied.stderr);
    const json = JSON.parse(applied.stdout) as { verdict: string; champion: { labelled: number }; candidate: { labelled: number }; applied: { state: string } };
    const toCandidate = keys.filter((k) => routesToCandidate(k, 0.5)).length;
    assert.deepEqual([json.verdict, json.champion.labelled, json.candidate.labelled, json.applied.state], ['rollback', rows.length - toCandidate, toCandidate, 'rolled_back']);
    assert.equal(await state(), 'rolled_back');
  });

  test('with no canary running, decide and promote exit 1 saying so; an unreachable service too', async () => {
    const status = await canaryCli(repo, ['status', '--url', service.url]);
    assert.equal(status.code, 0);
    assert.match(status.stdout, new RegExp(`^no canary running: model ${always.version} answers every request \\(last candidate ${never.version}: rolled back at `));
    const decide = await canaryCli(repo, ['decide', '--url', service.url, '--logs', 'served-logs']);
    assert.deepEqual([decide.code, decide.stderr.split(':').slice(0, 2).join(':')], [1, 'canary: nothing to decide']);
    const promote = await canaryCli(repo, ['promote', '--url', service.url]);
    assert.equal(promote.code, 1);
    assert.match(promote.stderr, /canary: POST \/canary\/promote: 409 no canary is running \(state: rolled_back\)/);
    assert.equal(JSON.parse(await repo.read(join(BUNDLE_DIR, 'manifest.json'))).model_id, always.version, 'the champion folder is untouched');

    const closed = createServer();
    await new Promise<void>((res) => closed.listen(0, '127.0.0.1', res));
    const port = (closed.address() as AddressInfo).port;
    await new Promise<void>((res) => closed.close(() => res()));
    const unreachable = await canaryCli(repo, ['status', '--url', `http://127.0.0.1:${port}`]);
    assert.equal(unreachable.code, 1);
    assert.match(unreachable.stderr, new RegExp(`^canary: cannot reach the service at http://127.0.0.1:${port}: `));
  });

  test('a service with a token: rollback without it is refused (401, the canary keeps running); with DVC_TS_SERVE_TOKEN it rolls back', async () => {
    const token = 'canary-test-token-4f1c';
    const guarded = await startService(repo, ['--logs', 'guarded-logs', '--candidate', 'candidate-bundle', '--canary-share', '0.5'], { DVC_TS_SERVE_TOKEN: token });
    try {
      const canaryState = async () => ((await (await fetch(`${guarded.url}/canary`)).json()) as { state: string }).state;
      const refused = await canaryCli(repo, ['rollback', '--url', guarded.url], { DVC_TS_SERVE_TOKEN: '' });
      assert.equal(refused.code, 1);
      assert.match(refused.stderr, /canary: POST \/canary\/rollback: 401 /);
      assert.equal(await canaryState(), 'running');
      const wrong = await canaryCli(repo, ['rollback', '--url', guarded.url], { DVC_TS_SERVE_TOKEN: `${token}x` });
      assert.equal(wrong.code, 1);
      assert.equal(await canaryState(), 'running');
      const allowed = await canaryCli(repo, ['rollback', '--url', guarded.url], { DVC_TS_SERVE_TOKEN: token });
      assert.equal(allowed.code, 0, allowed.stderr);
      assert.equal(await canaryState(), 'rolled_back');
    } finally {
      await guarded.stop();
    }
  });
});
