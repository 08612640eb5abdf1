// `npm run bench:serve` end to end at its smallest (the sweep alone, one connection count, 1 s):
// the report's shape and its log-line check, never its timings. The comparison with FastAPI has
// its own report test (serve-report.test); running it here would add a Python service.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { execa } from 'execa';

const RUN = resolve(dirname(fileURLToPath(import.meta.url)), '../../bench/serve/run.js');
const bench = (args: string[]) => execa(process.execPath, [RUN, ...args], { reject: false, stripFinalNewline: false, env: { CI: 'true' } });

test('bench:serve --rounds 0: the sweep alone, one row per connection count with its load average, nothing lost', { timeout: 600_000 }, async () => {
  const dir = await mkdtemp(join(tmpdir(), 'dvc-ts-bench-serve-test-'));
  try {
    const out = join(dir, 'report.md');
    const r = await bench(['--rounds', '0', '--sweep', '1,2', '--duration', '1', '--warmup', '1', '--out', out]);
    assert.equal(r.exitCode, 0, String(r.stderr));
    const report = await readFile(out, 'utf8');
    assert.equal(report, String(r.stdout), 'the file holds what was printed');
    assert.doesNotMatch(report, /FastAPI/, 'no comparison with --rounds 0');
    const rows = report.split('\n').filter((l) => /^\| \d+ \|/.test(l)).map((l) => l.split('|').slice(1, -1).map((c) => c.trim()));
    assert.deepEqual(rows.map((c) => c[0]), ['1', '2']);
    for (const cells of rows) {
      assert.ok(Number(cells[1]!.replace(/,/g, '')) > 0, `requests/s: ${cells[1]}`);
      assert.equal(cells[6], '0', 'no failed request');
      assert.match(cells[7]!, /^\d+\.\d\d \/ \d+\.\d\d \/ \d+\.\d\d$/, 'the load average before the row');
    }
    assert.match(report, /^- p99 ≤ 20 ms holds (up to [\d,]+ req\/s|at no concurrency measured)/m);
    assert.match(report, /zero lost log lines over the sweep: 0 answered request\(s\) missing from the log — met/);
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
});

test('bench:serve: bad flags fail before any work, with what is expected', async () => {
  for (const [args, message] of [
    [['--sweep', '0,4'], /--sweep expects connection counts from 1 to 200/],
    [['--sweep', 'many'], /--sweep expects connection counts/],
    [['--rounds', '0', '--no-sweep'], /nothing to measure/],
    [['--workers', '0'], /--workers expects a whole number from 1 to 16/],
  ] as const) {
    const r = await bench([...args]);
    assert.equal(r.exitCode, 1, args.join(' '));
    assert.match(String(r.stderr), message);
    assert.doesNotMatch(String(r.stderr), /running the pipeline/, 'refused before making a bundle');
  }
});
