// `serve --workers 2`: two processes behind one port, each writing its own request log. Under a
// few thousand concurrent requests every answered prediction is in exactly one log line (counted
// on the client, matched by request id), and SIGTERM to the primary drains both workers: what
// was answered is logged, nothing else, and every file ends with a whole line.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { readdir, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { parsePrometheusText } from '../helpers/prometheus.js';
import { execa } from 'execa';
import { TempRepo } from '../helpers/repo.js';
import { SERVE, flagshipRepo, monthRows, postJson, runPool, startService } from './helpers.js';

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

  test('a worker killed outright is replaced; the service keeps answering and logging', async () => {
    const service = await startService(repo, ['--workers', '2', '--logs', 'crash-logs']);
    try {
      const row = monthRows(3)[0]!;
      await runPool(100, 8, () => postJson(`${service.url}/predict`, row));
      const pidOf = (name: string) => Number(/-(\d+)\.jsonl$/.exec(name)![1]);
      const first = (await readdir(repo.path('crash-logs'))).filter((f) => f.startsWith('requests-'));
      assert.equal(first.length, 2);
      process.kill(pidOf(first[0]!), 'SIGKILL');
      // The replacement opens its own file.
      for (let i = 0; (await readdir(repo.path('crash-logs'))).filter((f) => f.startsWith('requests-')).length < 3; i++) {
        if (i >= 400) assert.fail('no worker replaced the killed one');
        await new Promise((res) => setTimeout(res, 50));
      }
      const answers = await runPool(200, 8, () => postJson(`${service.url}/predict`, row).catch(() => ({ status: 0, json: {} })));
      assert.deepEqual(answers.filter((a) => a.status !== 200), [], 'every request after the replacement is answered');
    } finally {
      assert.equal(await service.stop(), 0);
    }
    const logged = await readRequestLogs(repo.path('crash-logs'));
    assert.equal(logged.ids.length, 300);
    assert.equal(new Set(logged.ids).size, 300);
  });
});

test('--workers 2 with no bundle: the workers say how to make one and the primary exits 1', async () => {
  const repo = await TempRepo.create({}, { git: false });
  try {
    const r = await execa(process.execPath, [SERVE, '--port', '0', '--workers', '2'], { cwd: repo.root, reject: false });
    assert.equal(r.exitCode, 1);
    assert.match(String(r.stderr), /bundle\/manifest\.json does not exist\nserve: run `dvc-ts repro`/);
  } finally {
    await repo.remove();
  }
});
