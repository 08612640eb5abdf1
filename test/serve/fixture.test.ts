// The shared "flagship after a first repro" (bench/serve/fixture.ts) that flagshipRepo() copies:
//  - a copy is what a repository that ran its own first repro holds, file for file, byte for
//    byte (but the hash state, which keys files by inode), names no folder of the fixture, and
//    the real CLI finds it up to date: `status` has nothing to say, `repro` runs no stage;
//  - the fixture is used only when the environment cannot change that first repro;
//  - across processes: one builder, the others wait; a dead builder's folder blocks no one; an
//    edited example gets a fixture of its own.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdir, mkdtemp, readdir, readFile, rm, stat, symlink, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { execa, type ResultPromise } from 'execa';
import { copyFlagshipExample } from '../../bench/serve/example.js';
import { FIXTURES_DIR, STAGE_ENV, copyFlagshipAfterRepro, fixtureKey, fixtureServes, flagshipFixture } from '../../bench/serve/fixture.js';
import { PROJECT_ROOT, TempRepo } from '../helpers/repo.js';
import { flagshipRepo } from './helpers.js';

/** Every file below `root` (not .git, not the node_modules link), by relative path. */
async function tree(root: string, rel = ''): Promise<string[]> {
  const out: string[] = [];
  for (const entry of await readdir(join(root, rel), { withFileTypes: true })) {
    const p = join(rel, entry.name);
    if (p === '.git' || p === 'node_modules') continue;
    if (entry.isDirectory()) out.push(...(await tree(root, p)));
    else out.push(p);
  }
  return out.sort();
}

describe('a copy of the shared fixture', () => {
  let copy: TempRepo;
  let own: TempRepo;
  before(async () => {
    copy = await flagshipRepo();
    // The reference: the same example with a first repro of its own.
    own = await TempRepo.create();
    await copyFlagshipExample(PROJECT_ROOT, own.root);
    const r = await own.run(['repro', '-q']);
    assert.equal(r.code, 0, r.all);
  });
  after(async () => {
    await copy?.remove();
    await own?.remove();
  });

  test('holds what its own repro would, byte for byte, and no path of the fixture', async () => {
    const fixtures = join(PROJECT_ROOT, FIXTURES_DIR);
    assert.ok((await stat(join(await flagshipFixture(PROJECT_ROOT), 'bundle/model.json'))).isFile(), 'flagshipRepo() copied the fixture');
    const hashState = '.dvc-ts/state/hashes.json';
    const ownFiles = (await tree(own.root)).filter((f) => f !== hashState);
    assert.deepEqual(await tree(copy.root), ownFiles);
    const differ: string[] = [];
    for (const f of ownFiles) {
      const mine = (await readFile(copy.path(f), 'utf8')).replaceAll(copy.root, '<root>');
      if (mine.includes(fixtures)) differ.push(`${f}: names the fixture's folder`);
      if (mine !== (await readFile(own.path(f), 'utf8')).replaceAll(own.root, '<root>')) differ.push(f);
    }
    assert.deepEqual(differ, []);
  });

  test('the real CLI: status finds everything up to date, repro runs no stage', async () => {
    const status = await copy.run(['status']);
    assert.equal(status.code, 0, status.all);
    assert.equal(status.stdout, 'Data and pipelines are up to date.');
    const repro = await copy.run(['repro']);
    assert.equal(repro.code, 0, repro.all);
    assert.doesNotMatch(repro.stdout, /Running stage/);
    assert.match(repro.stdout, /^0 ran, 0 restored, 7 up to date, 0 failed/m);
  });
});

describe('when the fixture stands for a first repro', () => {
  test('no env, or a webhook the first run posts nothing to: yes; anything else: a repro of its own', async () => {
    assert.equal(await fixtureServes(PROJECT_ROOT, {}), true);
    assert.equal(await fixtureServes(PROJECT_ROOT, { ALERT_WEBHOOK_URL: 'http://127.0.0.1:9/hooks/x' }), true);
    assert.equal(await fixtureServes(PROJECT_ROOT, { GITHUB_RUN_ID: '1' }), false);
    assert.equal(await fixtureServes(PROJECT_ROOT, { SOMETHING_ELSE: '1' }), false);
  });

  test('the environment variables the pipeline\'s stages read are the ones the fixture knows', async () => {
    const pipeline = await readFile(join(PROJECT_ROOT, 'pipeline.yaml'), 'utf8');
    const read = new Set<string>();
    const stagesDir = join(PROJECT_ROOT, 'stages');
    for (const f of (await tree(stagesDir)).filter((p) => p.endsWith('.ts'))) {
      const text = await readFile(join(stagesDir, f), 'utf8');
      const program = /^[^/]+\.ts$/.test(f) ? `build/stages/${f.replace(/\.ts$/, '.js')}` : undefined;
      // monitor-plan.ts is a program of the CI workflow, not of the pipeline.
      if (program && !pipeline.includes(program)) continue;
      for (const m of text.matchAll(/process\.env(?:\.(\w+)|\[['"](\w+)['"]\])?/g)) {
        const name = m[1] ?? m[2];
        if (name) {
          read.add(name);
          continue;
        }
        // The whole environment handed on: only to alert.ts's ciRunUrl, whose names count.
        assert.equal(text.slice(m.index! - 'ciRunUrl('.length, m.index), 'ciRunUrl(', `${f} reads process.env as a whole`);
        const names = /const \{([^}]*)\} = env;/.exec(text)?.[1] ?? '';
        for (const part of names.split(',')) read.add(part.split(':')[0]!.trim());
      }
    }
    assert.deepEqual([...read].sort(), [...STAGE_ENV].sort());
  });
});

describe('the fixture across processes, on a small example', () => {
  let project: string;
  let counter: string;
  const FIXTURE_JS = join(PROJECT_ROOT, 'dist/bench/serve/fixture.js');
  /** A process asking for the project's fixture; prints its folder. */
  const ask = (): ResultPromise =>
    execa(process.execPath, ['--input-type=module', '-e', `import { flagshipFixture } from ${JSON.stringify(FIXTURE_JS)}; console.log(await flagshipFixture(process.env.FIXTURE_PROJECT));`], { env: { FIXTURE_PROJECT: project }, reject: false, all: true });
  const builds = async () => (await readFile(counter, 'utf8').catch(() => '')).split('\n').filter(Boolean).length;
  const fixtures = () => readdir(join(project, FIXTURES_DIR));

  before(async () => {
    project = await mkdtemp(join(tmpdir(), 'dvc-ts-fixture-test-'));
    counter = join(project, 'builds.txt');
    // The example's files as bench/serve/example.ts copies them; one stage that counts its runs
    // in a file outside the repository and takes a moment, so that others come while it runs.
    const files: Record<string, string> = {
      'pipeline.yaml': `stages:\n  make:\n    cmd: echo run >> ${counter} && sleep 1 && echo \${value} > out.txt\n    params: [value]\n    outs: [out.txt]\n`,
      'params.yaml': 'value: 1\n',
      'stages/README.md': 'no programs\n',
      'data/logs/.gitkeep': '',
      '.dvc-ts/config.yaml': 'jobs: 1\n',
      '.dvc-ts/.gitignore': '/cache/\n/state/\n/tmp/\n/logs/\n',
      '.gitignore': 'dist/\n',
      'package-lock.json': '{}\n',
    };
    for (const [rel, text] of Object.entries(files)) {
      await mkdir(join(project, rel, '..'), { recursive: true });
      await writeFile(join(project, rel), text);
    }
    await mkdir(join(project, 'dist'));
    await symlink(join(PROJECT_ROOT, 'dist/engine'), join(project, 'dist/engine'));
    await symlink(join(PROJECT_ROOT, 'node_modules'), join(project, 'node_modules'));
  });
  after(() => rm(project, { recursive: true, force: true }));

  test('a dead builder\'s folder is swept; one builds while the others wait; all get the same whole fixture', async () => {
    // What a builder killed mid-build leaves (no process has this pid: Linux's pid_max is 2^22).
    await mkdir(join(project, FIXTURES_DIR, '.build-999999999-abc123', 'bundle'), { recursive: true });
    const first = ask();
    // The others start once the first is building (its folder is there), or once it is done.
    let done = false;
    void first.finally(() => (done = true));
    while (!done && !(await fixtures()).some((n) => n.startsWith(`.build-${first.pid}-`))) await new Promise((r) => setTimeout(r, 20));
    const results = await Promise.all([first, ask(), ask()]);
    for (const r of results) assert.equal(r.exitCode, 0, String(r.all));
    const paths = new Set(results.map((r) => String(r.stdout).trim()));
    const expected = join(project, FIXTURES_DIR, `flagship-${await fixtureKey(project)}`);
    assert.deepEqual([...paths], [expected]);
    assert.equal(await builds(), 1, 'one build');
    assert.deepEqual(await fixtures(), [`flagship-${await fixtureKey(project)}`], 'no builder folder left, the dead one swept');
    assert.equal(await readFile(join(expected, 'out.txt'), 'utf8'), '1\n');
    assert.ok((await stat(join(expected, 'pipeline.lock'))).isFile());
    assert.deepEqual((await readdir(expected)).filter((n) => n === '.git'), [], 'no git repository in the fixture');
  });

  test('an edited example gets a fixture of its own (the old one is removed); a copy is up to date', async () => {
    const before = await fixtureKey(project);
    await writeFile(join(project, 'params.yaml'), 'value: 2\n');
    const key = await fixtureKey(project);
    assert.notEqual(key, before);
    const r = await ask();
    assert.equal(r.exitCode, 0, String(r.all));
    assert.equal(await builds(), 2);
    assert.deepEqual(await fixtures(), [`flagship-${key}`]);
    const copy = await TempRepo.create();
    try {
      await copyFlagshipAfterRepro(project, copy.root);
      assert.equal(await copy.read('out.txt'), '2\n');
      const repro = await copy.run(['repro']);
      assert.equal(repro.code, 0, repro.all);
      assert.match(repro.stdout, /^0 ran, 0 restored, 1 up to date/m);
      assert.equal(await builds(), 2, 'the copy ran nothing');
    } finally {
      await copy.remove();
    }
  });
});
