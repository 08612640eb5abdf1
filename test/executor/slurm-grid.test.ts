// Many jobs at once on the one-node Slurm cluster: one squeue call per poll watches them all;
// several experiments in flight together (the next ones prepared while jobs run, `-j` still
// bounding the jobs), identical stages run once. Skips, saying why, where no cluster answers.
import { after, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { chmod, mkdir, mkdtemp, readFile, readdir, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { basename, join } from 'node:path';
import { execa } from 'execa';
import { TempRepo } from '../helpers/repo.js';
import { isActive, jobsOf, slurmSkip } from './slurm-cluster.js';

if (slurmSkip) console.log(`# slurm grid tests skipped: ${slurmSkip}`);

/**
 * Each job: claims `$SHARED/running` (a second job in flight at once leaves `overlap`), counts
 * the experiment workspaces that exist while it runs, and writes its metric.
 */
const JOB = `#!/bin/sh
mkdir "$SHARED/running" 2>/dev/null || echo "$1" >> "$SHARED/overlap"
ls -d "$EXP_TMP"/dvc-ts-exp-* 2>/dev/null | wc -l > "$SHARED/seen-$1"
sleep 1
rmdir "$SHARED/running"
printf '{"score": %s}\\n' "$1" > score.json
`;

const GRID = {
  'params.yaml': 'a: 1\n',
  'job.sh': JOB,
  'pipeline.yaml': `stages:
  fit:
    cmd: sh job.sh \${a}
    deps: [job.sh]
    params: [a]
    metrics:
      - score.json:
          cache: false
    resources: {mem: 50M}
`,
};

/** `prep` depends on `p` only: experiments that set the same `p` run it with the same inputs. */
const SHARED_PREP = {
  'params.yaml': 'p: 5\na: 1\n',
  'pipeline.yaml': `stages:
  prep:
    cmd: echo prep >> "$SHARED/prep-runs" && echo \${p} > prep.txt
    params: [p]
    outs: [prep.txt]
    resources: {mem: 50M}
  fit:
    cmd: echo fit >> "$SHARED/fit-runs" && cat prep.txt > fit.txt && echo \${a} >> fit.txt
    deps: [prep.txt]
    params: [a]
    outs: [fit.txt]
    resources: {mem: 50M}
`,
};

describe('slurm executor: experiment grids', { skip: slurmSkip }, () => {
  const repos: TempRepo[] = [];
  const folders: string[] = [];
  after(async () => {
    // Experiment workspaces name the jobs; every job of these tests runs in SHARED's sibling.
    const names = (await Promise.all(folders.map((f) => readdir(join(f, 'tmp')).catch(() => [] as string[])))).flat();
    const left = (await Promise.all([...repos.map((r) => basename(r.root)), ...names].map((n) => jobsOf(n)))).flat().filter(isActive);
    if (left.length > 0) await execa('scancel', left.map((j) => j.id), { reject: false });
    for (const r of repos) await r.remove();
    for (const f of folders) await rm(f, { recursive: true, force: true });
  });

  /** A committed repository, and its own folders for experiment workspaces (TMPDIR) and job traces. */
  const setup = async (files: Record<string, string>) => {
    const repo = await TempRepo.create(files);
    repos.push(repo);
    await repo.git('add', '-A');
    await repo.git('commit', '-qm', 'base');
    const folder = await mkdtemp(join(tmpdir(), 'dvc-ts-slurm-grid-'));
    folders.push(folder);
    await Promise.all(['tmp', 'shared'].map((d) => mkdir(join(folder, d))));
    const env = { TMPDIR: join(folder, 'tmp'), EXP_TMP: join(folder, 'tmp'), SHARED: join(folder, 'shared') };
    return { repo, env, shared: env.SHARED };
  };

  it('watches every job in flight with one squeue call per poll, never one call per job', async () => {
    const { repo, env, shared } = await setup({
      'pipeline.yaml': `stages:\n  work:\n    foreach: [1, 2, 3, 4, 5, 6]\n    do:\n      cmd: sleep 1 && echo \${item} > out-\${item}.txt\n      outs:\n        - out-\${item}.txt\n      resources: {mem: 50M}\n`,
    });
    // squeue as the coordinator calls it, each call's job list written down.
    const bin = join(shared, '..', 'bin');
    await mkdir(bin);
    const real = (await execa('sh', ['-c', 'command -v squeue'])).stdout.trim();
    await writeFile(join(bin, 'squeue'), `#!/bin/sh\nprintf '%s\\n' "$*" >> "${join(shared, 'squeue-calls')}"\nexec ${real} "$@"\n`);
    await chmod(join(bin, 'squeue'), 0o755);
    const r = await repo.run(['repro', '-j', '6', '--executor', 'slurm'], { env: { ...env, PATH: `${bin}:${process.env.PATH ?? ''}` } });
    assert.equal(r.code, 0, r.all);
    for (const i of [1, 2, 3, 4, 5, 6]) assert.equal(await repo.read(`out-${i}.txt`), `${i}\n`);
    const watched = (await readFile(join(shared, 'squeue-calls'), 'utf8')).split('\n').flatMap((l) => {
      const ids = / -j (\S+)/.exec(l)?.[1];
      return ids ? [ids.split(',')] : [];
    });
    assert.ok(watched.length > 0, 'the jobs were watched with squeue');
    // Six jobs of at least a second each, submitted together: some poll sees several in flight,
    // and asks about all of them in its one call.
    assert.ok(Math.max(...watched.map((ids) => ids.length)) >= 2, `job lists of the squeue calls: ${watched.map((w) => w.join(',')).join(' ')}`);
    const allIds = new Set(watched.flat());
    assert.equal(allIds.size, 6, 'every job was watched');
  });

  it('exp run -j 1 prepares the next experiment while a job runs, and never has two jobs in flight', async () => {
    const { repo, env, shared } = await setup(GRID);
    const q = await repo.run(['exp', 'run', '--queue', '-S', 'a=2,3,4']);
    assert.equal(q.code, 0, q.all);
    const r = await repo.run(['exp', 'run', '--run-all', '-j', '1', '--executor', 'slurm'], { env });
    assert.equal(r.code, 0, r.all);
    assert.match(r.stdout, /3 experiment\(s\) done, 0 failed/);
    const seen = await Promise.all([2, 3, 4].map(async (a) => Number((await readFile(join(shared, `seen-${a}`), 'utf8')).trim())));
    // Only one experiment at a time would have left each job alone with its own workspace.
    assert.ok(Math.max(...seen) >= 2, `workspaces seen by each job: ${seen.join(', ')}`);
    const overlap = await readFile(join(shared, 'overlap'), 'utf8').catch(() => '');
    assert.equal(overlap, '', '-j 1: never two jobs in flight');
    const show = await repo.run(['exp', 'show', '--json']);
    assert.equal(show.code, 0, show.all);
    for (const score of [2, 3, 4]) assert.match(show.stdout, new RegExp(`"score":\\s*${score}\\b`));
    assert.deepEqual(await readdir(env.TMPDIR), [], 'experiment workspaces are removed');
  });

  it('a stage identical in several experiments runs once on Slurm, the others restore it', async () => {
    const { repo, env, shared } = await setup(SHARED_PREP);
    const q = await repo.run(['exp', 'run', '--queue', '-S', 'p=7', '-S', 'a=1,2,3']);
    assert.equal(q.code, 0, q.all);
    const r = await repo.run(['exp', 'run', '--run-all', '-j', '3', '--executor', 'slurm'], { env });
    assert.equal(r.code, 0, r.all);
    const lines = async (f: string) => (await readFile(join(shared, f), 'utf8').catch(() => '')).split('\n').filter(Boolean).length;
    assert.equal(await lines('prep-runs'), 1, 'prep (p=7 in every experiment) ran once');
    assert.equal(await lines('fit-runs'), 3);
    assert.match(r.stdout, /3 experiment\(s\) done, 0 failed/);
  });
});
