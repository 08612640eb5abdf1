// /health/live and /health/ready as an orchestrator probes them: a service started before its
// bundle exists is live but not ready (503 with the reason, /predict 503 too), a refused bundle
// with no model to fall back on keeps it not ready, the first valid one makes it ready, and a
// later refused bundle leaves it ready on the previous model with the refusal reported.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { cp, mkdir, readFile, rename, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { TempRepo } from '../helpers/repo.js';
import { BUNDLE_DIR, flagshipRepo, monthRows, postJson, startService } from './helpers.js';

interface Ready {
  ready: boolean;
  model_version?: string;
  reason?: string;
  refused_bundle?: { reason: string; at: string };
}

async function ready(url: string): Promise<{ status: number; body: Ready }> {
  const r = await fetch(`${url}/health/ready`);
  return { status: r.status, body: (await r.json()) as Ready };
}

/** Poll /health/ready until `done` holds (the service polls its bundle every 50 ms). */
async function readyWhen(url: string, done: (r: { status: number; body: Ready }) => boolean): Promise<{ status: number; body: Ready }> {
  for (let i = 0; ; i++) {
    const r = await ready(url);
    if (done(r)) return r;
    if (i >= 400) assert.fail(`/health/ready never reached the state expected: last ${r.status} ${JSON.stringify(r.body)}`);
    await new Promise((res) => setTimeout(res, 50));
  }
}

/**
 * A copy of the packaged bundle whose model.json no longer matches its manifest, put in place by
 * one rename as `package` publishes a bundle: the service, polling, never sees it half written.
 */
async function writeRefusedBundle(from: string, to: string): Promise<void> {
  const staged = `${to}.staged`;
  await mkdir(staged, { recursive: true });
  const model = JSON.parse(await readFile(join(from, 'model.json'), 'utf8')) as { decision_threshold: number };
  model.decision_threshold = 0.123;
  await writeFile(join(staged, 'model.json'), JSON.stringify(model));
  await writeFile(join(staged, 'manifest.json'), await readFile(join(from, 'manifest.json')));
  await rename(staged, to);
}

/** The packaged bundle copied to `to`, in place by one rename. */
async function copyBundle(from: string, to: string): Promise<void> {
  await cp(from, `${to}.staged`, { recursive: true });
  await rename(`${to}.staged`, to);
}

describe('health probes', () => {
  let repo: TempRepo;
  before(async () => {
    repo = await flagshipRepo();
  });
  after(async () => {
    await repo.remove();
  });

  test('without --wait-for-bundle a ready service is ready from the start, and /health/live answers', async () => {
    const service = await startService(repo, ['--logs', 'served-logs']);
    try {
      const r = await ready(service.url);
      assert.equal(r.status, 200);
      assert.deepEqual(r.body, { ready: true, model_version: service.version });
      const live = await fetch(`${service.url}/health/live`);
      assert.equal(live.status, 200);
      assert.deepEqual(await live.json(), { status: 'live' });
    } finally {
      await service.stop();
    }
  });

  test('/health/ready: 503 before a model and after a refused bundle with none to fall back on, 200 once one loads and while it keeps serving past a refused one', async () => {
    const live = repo.path('live-bundle');
    const service = await startService(repo, ['--bundle', 'live-bundle', '--wait-for-bundle', '--reload-interval', '50', '--logs', 'served-logs']);
    try {
      assert.equal(service.version, 'none');
      assert.equal((await fetch(`${service.url}/health/live`)).status, 200);
      const before = await ready(service.url);
      assert.equal(before.status, 503);
      assert.equal(before.body.ready, false);
      assert.equal(before.body.refused_bundle, undefined, 'no bundle yet is not a refused one');
      assert.match(before.body.reason ?? '', /no model loaded: waiting for a bundle in live-bundle/);
      const row = monthRows(3)[0]!;
      const early = await postJson(`${service.url}/predict`, row);
      assert.equal(early.status, 503);
      assert.match(String(early.json['message']), /no model loaded/);

      await writeRefusedBundle(repo.path(BUNDLE_DIR), live);
      const refused = await readyWhen(service.url, (r) => r.body.refused_bundle !== undefined);
      assert.equal(refused.status, 503);
      assert.equal(refused.body.ready, false);
      assert.match(refused.body.refused_bundle!.reason, /model\.json does not match .*manifest\.json/);
      assert.equal((await postJson(`${service.url}/predict`, row)).status, 503);
      assert.equal((await fetch(`${service.url}/health/live`)).status, 200, 'live all along');

      await rm(live, { recursive: true });
      await copyBundle(repo.path(BUNDLE_DIR), live);
      const loaded = await readyWhen(service.url, (r) => r.status === 200);
      const version = JSON.parse(await readFile(join(live, 'manifest.json'), 'utf8')).model_id as string;
      assert.deepEqual(loaded.body, { ready: true, model_version: version });
      const served = await postJson(`${service.url}/predict`, row);
      assert.equal(served.status, 200);
      assert.equal(served.json['model_version'], version);

      await rm(live, { recursive: true });
      await writeRefusedBundle(repo.path(BUNDLE_DIR), live);
      const kept = await readyWhen(service.url, (r) => r.body.refused_bundle !== undefined);
      assert.equal(kept.status, 200, 'the previous model still serves');
      assert.equal(kept.body.model_version, version);
      assert.match(kept.body.refused_bundle!.reason, /model\.json does not match/);
      assert.equal((await postJson(`${service.url}/predict`, row)).json['model_version'], version);
      const health = await fetch(`${service.url}/health`);
      assert.equal(health.status, 200, 'GET /health keeps answering');
    } finally {
      await service.stop();
    }
  });
});
