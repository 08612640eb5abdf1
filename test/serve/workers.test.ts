// `serve --workers 2`: two processes behind one port, each writing its own request log. Under a
// few thousand concurrent requests every answered prediction is in exactly one log line (counted
// on the client, matched by request id), and SIGTERM to the primary drains both workers: what
// was answered is logged, nothing else, and every file ends with a whole line.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { readdir, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { parsePrometheusText } from '../helpers/prometheus.js';
import type { TempRepo } from '../helpers/repo.js';
import { flagshipRepo, monthRows, postJson, runPool, startService } from './helpers.js';

interface LoggedRequests {
  /** Request log files with at least one line. */
  files: number;
  ids: string[];
  wholeLines: boolean;
}

async function readRequestLogs(dir: string): Promise<LoggedRequests> {
  const names = (await readdir(dir)).filter((f) => f.startsWith('requests-') && f.endsWith('.jsonl'));
  const ids: string[] = [];
  let files = 0;
  let wholeLines = true;
  for (const name of names) {
    const text = await readFile(join(dir, name), 'utf8');
    if (text === '') continue;
    files++;
    wholeLines &&= text.endsWith('\n');
    for (const line of text.split('\n').filter(Boolean)) ids.push((JSON.parse(line) as { request_id: string }).request_id);
  }
  return { files, ids, wholeLines };
}

const answeredIds = (answers: readonly { status: number; json: Record<string, unknown> }[]): string[] =>
  answers.filter((a) => a.status === 200).map((a) => a.json['request_id'] as string);

describe('serve --workers 2', () => {
  let repo: TempRepo;
  before(async () => {
    repo = await flagshipRepo();
  });
  after(async () => {
    await repo.remove();
  });

  test('3,000 requests at concurrency 64: answered = log lines over both workers\' files, no request id twice', async () => {
    const service = await startService(repo, ['--workers', '2', '--logs', 'load-logs']);
    const rows = monthRows(3);
    let answers: { status: number; json: Record<string, unknown> }[];
    try {
      answers = await runPool(3000, 64, (i) => postJson(`${service.url}/predict`, rows[i % rows.length]).catch(() => ({ status: 0, json: {} })));
      // Whichever worker a scrape reaches, /metrics counts the whole service.
      for (let i = 0; i < 4; i++) {
        const samples = parsePrometheusText(await (await fetch(`${service.url}/metrics`)).text());
        assert.equal(samples.find((x) => x.name === 'occupancy_log_lines_total')?.value, 3000, `scrape ${i}`);
        const predicted = samples.filter((x) => x.name === 'http_requests_total' && x.labels['route'] === '/predict' && x.labels['status'] === '200');
        assert.equal(predicted.reduce((sum, x) => sum + x.value, 0), 3000, `scrape ${i}`);
      }
    } finally {
      assert.equal(await service.stop(), 0, 'the primary and its workers stop cleanly');
    }
    const answered = answeredIds(answers);
    assert.equal(answered.length, 3000, 'every request answered 200');
    const logged = await readRequestLogs(repo.path('load-logs'));
    assert.equal(logged.files, 2, 'both workers served, each to its own file');
    assert.ok(logged.wholeLines);
    assert.equal(logged.ids.length, answered.length, 'log lines = requests answered');
    assert.equal(new Set(logged.ids).size, logged.ids.length, 'no request id logged twice');
    assert.deepEqual([...logged.ids].sort(), [...answered].sort(), 'the ids answered are the ids logged');
  });

  test('SIGTERM to the primary drains both workers: requests answered are logged, and only those', async () => {
    const service = await startService(repo, ['--workers', '2', '--logs', 'drain-logs']);
    const rows = monthRows(3);
    let done = 0;
    let signalled: Promise<number | undefined> | undefined;
    const answers = await runPool(2000, 32, async (i) => {
      const a = await postJson(`${service.url}/predict`, rows[i % rows.length]).catch(() => ({ status: 0, json: {} }));
      // Stop once the service is busy: the rest of the requests meet a draining service.
      if (++done === 300) signalled = service.stop();
      return a;
    });
    assert.equal(await signalled, 0, 'the primary exits 0 once its workers have drained');
    const answered = answeredIds(answers);
    assert.ok(answered.length >= 300, `${answered.length} answered before and while draining`);
    const logged = await readRequestLogs(repo.path('drain-logs'));
    assert.ok(logged.wholeLines, 'no torn last line');
    assert.equal(logged.ids.length, answered.length, 'every answered request is in a log, and only those');
    assert.deepEqual([...logged.ids].sort(), [...answered].sort());
  });
});
