// DVC repositories as they are: several pipeline files taken together, and a dvc.yaml runs
// DVC's commands.
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { TempRepo } from '../helpers/repo.js';
import { s3Remote, startSwift, swiftMissing } from '../remote/servers.js';

describe('a dvc.yaml runs the command DVC would run', () => {
  test('$(pwd) through a variable is expanded by the shell, in the stage folder', async () => {
    const repo = await TempRepo.create({
      'dvc.yaml': [
        'vars:',
        '  - data_dir: $(pwd)/datasets',
        '    flags: --verbose --save-json',
        'stages:',
        '  fetch:',
        '    cmd: mkdir -p ${data_dir} && echo ${flags} > ${data_dir}/args.txt && pwd > ${data_dir}/where.txt',
        '    outs: [datasets/args.txt, datasets/where.txt]',
        '',
      ].join('\n'),
    });
    try {
      const r = await repo.run(['repro']);
      assert.equal(r.code, 0, r.all);
      assert.equal((await repo.read('datasets/args.txt')).trim(), '--verbose --save-json', 'two options, not one quoted word');
      assert.equal((await repo.read('datasets/where.txt')).trim(), (await repo.git('rev-parse', '--show-toplevel')).trim());
      assert.equal(await repo.exists('$(pwd)/datasets/args.txt'), false, 'no folder named after the unexpanded text');
      const lock = await repo.read('pipeline.lock');
      assert.match(lock, /cmd: mkdir -p \$\(pwd\)\/datasets && echo --verbose --save-json > \$\(pwd\)\/datasets\/args\.txt/);
    } finally {
      await repo.remove();
    }
  });
});

/** A root dvc.yaml and two sub-folder pipelines: sub/ consumes prep/'s out, the root consumes sub/'s. */
const MANY = {
  '.gitignore': 'ignored/\n',
  'prep/dvc.yaml': 'stages:\n  make:\n    cmd: echo make >> ../order.log && printf "a\\nb\\n" > raw.txt\n    outs: [raw.txt]\n',
  'sub/dvc.yaml': 'stages:\n  train:\n    cmd: echo train >> ../order.log && wc -l < ../prep/raw.txt > model.txt\n    deps: [../prep/raw.txt]\n    outs: [model.txt]\n',
  'dvc.yaml': 'stages:\n  report:\n    cmd: echo report >> order.log && cat sub/model.txt > report.txt\n    deps: [sub/model.txt]\n    outs: [report.txt]\n',
  'ignored/dvc.yaml': 'stages:\n  never:\n    cmd: echo never >> ../order.log\n',
};

async function lines(repo: TempRepo, rel: string): Promise<string[]> {
  return (await repo.read(rel).catch(() => '')).split('\n').filter((l) => l !== '');
}

describe('several pipeline files in one repository', () => {
  test('repro at the root runs every pipeline in order, each lock beside its file; a second repro runs nothing', async () => {
    const repo = await TempRepo.create(MANY);
    try {
      const r = await repo.run(['repro']);
      assert.equal(r.code, 0, r.all);
      assert.deepEqual(await lines(repo, 'order.log'), ['make', 'train', 'report']);
      assert.equal((await repo.read('report.txt')).trim(), '2');
      assert.match(await repo.read('prep/pipeline.lock'), /^ {2}make:$/m);
      assert.match(await repo.read('sub/pipeline.lock'), /^ {2}train:$/m);
      assert.match(await repo.read('pipeline.lock'), /^ {2}report:$/m);
      assert.doesNotMatch(await repo.read('pipeline.lock'), /train|make/);

      const again = await repo.run(['repro']);
      assert.equal(again.code, 0, again.all);
      assert.deepEqual(await lines(repo, 'order.log'), ['make', 'train', 'report'], 'nothing ran again');
      const status = await repo.run(['status']);
      assert.equal(status.code, 0, status.all);
      assert.match(status.stdout, /up to date/);

      await repo.write({ 'prep/dvc.yaml': MANY['prep/dvc.yaml'].replace('"a', '"z\\na') });
      const changed = await repo.run(['status']);
      assert.match(changed.stdout, /^prep\/dvc\.yaml:make: /m);
    } finally {
      await repo.remove();
    }
  });

  test('repro sub/dvc.yaml:train runs that stage and its upstream only; a bare unique name works too', async () => {
    const repo = await TempRepo.create(MANY);
    try {
      const r = await repo.run(['repro', 'sub/dvc.yaml:train']);
      assert.equal(r.code, 0, r.all);
      assert.deepEqual(await lines(repo, 'order.log'), ['make', 'train']);
      assert.equal(await repo.exists('report.txt'), false);
      const bare = await repo.run(['repro', '--force', '--single-item', 'train']);
      assert.equal(bare.code, 0, bare.all);
      assert.deepEqual(await lines(repo, 'order.log'), ['make', 'train', 'train']);
    } finally {
      await repo.remove();
    }
  });

  test('stage list --all names stages path/to/dvc.yaml:stage, leaving git-ignored folders out', async () => {
    const repo = await TempRepo.create(MANY);
    try {
      const all = await repo.run(['stage', 'list', '--all', '--name-only']);
      assert.equal(all.code, 0, all.all);
      assert.deepEqual(all.stdout.split('\n').filter((l) => l !== ''), ['report', 'prep/dvc.yaml:make', 'sub/dvc.yaml:train']);
      const here = await repo.run(['stage', 'list', '--name-only']);
      assert.deepEqual(here.stdout.split('\n').filter((l) => l !== ''), ['report'], 'without --all: the pipeline here');
      const one = await repo.run(['stage', 'list', '--name-only', 'sub']);
      assert.deepEqual(one.stdout.split('\n').filter((l) => l !== ''), ['sub/dvc.yaml:train']);
      const dag = await repo.run(['dag']);
      assert.equal(dag.code, 0, dag.all);
      assert.match(dag.stdout, /sub\/dvc\.yaml:train/);
    } finally {
      await repo.remove();
    }
  });
});

const md5 = (text: string) => createHash('md5').update(text).digest('hex');

/**
 * A repository as DVC 3 leaves it after `dvc repro`: workspace outputs in place and dvc.lock
 * recording md5s (a directory's as the md5 of its `.dir` listing, `[{"md5": …, "relpath": …}]`
 * sorted by path, as Python's json.dumps writes it, suffixed `.dir`), per DVC's documented formats.
 */
function dvcMadeRepository(): Record<string, string> {
  const raw = 'id,value\n1,a\n2,b\n';
  const split = '0.2\n';
  const model = '3\n';
  const evalConfig = 'metric: accuracy\n';
  const score = '3\n';
  const listing = `[{"md5": "${md5(split)}", "relpath": "split.txt"}, {"md5": "${md5(raw)}", "relpath": "train.csv"}]`;
  const prepareCmd = 'mkdir -p prepared && cp data/raw.csv prepared/train.csv && echo 0.2 > prepared/split.txt && echo prepare >> runs.log';
  return {
    '.dvc/config': '[core]\n    remote = storage\n[\'remote "storage"\']\n    url = ../dvc-storage\n',
    '.dvc/.gitignore': '/config.local\n/tmp\n/cache\n',
    '.dvcignore': '',
    '.gitignore': '/prepared\n/model.txt\n/score.txt\n',
    'params.yaml': 'prepare:\n  split: 0.2\n',
    'data/raw.csv': raw,
    'eval.yaml': evalConfig,
    'prepared/train.csv': raw,
    'prepared/split.txt': split,
    'model.txt': model,
    'score.txt': score,
    'dvc.yaml': [
      'stages:',
      '  prepare:',
      '    cmd: mkdir -p prepared && cp data/raw.csv prepared/train.csv && echo ${prepare.split} > prepared/split.txt && echo prepare >> runs.log',
      '    deps: [data/raw.csv]',
      '    params: [prepare.split]',
      '    outs: [prepared]',
      '  train:',
      '    cmd: wc -l < prepared/train.csv | tr -d " " > model.txt && echo train >> runs.log',
      '    deps: [prepared]',
      '    outs: [model.txt]',
      '  evaluate:',
      '    cmd: cat model.txt > score.txt && echo evaluate >> runs.log',
      '    deps: [model.txt, eval.yaml]',
      '    outs: [score.txt]',
      '',
    ].join('\n'),
    'dvc.lock': [
      "schema: '2.0'",
      'stages:',
      '  prepare:',
      `    cmd: ${prepareCmd}`,
      '    deps:',
      '    - path: data/raw.csv',
      '      hash: md5',
      `      md5: ${md5(raw)}`,
      `      size: ${raw.length}`,
      '    params:',
      '      params.yaml:',
      '        prepare.split: 0.2',
      '    outs:',
      '    - path: prepared',
      '      hash: md5',
      `      md5: ${md5(listing)}.dir`,
      `      size: ${raw.length + split.length}`,
      '      nfiles: 2',
      '  train:',
      '    cmd: wc -l < prepared/train.csv | tr -d " " > model.txt && echo train >> runs.log',
      '    deps:',
      '    - path: prepared',
      '      hash: md5',
      `      md5: ${md5(listing)}.dir`,
      `      size: ${raw.length + split.length}`,
      '      nfiles: 2',
      '    outs:',
      '    - path: model.txt',
      '      hash: md5',
      `      md5: ${md5(model)}`,
      `      size: ${model.length}`,
      '  evaluate:',
      '    cmd: cat model.txt > score.txt && echo evaluate >> runs.log',
      '    deps:',
      '    - path: eval.yaml',
      '      hash: md5',
      `      md5: ${md5(evalConfig)}`,
      `      size: ${evalConfig.length}`,
      '    - path: model.txt',
      '      hash: md5',
      `      md5: ${md5(model)}`,
      `      size: ${model.length}`,
      '    outs:',
      '    - path: score.txt',
      '      hash: md5',
      `      md5: ${md5(score)}`,
      `      size: ${score.length}`,
      '',
    ].join('\n'),
  };
}

describe('a repository DVC made, with its dvc.lock', () => {
  test('status says up to date, repro runs nothing, a changed dep reruns only its stage', async () => {
    const repo = await TempRepo.create(dvcMadeRepository());
    try {
      const status = await repo.run(['status']);
      assert.equal(status.code, 0, status.all);
      assert.equal(status.stdout.trim(), 'Data and pipelines are up to date.');

      const first = await repo.run(['repro']);
      assert.equal(first.code, 0, first.all);
      assert.deepEqual(await lines(repo, 'runs.log'), [], 'nothing DVC considers up to date reruns');
      assert.match(await repo.read('pipeline.lock'), /^ {2}evaluate:$/m, 'the project lock takes over');
      assert.equal(await repo.read('dvc.lock').then((t) => t.includes("schema: '2.0'")), true, 'dvc.lock is left as it was');

      await repo.write({ 'eval.yaml': 'metric: f1\n' });
      const second = await repo.run(['repro']);
      assert.equal(second.code, 0, second.all);
      assert.deepEqual(await lines(repo, 'runs.log'), ['evaluate']);
    } finally {
      await repo.remove();
    }
  });

  test('a dvc.lock that no longer matches the workspace is not trusted', async () => {
    const files = dvcMadeRepository();
    const repo = await TempRepo.create({ ...files, 'data/raw.csv': 'id,value\n9,z\n' });
    try {
      const r = await repo.run(['repro']);
      assert.equal(r.code, 0, r.all);
      assert.deepEqual(await lines(repo, 'runs.log'), ['prepare', 'train', 'evaluate']);
    } finally {
      await repo.remove();
    }
  });
});

/** A folder remote as DVC 3 pushes to it: `files/md5/xx/rest`, directories' `.dir` manifests beside. */
async function dvcFolderRemote(objects: readonly string[]): Promise<string> {
  const remote = await mkdtemp(join(tmpdir(), 'dvc-ts-dvc-remote-'));
  for (const content of objects) {
    const hash = md5(content) + (content.startsWith('[{"md5"') ? '.dir' : '');
    await mkdir(join(remote, 'files', 'md5', hash.slice(0, 2)), { recursive: true });
    await writeFile(join(remote, 'files', 'md5', hash.slice(0, 2), hash.slice(2)), content);
  }
  return remote;
}

/** The fixture's outs and the `.dir` listing of `prepared/`, as the remote holds them. */
function remoteObjects(): string[] {
  const raw = 'id,value\n1,a\n2,b\n';
  const split = '0.2\n';
  const listing = `[{"md5": "${md5(split)}", "relpath": "split.txt"}, {"md5": "${md5(raw)}", "relpath": "train.csv"}]`;
  return [raw, split, listing, '3\n'];
}

/** A fresh clone of the DVC-made repository: no outs in the workspace, the remote in .dvc/config. */
function freshClone(remote: string): Record<string, string> {
  const files = dvcMadeRepository();
  for (const out of ['prepared/train.csv', 'prepared/split.txt', 'model.txt', 'score.txt']) delete files[out];
  files['.dvc/config'] = `[core]\n    remote = storage\n['remote "storage"']\n    url = ${remote}\n`;
  return files;
}

describe("pull from the DVC remote named in .dvc/config", () => {
  test('a fresh clone is filled from the remote, every object checked by its md5; then nothing is stale', async () => {
    const remote = await dvcFolderRemote(remoteObjects());
    const repo = await TempRepo.create(freshClone(remote));
    try {
      const r = await repo.run(['pull']);
      assert.equal(r.code, 0, r.all);
      assert.equal(await repo.read('prepared/train.csv'), 'id,value\n1,a\n2,b\n');
      assert.equal(await repo.read('prepared/split.txt'), '0.2\n');
      assert.equal(await repo.read('model.txt'), '3\n');
      assert.equal(await repo.read('score.txt'), '3\n');
      assert.equal(await repo.exists(`.dvc/cache/files/md5/${md5('3\n').slice(0, 2)}/${md5('3\n').slice(2)}`), true, "in DVC's cache layout");
      const status = await repo.run(['status']);
      assert.equal(status.stdout.trim(), 'Data and pipelines are up to date.', status.all);
    } finally {
      await repo.remove();
      await rm(remote, { recursive: true, force: true });
    }
  });

  test('an altered object is refused and named, and never reaches the cache or the workspace', async () => {
    const remote = await dvcFolderRemote(remoteObjects());
    const hash = md5('3\n');
    const altered = join(remote, 'files', 'md5', hash.slice(0, 2), hash.slice(2));
    await writeFile(altered, '4\n');
    const repo = await TempRepo.create(freshClone(remote));
    try {
      const r = await repo.run(['pull']);
      assert.equal(r.code, 1, r.all);
      assert.ok(r.stderr.includes(altered), r.all);
      assert.match(r.stderr, /does not match its md5/);
      assert.equal(await repo.exists('model.txt'), false);
      assert.equal(await repo.exists(`.dvc/cache/files/md5/${hash.slice(0, 2)}/${hash.slice(2)}`), false);
      assert.equal(await repo.read('prepared/train.csv'), 'id,value\n1,a\n2,b\n', 'the sound objects still arrive');
    } finally {
      await repo.remove();
      await rm(remote, { recursive: true, force: true });
    }
  });
});

const swiftSkip = await swiftMissing();
if (swiftSkip) console.log(`# the S3 DVC remote test skips: ${swiftSkip}`);

describe('pull from an s3:// DVC remote named in .dvc/config', { skip: swiftSkip ?? false }, () => {
  test('objects come through the S3 API, each checked by its md5; an altered one is refused and named', async () => {
    const server = await startSwift();
    const remote = await s3Remote(server);
    try {
      for (const content of remoteObjects()) {
        const hash = md5(content) + (content.startsWith('[{"md5"') ? '.dir' : '');
        await remote.tamper(`files/md5/${hash.slice(0, 2)}/${hash.slice(2)}`, Buffer.from(content));
      }
      const hash = md5('3\n');
      await remote.tamper(`files/md5/${hash.slice(0, 2)}/${hash.slice(2)}`, Buffer.from('4\n'));
      const files = freshClone(remote.url);
      files['.dvc/config'] += `    endpointurl = ${remote.options.endpointurl}\n`;
      const repo = await TempRepo.create(files);
      try {
        const r = await repo.run(['pull'], { env: remote.env });
        assert.equal(r.code, 1, r.all);
        assert.ok(r.stderr.includes(`${remote.url}/files/md5/${hash.slice(0, 2)}/${hash.slice(2)}`), r.all);
        assert.match(r.stderr, /does not match its md5/);
        assert.equal(await repo.exists('model.txt'), false);
        assert.equal(await repo.read('prepared/train.csv'), 'id,value\n1,a\n2,b\n');
        assert.equal(await repo.read('prepared/split.txt'), '0.2\n');
      } finally {
        await repo.remove();
      }
    } finally {
      await remote.close();
      await server.stop();
    }
  });
});

describe('listing reads what DVC reads', () => {
  test('a top-level metrics path above the root: stage list lists, metrics show names the path', async () => {
    const repo = await TempRepo.create({
      'dvc.yaml': 'metrics:\n  - ../../reports/metrics.json\nstages:\n  train:\n    cmd: echo x\n    outs: [a.txt]\n  again:\n    cmd: echo y\n    outs: [a.txt]\n',
    });
    try {
      const list = await repo.run(['stage', 'list', '--name-only']);
      assert.equal(list.code, 0, list.all);
      assert.deepEqual(list.stdout.split('\n').filter((l) => l !== ''), ['train', 'again'], 'overlapping outs do not stop a listing');
      const repro = await repo.run(['repro']);
      assert.equal(repro.code, 2, 'the overlap is refused where outputs are written');
      assert.match(repro.stderr, /already an output of stage 'train'/);
      await repo.write({ 'dvc.yaml': 'metrics:\n  - ../../reports/metrics.json\nstages:\n  train:\n    cmd: echo x\n' });
      const shown = await repo.run(['metrics', 'show']);
      assert.match(shown.all, /dvc\.yaml:2:5: metrics file '\.\.\/\.\.\/reports\/metrics\.json' is outside the repository/);
    } finally {
      await repo.remove();
    }
  });
});
