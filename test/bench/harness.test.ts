// The benchmark harness end to end at a tiny scale, dvc-ts only, one workload (W1, the one with
// every kind of row, the warm ones included): the report's shape (sections, rows, numbers that
// parse), never its timings. The other workloads' specs and analysis have unit tests of their own
// (workloads.test, analysis.test); running them all here would make this test take minutes.

import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { mkdtemp, readdir, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

const RUN = resolve(dirname(fileURLToPath(import.meta.url)), '../../bench/run.js');

function runBench(args: string[]): Promise<{ code: number | null; stdout: string; stderr: string }> {
  return new Promise((done) => {
    const child = spawn(process.execPath, [RUN, ...args], { stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (c: Buffer) => (stdout += c.toString('utf8')));
    child.stderr.on('data', (c: Buffer) => (stderr += c.toString('utf8')));
    child.on('close', (code) => done({ code, stdout, stderr }));
  });
}

/** The data rows of the markdown table that follows `heading` (up to the next blank line). */
function tableAfter(text: string, heading: string): string[][] {
  const lines = text.split('\n');
  const start = lines.findIndex((l) => l.startsWith(heading));
  assert.ok(start >= 0, `no section '${heading}' in the report`);
  const first = lines.findIndex((l, i) => i > start && l.startsWith('|'));
  const rows: string[][] = [];
  for (let i = first + 2; i < lines.length && lines[i]!.startsWith('|'); i++) {
    rows.push(lines[i]!.slice(2, -2).split(' | ').map((c) => c.trim()));
  }
  return rows;
}

const work = await mkdtemp(join(tmpdir(), 'dvc-ts-bench-test-'));
after(() => rm(work, { recursive: true, force: true }));

test('a tiny run of one workload prints and writes a report with its rows and every target', { timeout: 600_000 }, async () => {
  const out = join(work, 'report.md');
  const scratch = join(work, 'scratch');
  await import('node:fs/promises').then((fs) => fs.mkdir(scratch));
  const r = await runBench(['--scale', '0.002', '--runs', '1', '--no-peers', '--only', 'W1', '--out', out, '--dir', scratch]);
  assert.equal(r.code, 0, r.stderr);
  const text = await readFile(out, 'utf8');
  assert.equal(r.stdout, text, 'stdout and --out hold the same report');

  assert.match(text, /- CPU: .+; cores: \d+/);
  assert.match(text, new RegExp(`- Node: ${process.version.replace(/\./g, '\\.')}`));

  for (const id of ['W2', 'W3', 'W4', 'W5']) assert.doesNotMatch(text, new RegExp(`^## ${id} `, 'm'), `${id} ran despite --only W1`);
  for (const [id, hashGroups] of [['W1', ['all']]] as const) {
    const rows = tableAfter(text, `## ${id} `);
    const figures = rows.filter((c) => c[1] === 'dvc-ts').map((c) => c[0]);
    const warm = id === 'W1' ? ['no-op status (warm: repro --watch running)', 'no-op repro (warm: repro --watch running)'] : [];
    for (const f of ['cold repro', 'no-op status (cold: no watcher)', 'no-op repro (cold: no watcher)', ...warm, 'repro after one dep changed', ...hashGroups.map((g) => `cold hashing (${g})`)]) {
      assert.ok(figures.includes(f), `${id}: no dvc-ts row '${f}' in ${JSON.stringify(figures)}`);
    }
    assert.ok(rows.some((c) => c[2] === '`node -e 0`'), `${id}: node start-up row`);
    assert.ok(rows.some((c) => c[2] === '`sh run-commands.sh`'), `${id}: commands row`);
    assert.ok(!rows.some((c) => c[1] === 'make' || c[1] === 'snakemake'), `${id}: peers ran despite --no-peers`);
    for (const c of rows) {
      assert.equal(c.length, 9, `${id}: row ${c.join(' | ')}`);
      assert.equal(c[8]!.startsWith('failed'), false, `${id}: ${c[0]} ${c[2]} failed: ${c[8]}`);
      for (const n of [c[3], c[4], c[5]]) assert.ok(Number.isFinite(Number(n)) && Number(n) > 0, `${id}: '${n}' is not a time in ${c.join(' | ')}`);
      assert.equal(c[6], '1', 'one timed run');
      assert.ok(Number(c[7]) > 0, `${id}: peak RSS '${c[7]}' in ${c.join(' | ')}`);
    }
    const ratios = tableAfter(text, `### ${id}: ratios`);
    const overhead = ratios.find((c) => c[0]!.startsWith('per-stage overhead: (dvc-ts repro'));
    assert.ok(overhead, `${id}: per-stage overhead row`);
    assert.ok(Number.isFinite(Number(overhead[1])));
  }

  const targets = tableAfter(text, '## Targets');
  // Every workload's targets are listed, measured or not.
  for (const prefix of ['W1 no-op repro', 'W1 no-op status', 'W1 peak RSS', 'W2 per-stage overhead', 'W3 cold hashing (dir)', 'W3 cold hashing (file)', 'W3 warm re-check', 'W4 (100,000-file dep dir)', 'W5 (50 MB params file)', 'start-up: dvc-ts --version']) {
    assert.ok(targets.some((t) => t[0]!.startsWith(prefix)), `no target '${prefix}' in:\n${targets.map((t) => t[0]).join('\n')}`);
  }
  for (const t of targets) assert.ok(['met', 'not met', 'not measured'].includes(t[3]!), `status of ${t[0]}: ${t[3]}`);
  // Without peers and other workloads, what needs only dvc-ts, node and W1 is still measured.
  for (const prefix of ['start-up: dvc-ts --version', 'W1 peak RSS']) {
    const t = targets.find((c) => c[0]!.startsWith(prefix));
    assert.ok(t && t[3] !== 'not measured', `target '${prefix}' measured without peers: ${JSON.stringify(t)}`);
  }

  assert.deepEqual(await readdir(scratch), [], 'the temporary directory is removed');
});

test('bad flags fail with a message and exit code 2', async () => {
  const r = await runBench(['--scale', 'zero']);
  assert.equal(r.code, 2);
  assert.match(r.stderr, /--scale: expected a number > 0, got 'zero'/);
  const u = await runBench(['--frobnicate']);
  assert.equal(u.code, 2);
  assert.match(u.stderr, /unknown option '--frobnicate'/);
});
