// `package` publishes a new bundle while requests flow: the service switches to it with no
// failed request, and the answers, /health and the log lines say which version served each.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readdir, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { execa } from 'execa';
import { TempRepo } from '../helpers/repo.js';
import { BUNDLE_DIR, SERVE, flagshipRepo, monthRows, postJson, setMonth, startService } from './helpers.js';

test('a new bundle packaged while requests flow: none fails, the version served changes', async () => {
  const repo = await flagshipRepo();
  const service = await startService(repo, ['--logs', 'served-logs', '--reload-interval', '50']);
  try {
    const rows = monthRows(3);
    const answers: { status: number; version: unknown }[] = [];
    let flowing = true;
    const client = async (k: number) => {
      for (let i = k; flowing; i += 4) {
        const r = await postJson(`${service.url}/predict`, rows[i % rows.length])
          .catch((e: Error): Awaited<ReturnType<typeof postJson>> => ({ status: -1, json: { error: e.message } }));
        answers.push({ status: r.status, version: r.json['model_version'] ?? r.json['error'] });
      }
    };
    const clients = Array.from({ length: 4 }, (_, k) => client(k));

    // The summer month drifts and its challenger beats the winter champion: package runs.
    await setMonth(repo, 7);
    const r = await repo.run(['repro']);
    assert.equal(r.code, 0, r.all);
    assert.match(r.stdout, /Running stage 'package'/);
    const health = async () => ((await (await fetch(`${service.url}/health`)).json()) as { model_version: string }).model_version;
    const deadline = Date.now() + 10_000;
    while ((await health()) === service.version && Date.now() < deadline) await new Promise((res) => setTimeout(res, 50));
    const newVersion = await health();
    assert.notEqual(newVersion, service.version, 'the service switched');
    await new Promise((res) => setTimeout(res, 200)); // a few requests on the new model
    flowing = false;
    await Promise.all(clients);

    assert.deepEqual(answers.filter((a) => a.status !== 200), [], 'no request failed');
    const versions = answers.map((a) => a.version);
    assert.ok(versions.includes(service.version) && versions.includes(newVersion), 'both versions answered');
    const files = (await readdir(repo.path('served-logs'))).filter((f) => f.endsWith('.jsonl'));
    const lines = (await readFile(join(repo.path('served-logs'), files[0]!), 'utf8')).split('\n').filter(Boolean).map((l) => JSON.parse(l) as { model_version: string });
    assert.equal(lines.length, answers.length);
    assert.deepEqual(new Set(lines.map((l) => l.model_version)), new Set([service.version, newVersion]));
    const metrics = await (await fetch(`${service.url}/metrics`)).text();
    assert.match(metrics, new RegExp(`occupancy_model_info\\{model_version="${newVersion}"\\} 1`));
    assert.match(metrics, /occupancy_bundle_switches_total 1/);
  } finally {
    await service.stop();
    await repo.remove();
  }
});

test('no bundle yet: the service says how to make one and exits 1', async () => {
  const repo = await TempRepo.create({}, { git: false });
  try {
    const r = await execa(process.execPath, [SERVE, '--port', '0'], { cwd: repo.root, reject: false });
    assert.equal(r.exitCode, 1);
    assert.ok(String(r.stderr).includes(`serve: ${BUNDLE_DIR}/manifest.json does not exist\nserve: run \`dvc-ts repro\` so that \`package\` builds the bundle, or pass --bundle <dir>`), String(r.stderr));
  } finally {
    await repo.remove();
  }
});
