import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdir, mkdtemp, rm, symlink } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { loadPipeline } from '../../engine/pipeline/load.js';
import { assertRunnable, outsideRepoErrors } from '../../engine/pipeline/runnable.js';
import { oneError, resolveText, stage, tempRepo, userErrorsAsync } from './helpers.js';

const withDeps = (...deps: string[]): string =>
  `stages:\n  s:\n    cmd: x\n    deps:\n${deps.map((d) => `      - ${JSON.stringify(d)}\n`).join('')}`;
const withOuts = (...outs: string[]): string =>
  `stages:\n  s:\n    cmd: x\n    outs:\n${outs.map((o) => `      - ${JSON.stringify(o)}\n`).join('')}`;

describe('paths written in the pipeline', () => {
  test('are made repository-relative from wdir', () => {
    const text = 'stages:\n  s:\n    cmd: x\n    wdir: sub\n    deps:\n      - ./a/../in.csv\n      - ../top.txt\n    outs:\n      - out/\n';
    const s = stage(resolveText(text), 's');
    assert.equal(s.wdir, 'sub');
    assert.deepEqual(s.deps.map((d) => d.path), ['sub/in.csv', 'top.txt']);
    assert.deepEqual(s.outs.map((o) => o.path), ['sub/out']);
  });

  test('a pipeline file in a subdirectory resolves from there', () => {
    const p = resolveText('stages:\n  s:\n    cmd: x\n    wdir: ..\n    deps: [a]\n', {}, { file: 'pipelines/dvc.yaml' });
    assert.equal(stage(p, 's').wdir, '.');
    assert.equal(stage(p, 's').deps[0]!.path, 'a');
  });

  test('a dep above the root or absolute is kept (DVC reads it there); outs there are refused for running, at the path', () => {
    const s = stage(resolveText(withDeps('../secret', '/mnt/data/x.csv', 'a/../../y')), 's');
    assert.deepEqual(s.deps.map((d) => d.path), ['../secret', '/mnt/data/x.csv', '../y']);
    const outs = resolveText(withOuts('a/../../x', '/etc/passwd'));
    assert.deepEqual(outs.stages[0]!.outs.map((o) => o.path), ['../x', '/etc/passwd']);
    const errors = outsideRepoErrors(outs);
    assert.equal(errors.length, 2);
    assert.match(errors[0]!.message, /output '\.\.\/x' of stage 's' is outside the repository/);
    assert.deepEqual([errors[0]!.pos?.line, errors[0]!.pos?.col], [5, 9]);
    assert.match(errors[1]!.message, /output '\/etc\/passwd' of stage 's' is outside the repository/);
    assert.deepEqual(outsideRepoErrors(resolveText(withDeps('../a', '/b', 'C:\\Windows\\x'))), []);
  });

  test('a wdir outside the repository loads; running refuses it', () => {
    const p = resolveText('stages:\n  s:\n    cmd: x\n    wdir: ../..\n    deps: [a]\n');
    assert.equal(stage(p, 's').wdir, '../..');
    assert.equal(stage(p, 's').deps[0]!.path, '../../a');
    const errors = outsideRepoErrors(p);
    assert.equal(errors.length, 1);
    assert.match(errors[0]!.message, /wdir '\.\.\/\.\.' of stage 's' is outside the repository/);
  });

  test('newlines and NUL in paths are refused', () => {
    oneError(() => resolveText(withOuts('a\nb')), /contains a newline or NUL/);
    oneError(() => resolveText(withDeps('a\u0000b')), /contains a newline or NUL/);
  });

  test('outputs may not be the repository itself or its state directories', () => {
    oneError(() => resolveText(withOuts('.')), /cannot be the whole repository/);
    oneError(() => resolveText(withOuts('.git/hooks/pre-commit')), /inside '\.git'/);
    oneError(() => resolveText(withOuts('.dvc-ts/cache')), /inside '\.dvc-ts'/);
  });

  test('a URL dependency is kept as written; a URL output is refused', () => {
    const s = stage(resolveText(withDeps('https://example.com/data.csv')), 's');
    assert.equal(s.deps[0]!.path, 'https://example.com/data.csv');
    oneError(() => resolveText(withOuts('s3://bucket/x')), /must be a path inside the repository, not a URL/);
  });

  test('every bad path is reported, not only the first', async () => {
    const errors = await userErrorsAsync(async () => resolveText(withOuts('.', 'ok', '.git/x', 'a\nb')));
    assert.equal(errors.length, 3);
  });
});

describe('symlinks on disk', () => {
  test('a path through a symlink leading out of the repository is refused', async () => {
    const outside = await mkdtemp(join(tmpdir(), 'dvc-ts-outside-'));
    const root = await tempRepo({ 'pipeline.yaml': 'stages:\n  s:\n    cmd: x\n    deps:\n      - data/file.csv\n    outs:\n      - ok/out.txt\n' });
    await symlink(outside, join(root, 'data'));
    await mkdir(join(root, 'real'));
    await symlink(join(root, 'real'), join(root, 'ok'));
    // Loading (for listing) takes it; running refuses an out through such a link, not a dep.
    const pipeline = await loadPipeline(root);
    await assertRunnable(root, pipeline);
    await rm(join(root, 'ok'));
    await symlink(outside, join(root, 'ok'));
    const errors = await userErrorsAsync(() => assertRunnable(root, pipeline));
    assert.equal(errors.length, 1);
    assert.match(errors[0]!.message, /output 'ok\/out\.txt' of stage 's' goes through symlink 'ok', which points outside the repository/);
    assert.deepEqual([errors[0]!.pos?.line, errors[0]!.pos?.col], [7, 9]);
  });

  test('symlinks that stay inside the repository are fine', async () => {
    const root = await tempRepo({ 'pipeline.yaml': 'stages:\n  s:\n    cmd: x\n    outs:\n      - link/out.txt\n' });
    await mkdir(join(root, 'target'));
    await symlink('target', join(root, 'link'));
    const p = await loadPipeline(root);
    assert.equal(p.stages[0]!.outs[0]!.path, 'link/out.txt');
  });
});
