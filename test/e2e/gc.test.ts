import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { readdir, rm } from 'node:fs/promises';
import { join } from 'node:path';
import { blake3Hex } from '../../engine/hash/digest.js';
import { TempRepo } from '../helpers/repo.js';

// Every out is cached (so each run lands in the run-cache too): a file and a directory whose
// `a.txt` differs per version and whose `same.txt` is shared by all of them.
const PIPELINE = `stages:
  build:
    cmd: node gen.js \${v}
    deps: [gen.js]
    outs: [out.txt, outdir]
`;

const GEN = `const fs = require('fs');
const v = process.argv[2];
fs.writeFileSync('out.txt', 'v=' + v + '\\n');
fs.mkdirSync('outdir', { recursive: true });
fs.writeFileSync('outdir/a.txt', 'a ' + v + '\\n');
fs.writeFileSync('outdir/same.txt', 'same\\n');
`;

const CACHE = '.dvc-ts/cache/files/b3';
const fileObject = (text: string) => blake3Hex(text);
/** File objects a version creates (its manifest, a `.dir` object, comes on top). */
const versionFiles = (v: number) => [fileObject(`v=${v}\n`), fileObject(`a ${v}\n`)];
const SAME = fileObject('same\n');

describe('gc keeps what the chosen revisions use and removes the rest', () => {
  let repo: TempRepo;
  let statusBefore: string;

  async function objects(): Promise<{ files: string[]; dirs: number }> {
    const all: string[] = [];
    for (const prefix of await readdir(repo.path(CACHE)).catch(() => [] as string[])) {
      for (const name of await readdir(join(repo.path(CACHE), prefix))) all.push(prefix + name);
    }
    return { files: all.filter((h) => !h.endsWith('.dir')).sort(), dirs: all.filter((h) => h.endsWith('.dir')).length };
  }

  async function runEntries(): Promise<number> {
    let n = 0;
    for (const prefix of await readdir(repo.path('.dvc-ts/cache/runs')).catch(() => [] as string[])) {
      n += (await readdir(repo.path(`.dvc-ts/cache/runs/${prefix}`))).length;
    }
    return n;
  }

  async function reproAt(v: number): Promise<void> {
    await repo.write({ 'params.yaml': `v: ${v}\n` });
    const r = await repo.run(['repro']);
    assert.equal(r.code, 0, r.all);
  }

  before(async () => {
    repo = await TempRepo.create({ 'pipeline.yaml': PIPELINE, 'gen.js': GEN });
    assert.equal((await repo.run(['init'])).code, 0);
    for (const v of [1, 2, 3]) {
      await reproAt(v);
      await repo.git('add', '-A');
      await repo.git('commit', '-q', '-m', `v${v}`);
      if (v === 1) await repo.git('tag', 'release');
      if (v === 2) await repo.git('branch', 'exp');
    }
    // An uncommitted experiment, then back to what HEAD has: v4's objects are in no lock.
    await reproAt(4);
    await reproAt(3);
    statusBefore = await repo.git('status', '--porcelain');
  });
  after(async () => repo.remove());

  test('before: every version is in the cache and the run-cache', async () => {
    const expected = [1, 2, 3, 4].flatMap(versionFiles).concat(SAME).sort();
    assert.deepEqual(await objects(), { files: expected, dirs: 4 });
    assert.equal(await runEntries(), 4);
  });

  test('no scope is an error that explains the choices', async () => {
    const r = await repo.run(['gc']);
    assert.equal(r.code, 2);
    assert.match(r.stderr, /choose a scope/);
    for (const flag of ['--workspace', '--all-branches', '--all-tags', '--all-commits']) assert.ok(r.stderr.includes(flag), flag);
    assert.equal((await objects()).files.length, 9);
  });

  test('--dry lists what would go and removes nothing', async () => {
    const r = await repo.run(['gc', '--all-commits', '--dry', '--json']);
    assert.equal(r.code, 0, r.all);
    const report = JSON.parse(r.stdout) as { removed: string[]; bytes: number; runEntries: string[] };
    assert.equal(report.removed.length, 3); // v4's two files and its manifest
    assert.ok(versionFiles(4).every((h) => report.removed.includes(h)));
    assert.equal(report.runEntries.length, 1);
    assert.equal((await objects()).files.length, 9);
    assert.equal(await runEntries(), 4);
  });

  test('--all-commits keeps every object a commit uses and removes the uncommitted run’s', async () => {
    const r = await repo.run(['gc', '--all-commits']);
    assert.equal(r.code, 0, r.all);
    assert.match(r.stdout, /^Removed 3 objects \(\d+ B\), kept 10, pruned 1 run-cache entry/m);
    assert.deepEqual(await objects(), { files: [1, 2, 3].flatMap(versionFiles).concat(SAME).sort(), dirs: 3 });
    assert.equal(await runEntries(), 3);
  });

  test('--all-tags would keep the tagged commit and the workspace', async () => {
    const r = await repo.run(['gc', '--all-tags', '--dry', '--json']);
    assert.equal(r.code, 0, r.all);
    const removed = (JSON.parse(r.stdout) as { removed: string[] }).removed;
    assert.equal(removed.length, 3);
    assert.ok(versionFiles(2).every((h) => removed.includes(h)));
  });

  test('--all-branches keeps every branch tip (main at v3, exp at v2) and removes v1', async () => {
    const r = await repo.run(['gc', '--all-branches']);
    assert.equal(r.code, 0, r.all);
    assert.match(r.stdout, /^Removed 3 objects/m);
    assert.deepEqual(await objects(), { files: [2, 3].flatMap(versionFiles).concat(SAME).sort(), dirs: 2 });
    assert.equal(await runEntries(), 2);
  });

  test('--workspace keeps only what the workspace lock uses', async () => {
    const r = await repo.run(['gc', '--workspace']);
    assert.equal(r.code, 0, r.all);
    assert.match(r.stdout, /^Removed 3 objects/m);
    assert.deepEqual(await objects(), { files: [...versionFiles(3), SAME].sort(), dirs: 1 });
    assert.equal(await runEntries(), 1);
    // What is kept is still enough: the workspace is up to date, and a deleted out comes back.
    await rm(repo.path('outdir'), { recursive: true, force: true });
    const checkout = await repo.run(['checkout']);
    assert.equal(checkout.code, 0, checkout.all);
    assert.equal(await repo.read('outdir/a.txt'), 'a 3\n');
    assert.match((await repo.run(['status'])).stdout, /up to date/);
  });

  test('gc touches neither the work tree nor the index', async () => {
    assert.equal(await repo.git('status', '--porcelain'), statusBefore);
  });
});
