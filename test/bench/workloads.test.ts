// Workload specs, the files generated for each tool, and the edits between runs, on real files.

import { test, describe, after } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtemp, readFile, readdir, rm, stat, writeFile, mkdir } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { loadPipeline } from '../../engine/pipeline/load.js';
import { changeDepFile, chunkContent, makeWorkspace, resetDvcTs, writeWorkloadData } from '../../bench/materialize.js';
import { renderCommandsScript, renderMakefile, renderPipelineYaml, renderSnakefile, shellQuote } from '../../bench/render.js';
import { bigWorkload, chainWorkload, wideWorkload, W3_FILE_BYTES } from '../../bench/workloads.js';

const tmp = await mkdtemp(join(tmpdir(), 'dvc-ts-bench-wl-'));
after(() => rm(tmp, { recursive: true, force: true }));

describe('workload specs', () => {
  test('scale 1 is the issue\'s sizes', () => {
    const w1 = wideWorkload(1);
    assert.equal(w1.stages.length, 100);
    assert.equal(w1.files.length, 10_000);
    assert.ok(w1.stages.every((s) => s.deps.length === 100 && s.outs.length === 1));
    assert.equal(w1.bytes, 100e6);
    assert.equal(chainWorkload(1).stages.length, 200);
    const w3 = bigWorkload(1);
    assert.equal(w3.files.length, 257);
    assert.equal(w3.bytes, 2 * W3_FILE_BYTES);
    assert.deepEqual(w3.hashTargets.map((t) => [t.label, t.files.length, t.bytes]), [['dir', 256, W3_FILE_BYTES], ['file', 1, W3_FILE_BYTES]]);
  });

  test('a tiny scale keeps every workload runnable', () => {
    assert.equal(wideWorkload(0.001).stages.length, 1);
    assert.equal(chainWorkload(0.001).stages.length, 2);
    assert.ok(bigWorkload(1e-7).files.every((f) => f.bytes === 1024));
    assert.equal(wideWorkload(10).stages.length, 1000, 'scale 10 is ten times the stages');
  });

  test('the chain is a chain: each stage reads the previous out', () => {
    const w2 = chainWorkload(0.02);
    for (let i = 1; i < w2.stages.length; i++) assert.deepEqual(w2.stages[i]!.deps, w2.stages[i - 1]!.outs);
  });
});

describe('pipeline files for each tool', () => {
  test('pipeline.yaml loads in the engine with the same stages, deps and outs', async () => {
    const w = bigWorkload(0.0001);
    const dir = join(tmp, 'load');
    await mkdir(dir);
    await writeFile(join(dir, 'pipeline.yaml'), renderPipelineYaml(w));
    const p = await loadPipeline(dir);
    assert.deepEqual(
      p.stages.map((s) => [s.name, s.cmd, s.deps.map((d) => d.path), s.outs.map((o) => o.path)]),
      w.stages.map((s) => [s.name, [s.cmd], s.deps, s.outs]),
    );
  });

  test('Makefile: directory deps listed file by file, $ escaped', () => {
    const w = bigWorkload(0.0001);
    w.stages[0]!.cmd = 'echo $HOME > out/big_dir.txt';
    const mk = renderMakefile(w);
    assert.match(mk, /\techo \$\$HOME > out\/big_dir\.txt/);
    assert.match(mk, /big\/dir\/part-000\.bin \\\n/);
    assert.match(mk, /big\/dir\/part-255\.bin\n/);
    assert.ok(!/^out\/big_dir\.txt:.*big\/dir \\?$/m.test(mk), 'the directory itself is not a prerequisite');
  });

  test('Snakefile: braces doubled for str.format, strings quoted', () => {
    const w = chainWorkload(0.01);
    w.stages[0]!.cmd = `awk '{print $1}' chain/seed.txt > chain/c000.txt`;
    const sf = renderSnakefile(w);
    assert.ok(sf.includes(`"awk '{{print $1}}' chain/seed.txt > chain/c000.txt"`), sf);
    assert.match(sf, /^rule all:\n {4}input:\n {8}"chain\/c000\.txt",/m);
  });

  test('the generated Makefile and commands script really build the outs', async (t) => {
    if (spawnSync('make', ['--version']).status !== 0) return t.skip('make not installed');
    const w = chainWorkload(0.01);
    const data = join(tmp, 'chain-data');
    await writeWorkloadData(data, w);
    const seedFirst = (await readFile(join(data, w.changeFile), 'utf8')).split('\n')[0];
    const mk = join(tmp, 'chain-make');
    await makeWorkspace(data, mk, w);
    await writeFile(join(mk, 'Makefile'), renderMakefile(w));
    assert.equal(spawnSync('make', ['-s'], { cwd: mk }).status, 0);
    assert.equal(spawnSync('make', ['-q'], { cwd: mk }).status, 0, 'up to date after a build');
    const sh = join(tmp, 'chain-sh');
    await makeWorkspace(data, sh, w);
    await writeFile(join(sh, 'run.sh'), renderCommandsScript(w));
    assert.equal(spawnSync('sh', ['run.sh'], { cwd: sh }).status, 0);
    const last = w.stages[w.stages.length - 1]!.outs[0]!;
    assert.equal(await readFile(join(mk, last), 'utf8'), `${seedFirst}\n`);
    assert.equal(await readFile(join(sh, last), 'utf8'), `${seedFirst}\n`);
  });

  test('shellQuote survives quotes', () => {
    const r = spawnSync('sh', ['-c', `printf %s ${shellQuote(`it's "x" $y`)}`]);
    assert.equal(r.stdout.toString(), `it's "x" $y`);
  });
});

describe('materialize', () => {
  test('data files have their sizes and differ from each other', async () => {
    const w = bigWorkload(0.001);
    const dir = join(tmp, 'big');
    await writeWorkloadData(dir, w);
    for (const f of w.files.slice(0, 3)) assert.equal((await stat(join(dir, f.path))).size, f.bytes);
    const a = await readFile(join(dir, w.files[0]!.path));
    const b = await readFile(join(dir, w.files[1]!.path));
    assert.notDeepEqual(a, b);
    assert.notDeepEqual(chunkContent(0, 0, 0, 64), chunkContent(0, 0, 1, 64), 'a new version has new bytes');
  });

  test('a change rewrites one workspace only, same size, new bytes each version', async () => {
    const w = wideWorkload(0.01);
    const data = join(tmp, 'wide-data');
    await writeWorkloadData(data, w);
    const a = join(tmp, 'wide-a');
    const b = join(tmp, 'wide-b');
    await makeWorkspace(data, a, w);
    await makeWorkspace(data, b, w);
    const before = await readFile(join(b, w.changeFile));
    await changeDepFile(a, w, 1);
    const v1 = await readFile(join(a, w.changeFile));
    await changeDepFile(a, w, 2);
    const v2 = await readFile(join(a, w.changeFile));
    assert.equal(v1.length, before.length);
    assert.notDeepEqual(v1, before);
    assert.notDeepEqual(v2, v1);
    assert.deepEqual(await readFile(join(b, w.changeFile)), before, 'the hard-linked copy is untouched');
    assert.deepEqual(await readFile(join(data, w.changeFile)), before);
  });

  test('W2 change keeps the seed\'s first line, so the chain\'s outs stay the same', async () => {
    const w = chainWorkload(0.01);
    const dir = join(tmp, 'chain-change');
    await writeWorkloadData(dir, w);
    const first = (await readFile(join(dir, w.changeFile), 'utf8')).split('\n')[0];
    await changeDepFile(dir, w, 3);
    assert.equal(await readFile(join(dir, w.changeFile), 'utf8'), `${first}\nchange 3\n`);
  });

  test('resetDvcTs keeps the config and removes what dvc-ts learned', async () => {
    const w = wideWorkload(0.01);
    const dir = join(tmp, 'reset');
    await mkdir(join(dir, '.dvc-ts', 'state'), { recursive: true });
    await mkdir(join(dir, '.dvc-ts', 'cache'), { recursive: true });
    await mkdir(join(dir, 'out'), { recursive: true });
    await writeFile(join(dir, '.dvc-ts', 'config.yaml'), 'jobs: 1\n');
    await writeFile(join(dir, 'pipeline.lock'), 'x');
    await writeFile(join(dir, w.stages[0]!.outs[0]!), 'x');
    await resetDvcTs(dir, w);
    assert.deepEqual(await readdir(join(dir, '.dvc-ts')), ['config.yaml']);
    assert.deepEqual((await readdir(dir)).sort(), ['.dvc-ts', 'out']);
    assert.deepEqual(await readdir(join(dir, 'out')), []);
  });
});
