// Bad input makes every stage exit non-zero with one line on stderr naming the column and file.
// The compiled programs run as real processes on real files in a temp directory.

import { describe, test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { mkdir, readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { HEADER, makeWorkdir, removeDir, runStage, sampleRows, type StageName } from './helpers.js';

interface Case {
  name: string;
  /** data/current.csv content */
  current: string;
  /** expected stderr line after `<stage>: ` */
  message: RegExp;
}

const good = [HEADER, ...sampleRows(240)].join('\n') + '\n';
const withoutLight = (text: string): string => text.split('\n').map((line) => line.split(',').filter((_, i) => i !== 3).join(',')).join('\n');
const replaceField = (text: string, row: number, col: number, value: string): string => {
  const lines = text.split('\n');
  const f = lines[row]!.split(',');
  f[col] = value;
  lines[row] = f.join(',');
  return lines.join('\n');
};
const constantColumn = (text: string, col: number, value: string): string =>
  text.split('\n').map((line, i) => (i === 0 || line === '' ? line : line.split(',').map((f, j) => (j === col ? value : f)).join(','))).join('\n');

const CASES: Case[] = [
  { name: 'missing column', current: withoutLight(good), message: /^column 'light' is missing from data\/current\.csv$/ },
  { name: 'NaN value', current: replaceField(good, 2, 4, 'NaN'), message: /^column 'co2' of data\/current\.csv has a non-numeric value 'NaN' on line 3$/ },
  { name: 'constant column', current: constantColumn(good, 1, '21.00'), message: /^column 'temperature' is constant in data\/current\.csv/ },
  { name: 'empty batch', current: HEADER + '\n', message: /^data\/current\.csv has no rows \(empty batch\)$/ },
  { name: 'all readings missing', current: constantColumn(good, 2, ''), message: /^column 'humidity' of data\/current\.csv has no values/ },
];

describe('drift, train and evaluate reject bad batches', () => {
  let dir = '';
  before(async () => {
    dir = await makeWorkdir();
    await writeFile(join(dir, 'data/reference.csv'), [HEADER, ...sampleRows(480, 0.1)].join('\n') + '\n');
  });
  after(() => removeDir(dir));

  for (const stage of ['drift', 'train', 'evaluate'] as StageName[]) {
    for (const c of CASES) {
      test(`${stage}: ${c.name}`, async () => {
        await writeFile(join(dir, 'data/current.csv'), c.current);
        const r = runStage(dir, stage);
        assert.equal(r.status, 1, `exit status; stderr: ${r.stderr}`);
        const lines = r.stderr.trimEnd().split('\n');
        assert.equal(lines.length, 1, `one line: ${r.stderr}`);
        assert.ok(lines[0]!.startsWith(`${stage}: `), lines[0]);
        assert.match(lines[0]!.slice(stage.length + 2), c.message);
      });
    }
  }

  test('the same small batch, valid, is accepted by drift (the cases above can pass)', async () => {
    await writeFile(join(dir, 'data/current.csv'), good);
    const r = runStage(dir, 'drift');
    assert.equal(r.status, 0, r.stderr);
  });

  test('a constant column in the reference is named too', async () => {
    await writeFile(join(dir, 'data/current.csv'), good);
    await writeFile(join(dir, 'data/reference.csv'), constantColumn([HEADER, ...sampleRows(480)].join('\n') + '\n', 4, '450.0'));
    const r = runStage(dir, 'train');
    assert.equal(r.status, 1);
    assert.match(r.stderr, /^train: column 'co2' is constant in data\/reference\.csv \(every value is 450\)/);
  });
});

describe('ingest rejects bad production logs', () => {
  const LOG_CASES: { name: string; text: string; message: RegExp }[] = [
    { name: 'missing column', text: withoutLight(good), message: /^ingest: column 'light' is missing from data\/logs\/bad\.csv$/ },
    { name: 'NaN value', text: replaceField(good, 5, 1, 'nan'), message: /^ingest: column 'temperature' of data\/logs\/bad\.csv has a non-numeric value 'nan' on line 6$/ },
    { name: 'empty batch', text: HEADER + '\n', message: /^ingest: data\/logs\/bad\.csv has no rows \(empty batch\)$/ },
    { name: 'bad label', text: replaceField(good, 2, 8, 'yes'), message: /^ingest: column 'occupied' of data\/logs\/bad\.csv has 'yes' on line 3/ },
  ];
  for (const c of LOG_CASES) {
    test(c.name, async () => {
      const dir = await makeWorkdir();
      try {
        await mkdir(join(dir, 'data/logs'), { recursive: true });
        await writeFile(join(dir, 'data/logs/bad.csv'), c.text);
        const r = runStage(dir, 'ingest');
        assert.equal(r.status, 1, r.stderr);
        assert.match(r.stderr.trimEnd(), c.message);
        assert.equal(r.stderr.trimEnd().split('\n').length, 1);
      } finally {
        await removeDir(dir);
      }
    });
  }

  test('a current month inside the reference window is refused naming the parameter', async () => {
    const dir = await makeWorkdir({ 'data.current_month': 2 });
    try {
      const r = runStage(dir, 'ingest');
      assert.equal(r.status, 1);
      assert.match(r.stderr, /^ingest: params\.yaml:\d+:\d+: parameter 'data\.current_month' \(2\) is inside the reference window 1, 2/);
    } finally {
      await removeDir(dir);
    }
  });
});

describe('a bad parameter names params.yaml:line:col, the key and the value', () => {
  const cases: { key: string; value: unknown; stage: StageName; message: RegExp }[] = [
    { key: 'drift.psi_bins', value: 2000, stage: 'drift', message: /parameter 'drift\.psi_bins' must be <= 1000, found 2000$/ },
    { key: 'train.learning_rate', value: [0.1, -1], stage: 'train', message: /parameter 'train\.learning_rate\[1\]' must be > 0, found -1$/ },
    { key: 'data.interval_minutes', value: 7, stage: 'ingest', message: /parameter 'data\.interval_minutes' must be equal to one of the allowed values: 1, 2, 3, 4, 5, 6, 10, 12, 15, 20, 30, 60, found 7$/ },
  ];
  for (const c of cases) {
    test(`${c.stage}: ${c.key}`, async () => {
      const dir = await makeWorkdir({ [c.key]: c.value });
      try {
        await writeFile(join(dir, 'data/reference.csv'), [HEADER, ...sampleRows(480)].join('\n') + '\n');
        await writeFile(join(dir, 'data/current.csv'), good);
        const r = runStage(dir, c.stage);
        assert.equal(r.status, 1, r.stderr);
        const m = /^[a-z]+: params\.yaml:(\d+):(\d+): /.exec(r.stderr);
        assert.ok(m, r.stderr);
        assert.match(r.stderr.trimEnd(), c.message);
        // The line and column point at the value in the file.
        const lines = (await readFile(join(dir, 'params.yaml'), 'utf8')).split('\n');
        const leaf = c.key.split('.').pop()!;
        const at = lines.findIndex((l) => l.trimStart().startsWith(`${leaf}:`));
        const line = Number(m[1]);
        assert.ok(line >= at + 1 && line <= at + 3, `line ${line}, key on line ${at + 1}`);
      } finally {
        await removeDir(dir);
      }
    });
  }
});
