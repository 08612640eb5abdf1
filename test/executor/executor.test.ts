// The executor seam without a cluster: the pure parts of a Slurm job (script, sbatch flags, queue
// lines), `resources:` in the pipeline, executor settings, and -j accounting by `cpus` locally.
import { after, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { execa } from 'execa';
import { isEndState, jobScript, parseQueue, parseSubmitted, sbatchArgs } from '../../engine/executor/slurm/job.js';
import { nextPollDelay } from '../../engine/executor/slurm/queue.js';
import { executorName, readSlurmSettings } from '../../engine/executor/config.js';
import { checkExecutorName } from '../../engine/executor/registry.js';
import { buildGraph } from '../../engine/graph/dag.js';
import { schedule } from '../../engine/run/schedule.js';
import { DEFAULT_CONFIG } from '../../engine/config.js';
import type { StageDef } from '../../engine/types.js';
import { TempRepo } from '../helpers/repo.js';
import { resolveText, stage, userErrors } from '../pipeline/helpers.js';

function stageWith(fields: Partial<StageDef>): StageDef {
  return { name: 'train', cmd: ['true'], wdir: '.', deps: [], outs: [], params: {}, frozen: false, alwaysChanged: false, pos: { file: 'pipeline.yaml', line: 1, col: 1 }, ...fields };
}

describe('a Slurm job, as dvc-ts writes it', () => {
  const temps: string[] = [];
  after(async () => {
    for (const t of temps) await rm(t, { recursive: true, force: true });
  });

  it('runs the commands in order with sh, stops at the first failure and writes its exit status', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'dvc-ts-job-'));
    temps.push(dir);
    const cmds = [`printf '%s\\n' "it's \\"quoted\\" \\$HOME" > out.txt`, 'echo $DVC_TS_STAGE >> out.txt', 'exit 4', 'echo never >> out.txt'];
    await writeFile(join(dir, 'job.sh'), jobScript(stageWith({ name: "it's", cmd: cmds }), dir, join(dir, 'job.rc')));
    const r = await execa('sh', ['job.sh'], { cwd: dir, reject: false });
    assert.equal(r.exitCode, 4);
    assert.equal(await readFile(join(dir, 'out.txt'), 'utf8'), `it's "quoted" $HOME\nit's\n`);
    assert.equal(await readFile(join(dir, 'job.rc'), 'utf8'), '4\n');
    assert.match(String(r.stdout), /^\$ printf/m, 'each command is announced in the log as locally');
  });

  it('asks sbatch for the stage resources, the configured options and the extra flags, in that order', () => {
    const args = sbatchArgs({
      stage: stageWith({ resources: { cpus: 4, mem: '16G', gpus: 2, time: '1-00:00', partition: 'gpu' } }),
      repoName: 'proj', chdir: '/w/proj/sub', logFile: '/w/proj/.dvc-ts/logs/train.log', scriptFile: '/w/proj/.dvc-ts/tmp/slurm/train.sh', comment: 'dvc-ts:t1',
      settings: { partition: 'main', account: 'lab', qos: 'low', sbatchArgs: ['--exclusive'], pollMs: 500 },
    });
    assert.deepEqual(args, [
      '--parsable', '--job-name=dvc-ts:proj:train', '--chdir=/w/proj/sub', '--output=/w/proj/.dvc-ts/logs/train.log', '--open-mode=truncate', '--comment=dvc-ts:t1',
      '--partition=gpu', '--account=lab', '--qos=low', '--cpus-per-task=4', '--mem=16G', '--gres=gpu:2', '--time=1-00:00',
      '--exclusive', '/w/proj/.dvc-ts/tmp/slurm/train.sh',
    ]);
    const plain = sbatchArgs({ stage: stageWith({}), repoName: 'p', chdir: '/p', logFile: '/l', scriptFile: '/s', comment: 'c', settings: { sbatchArgs: [], pollMs: 1 } });
    assert.ok(!plain.some((a) => /cpus|mem|gres|time|partition|account|qos/.test(a)), plain.join(' '));
  });

  it('reads squeue lines and sbatch --parsable answers', () => {
    const q = parseQueue('12|RUNNING|None\n13|PENDING|Resources\n14|TIMEOUT|TimeLimit\n\n');
    assert.deepEqual([...q], [['12', { state: 'RUNNING', reason: '' }], ['13', { state: 'PENDING', reason: 'Resources' }], ['14', { state: 'TIMEOUT', reason: 'TimeLimit' }]]);
    assert.equal(isEndState('RUNNING'), false);
    for (const s of ['COMPLETED', 'FAILED', 'OUT_OF_MEMORY', 'NODE_FAIL', 'CANCELLED', 'TIMEOUT']) assert.equal(isEndState(s), true, s);
    assert.equal(parseSubmitted('4711\n'), '4711');
    assert.equal(parseSubmitted('4711;cluster2\n'), '4711');
    assert.equal(parseSubmitted('Submitted batch job 4711'), undefined);
  });

  it('polls sooner only while a running job is expected to end before the next poll', () => {
    const now = 100_000;
    assert.equal(nextPollDelay(now, 500, [now - 950], []), 500, 'no job has ended yet: nothing to expect');
    assert.equal(nextPollDelay(now, 500, [], [1000]), 500, 'nothing running');
    const typical = [900, 1000, 5000];
    assert.equal(nextPollDelay(now, 500, [now - 200], typical), 500, 'ends after the next poll');
    assert.equal(nextPollDelay(now, 500, [now - 700], typical), 300, 'ends before it: poll then');
    assert.equal(nextPollDelay(now, 500, [now - 200, now - 950], typical), 100, 'at most five times as often');
    assert.equal(nextPollDelay(now, 500, [now - 1400], typical), 100, 'just overdue');
    assert.equal(nextPollDelay(now, 500, [now - 1600], typical), 500, 'long overdue: the normal pace');
    assert.equal(nextPollDelay(now, 5000, [now - 9900], [10_000]), 1000, 'a fifth of a configured interval');
  });
});

describe('resources: in pipeline.yaml', () => {
  it('are kept on the stage and left out of what is hashed', () => {
    const p = resolveText('stages:\n  train:\n    cmd: python train.py\n    resources: {cpus: 8, mem: 32G, gpus: 1, time: "02:00:00", partition: gpu}\n');
    assert.deepEqual(stage(p, 'train').resources, { cpus: 8, mem: '32G', gpus: 1, time: '02:00:00', partition: 'gpu' });
  });

  it('are checked by the schema, with the line and column of the mistake', () => {
    const errors = userErrors(() => resolveText('stages:\n  train:\n    cmd: x\n    resources:\n      cpu: 8\n      mem: lots\n'));
    const text = errors.map((e) => e.format()).join('\n');
    assert.match(text, /pipeline\.yaml:5:7: .*cpu.*did you mean 'cpus'/);
    assert.match(text, /pipeline\.yaml:6:12: .*mem/);
  });
});

describe('executor settings', () => {
  const temps: string[] = [];
  after(async () => {
    for (const t of temps) await rm(t, { recursive: true, force: true });
  });
  const root = async (files: Record<string, string>) => {
    const dir = await mkdtemp(join(tmpdir(), 'dvc-ts-exec-'));
    temps.push(dir);
    await execa('mkdir', ['-p', join(dir, '.dvc-ts')]);
    for (const [name, text] of Object.entries(files)) await writeFile(join(dir, '.dvc-ts', name), text);
    return dir;
  };

  it('come from the command line, else config.local.yaml, else config.yaml; slurm keys merge, the local file last', async () => {
    const dir = await root({
      'config.yaml': 'executor: slurm\nslurm:\n  partition: main\n  account: lab\n  sbatch_args: [--exclusive]\n',
      'config.local.yaml': 'executor: local\nslurm:\n  account: me\n  poll_interval: 2\n',
    });
    assert.equal(await executorName(dir, { ...DEFAULT_CONFIG, executor: 'slurm' }, undefined), 'local');
    assert.equal(await executorName(dir, DEFAULT_CONFIG, 'slurm'), 'slurm');
    assert.deepEqual(await readSlurmSettings(dir), { partition: 'main', account: 'me', sbatchArgs: ['--exclusive'], pollMs: 2000 });
  });

  it('refuse unknown names and options, pointing at the line', async () => {
    assert.throws(() => checkExecutorName('kubernetes'), /unknown executor 'kubernetes'/);
    const dir = await root({ 'config.yaml': 'slurm:\n  partition: main\n  acount: lab\n' });
    await assert.rejects(readSlurmSettings(dir), (e: Error & { format?: () => string }) => /^\.dvc-ts\/config\.yaml:3:3: unknown slurm option 'acount'/.test(e.format?.() ?? ''));
  });
});

describe('local executor: resources.cpus counts against -j', () => {
  it('the scheduler never runs more slots at once than -j allows', async () => {
    const stages = ['a', 'b', 'c', 'd'].map((name) => stageWith({ name }));
    const graph = buildGraph(stages);
    const weight: Record<string, number> = { a: 2, b: 1, c: 1, d: 2 };
    let inUse = 0;
    let peak = 0;
    const order: string[] = [];
    await schedule(graph, ['a', 'b', 'c', 'd'], 2, async (name) => {
      inUse += weight[name]!;
      peak = Math.max(peak, inUse);
      order.push(name);
      await new Promise((r) => setImmediate(r));
      inUse -= weight[name]!;
      return name;
    }, (name) => weight[name]!);
    assert.equal(peak, 2);
    assert.deepEqual(order, ['a', 'b', 'c', 'd'], 'a stage that needs more than is free waits; nothing overtakes it');
  });

  it('two stages asking for 2 cpus each never overlap under -j 2', async () => {
    // Each stage takes a directory as a mutex: if both ran at once, one mkdir would fail.
    const both = (n: string) => `  ${n}:\n    cmd: mkdir held && sleep 1 && rmdir held && echo ${n} > ${n}.txt\n    outs: [${n}.txt]\n    resources: {cpus: 2}\n`;
    const repo = await TempRepo.create({ 'pipeline.yaml': `stages:\n${both('one')}${both('two')}` });
    try {
      const r = await repo.run(['repro', '-j', '2']);
      assert.equal(r.code, 0, r.all);
      assert.equal(await repo.read('one.txt'), 'one\n');
      assert.equal(await repo.read('two.txt'), 'two\n');
    } finally {
      await repo.remove();
    }
  });
});
