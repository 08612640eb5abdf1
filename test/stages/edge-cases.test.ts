// Bad input makes every stage exit non-zero with one line on stderr naming the column and file.
// The compiled programs run as real processes on real files in a temp directory.

import { describe, test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { mkdir, writeFile } from 'node:fs/promises';
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
      assert.match(r.stderr, /^ingest: parameter 'data\.current_month' \(2\) is inside the reference window 1, 2/);
    } finally {
      await removeDir(dir);
    }
  });
});
