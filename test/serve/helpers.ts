// Helpers for the prediction-service tests: a temporary copy of the flagship example whose
// pipeline has run (so it has a packaged bundle and a training reference), the real service
// started as a child process on a free loopback port, and rows of a synthetic month.
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { dirname, resolve } from 'node:path';
import assert from 'node:assert/strict';
import { execa, type ResultPromise } from 'execa';
import { copyFlagshipExample } from '../../bench/serve/example.js';
import { copyFlagshipAfterRepro, fixtureServes } from '../../bench/serve/fixture.js';
import { FEATURE_NAMES, type FeatureName } from '../../stages/lib/dataset.js';
import { BUNDLE_DIR } from '../../stages/lib/layout.js';
import { generateMonth } from '../../stages/lib/synth.js';
import { CLI, PROJECT_ROOT, TempRepo } from '../helpers/repo.js';

export const SERVE = resolve(dirname(CLI), '../../serve/main.js');
export { BUNDLE_DIR };

/**
 * The flagship example in a temporary git repository, after a first `repro` (month 3): a copy of
 * the shared fixture (bench/serve/fixture.ts) when `env` cannot change what that repro makes,
 * else a repro of its own.
 */
export async function flagshipRepo(env: Record<string, string> = {}): Promise<TempRepo> {
  const repo = await TempRepo.create();
  if (await fixtureServes(PROJECT_ROOT, env)) {
    await copyFlagshipAfterRepro(PROJECT_ROOT, repo.root);
    return repo;
  }
  await copyFlagshipExample(PROJECT_ROOT, repo.root);
  const r = await repo.run(['repro', '-q'], { env });
  assert.equal(r.code, 0, r.all);
  return repo;
}

export async function setMonth(repo: TempRepo, month: number): Promise<void> {
  const params = await repo.read('params.yaml');
  await repo.write({ 'params.yaml': params.replace(/current_month: \d+/, `current_month: ${month}`) });
}

export type Row = Record<FeatureName, number | null>;

/** A synthetic month's readings as request bodies (another seed than the pipeline's). */
export function monthRows(month: number, seed = 77): Row[] {
  const ds = generateMonth({ seed, year: 2024, month, days: 28, intervalMinutes: 20 });
  return ds.timestamp.map((_, i) => Object.fromEntries(FEATURE_NAMES.map((f) => {
    const v = ds.features[f][i]!;
    return [f, Number.isNaN(v) ? null : v];
  })) as Row);
}

export interface RunningService {
  url: string;
  version: string;
  child: ResultPromise;
  /** SIGTERM, then the exit code. */
  stop(): Promise<number | undefined>;
}

export async function startService(repo: TempRepo, args: string[] = [], env: Record<string, string> = {}): Promise<RunningService> {
  const child = execa(process.execPath, [SERVE, '--port', '0', '--bundle', BUNDLE_DIR, ...args], { cwd: repo.root, reject: false, stdin: 'ignore', env });
  let out = '';
  const started = await new Promise<RegExpExecArray>((resolveStart, reject) => {
    const timer = setTimeout(() => reject(new Error(`the service did not start: ${out}`)), 20_000);
    child.stdout!.on('data', (chunk: Buffer) => {
      out += chunk.toString();
      const m = /Serving model (\S+) on (http:\/\/127\.0\.0\.1:\d+)/.exec(out);
      if (m) {
        clearTimeout(timer);
        resolveStart(m);
      }
    });
    void child.then((r) => reject(new Error(`the service exited (${r.exitCode}): ${String(r.stderr)}`)));
  });
  return {
    url: started[2]!,
    version: started[1]!,
    child,
    async stop() {
      child.kill('SIGTERM');
      return (await child).exitCode;
    },
  };
}

export async function postJson(url: string, body: unknown): Promise<{ status: number; json: Record<string, unknown> }> {
  const r = await fetch(url, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) });
  return { status: r.status, json: (await r.json()) as Record<string, unknown> };
}

/** Run `task(i)` for i in [0, n) with at most `concurrency` at once. */
export async function runPool<T>(n: number, concurrency: number, task: (i: number) => Promise<T>): Promise<T[]> {
  const results = new Array<T>(n);
  let next = 0;
  const worker = async () => {
    while (next < n) {
      const i = next++;
      results[i] = await task(i);
    }
  };
  await Promise.all(Array.from({ length: Math.min(concurrency, n) }, worker));
  return results;
}

/** Send rows in batches (the service takes up to 1,000 rows per request). */
export async function sendRows(url: string, rows: readonly Row[], batch = 500): Promise<void> {
  for (let i = 0; i < rows.length; i += batch) {
    const r = await postJson(`${url}/predict`, rows.slice(i, i + batch));
    assert.equal(r.status, 200, JSON.stringify(r.json));
  }
}

/** A synthetic month's rows with their true labels (for POST /feedback). */
export function labelledMonthRows(month: number, seed = 77): { rows: Row[]; labels: number[] } {
  const ds = generateMonth({ seed, year: 2024, month, days: 28, intervalMinutes: 20 });
  return { rows: monthRows(month, seed), labels: [...ds.occupied] };
}

/** Send rows in batches and return each row's request id, in order. */
export async function sendRowsWithIds(url: string, rows: readonly Row[], batch = 500): Promise<string[]> {
  const ids: string[] = [];
  for (let i = 0; i < rows.length; i += batch) {
    const r = await postJson(`${url}/predict`, rows.slice(i, i + batch));
    assert.equal(r.status, 200, JSON.stringify(r.json));
    for (const p of r.json['predictions'] as { request_id: string }[]) ids.push(p.request_id);
  }
  return ids;
}

export interface WebhookReceiver {
  url: string;
  received: Record<string, unknown>[];
  close(): Promise<void>;
}

/** A real HTTP server on loopback that records every JSON body POSTed to it. */
export async function startWebhook(): Promise<WebhookReceiver> {
  const received: Record<string, unknown>[] = [];
  const server = createServer((req, res) => {
    let body = '';
    req.on('data', (c: Buffer) => (body += c.toString()));
    req.on('end', () => {
      received.push(JSON.parse(body) as Record<string, unknown>);
      res.end('ok');
    });
  });
  await new Promise<void>((res) => server.listen(0, '127.0.0.1', res));
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}/hooks/secret-path`,
    received,
    close: () => new Promise<void>((res) => server.close(() => res())),
  };
}
