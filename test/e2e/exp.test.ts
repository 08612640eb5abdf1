import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtemp, readdir, readFile, rename, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { execa } from 'execa';
import { CLI, TempRepo, waitFor } from '../helpers/repo.js';

// prepare ─► train ─► evaluate; each command appends its name to $MARK, a file outside every
// workspace, so the test counts real runs across the experiments' temporary workspaces.
const PIPELINE = `stages:
  prepare:
    cmd: echo prepare >> "$MARK" && seq 1 \${prep.size} > data.txt
    params: [prep.size]
    outs: [data.txt]
  train:
    cmd: sh train.sh \${train.a}
    deps: [train.sh, data.txt]
    params: [train]
    outs: [model.txt]
  evaluate:
    cmd: sh evaluate.sh \${evaluate.scale}
    deps: [evaluate.sh, model.txt]
    outs: [report.txt]
    metrics:
      - metrics.json:
          cache: false
`;
const TRAIN = `echo train >> "$MARK"
echo "$1 $(wc -l < data.txt)" > model.txt
`;
const EVALUATE = `echo evaluate >> "$MARK"
a=$(cut -d' ' -f1 model.txt)
printf '{"score": %s}\\n' $((a * 10 + $1)) > metrics.json
echo "a=$a scale=$1" > report.txt
`;
const PARAMS = `# Experiment test params (this comment must survive).
prep:
  size: 5
train:
  a: 0 # the knob
  b: 2
evaluate:
  scale: 0
`;
const OUTPUTS = ['data.txt', 'model.txt', 'metrics.json', 'report.txt', 'pipeline.lock'];

interface ShownExperiment {
  name: string;
  commit: string;
  params: Record<string, Record<string, unknown>>;
  metrics: Record<string, Record<string, unknown>>;
  deltas: Record<string, Record<string, number>>;
}
interface ShowJson {
  baseline: { name: string; metrics: Record<string, Record<string, unknown>> };
  experiments: ShownExperiment[];
  queued: { name: string; running: boolean; state: string; error?: string }[];
}

describe('exp: a 3 × 2 grid queued and run with -j 2', () => {
  let repo: TempRepo;
  let markDir: string;
  let env: Record<string, string>;
  const marks = async () => {
    const lines = (await readFile(join(markDir, 'marks'), 'utf8').catch(() => '')).split('\n').filter(Boolean);
    return { prepare: lines.filter((l) => l === 'prepare').length, train: lines.filter((l) => l === 'train').length, evaluate: lines.filter((l) => l === 'evaluate').length };
  };
  const show = async (...args: string[]): Promise<ShowJson> => {
    const r = await repo.run(['exp', 'show', '--json', ...args], { env });
    assert.equal(r.code, 0, r.all);
    return JSON.parse(r.stdout) as ShowJson;
  };
  let headBefore: string;

  before(async () => {
    markDir = await mkdtemp(join(tmpdir(), 'dvc-ts-exp-marks-'));
    env = { MARK: join(markDir, 'marks') };
    repo = await TempRepo.create({ 'pipeline.yaml': PIPELINE, 'params.yaml': PARAMS, 'train.sh': TRAIN, 'evaluate.sh': EVALUATE });
    assert.equal((await repo.run(['init'], { env })).code, 0);
    const r = await repo.run(['repro'], { env });
    assert.equal(r.code, 0, r.all);
    await repo.git('add', '-A');
    await repo.git('commit', '-q', '-m', 'baseline');
    headBefore = await repo.git('rev-parse', 'HEAD');
  });
  after(async () => {
    await repo.remove();
    await rm(markDir, { recursive: true, force: true });
  });

  test('queue, run all: 6 experiments with their params and metrics; params file, HEAD and branches unchanged; unchanged stages not rerun', async () => {
    assert.deepEqual(await marks(), { prepare: 1, train: 1, evaluate: 1 });
    const queued = await repo.run(['exp', 'run', '--queue', '-S', 'train.a=1,2,3', '-S', 'evaluate.scale=1,2'], { env });
    assert.equal(queued.code, 0, queued.all);
    assert.equal((await show()).queued.length, 6);
    assert.deepEqual(await marks(), { prepare: 1, train: 1, evaluate: 1 }, 'queueing runs nothing');

    const ran = await repo.run(['exp', 'run', '--run-all', '-j', '2'], { env });
    assert.equal(ran.code, 0, ran.all);
    const report = await show();
    assert.equal(report.queued.length, 0);
    assert.equal(report.experiments.length, 6);
    const combos = report.experiments.map((e) => [e.params['params.yaml']!['train.a'], e.params['params.yaml']!['evaluate.scale'], e.metrics['metrics.json']!['score']]);
    assert.deepEqual(
      combos.sort((x, y) => Number(x[2]) - Number(y[2])),
      [[1, 1, 11], [1, 2, 12], [2, 1, 21], [2, 2, 22], [3, 1, 31], [3, 2, 32]],
    );
    for (const e of report.experiments) assert.equal(e.deltas['metrics.json']!['score'], e.metrics['metrics.json']!['score'], 'baseline score is 0');
    assert.equal(await repo.read('params.yaml'), PARAMS, "the user's params file is untouched");
    assert.equal(await repo.git('rev-parse', 'HEAD'), headBefore, 'HEAD did not move');
    assert.equal(await repo.git('status', '--porcelain'), '', 'nothing in the work tree changed');
    assert.equal((await repo.git('branch', '--list')).trim(), '* main');
    const refs = (await repo.git('for-each-ref', '--format=%(refname)', 'refs/exps')).split('\n').filter(Boolean);
    assert.equal(refs.length, 6);
    // prepare's inputs never changed: it ran once, for the baseline. train ran once per value of
    // train.a (its other 3 runs were restored from the shared run-cache); evaluate once each.
    assert.deepEqual(await marks(), { prepare: 1, train: 1 + 3, evaluate: 1 + 6 });
  });

  test('the experiment commit holds the params set with comments kept, the lock and the metrics', async () => {
    const best = (await show('--sort-by', 'score', '--sort-order', 'desc')).experiments[0]!;
    const params = await repo.git('show', `${best.commit}:params.yaml`);
    assert.match(params, /# Experiment test params \(this comment must survive\)\./);
    assert.match(params, /a: 3 # the knob/);
    assert.equal(await repo.git('show', `${best.commit}:metrics.json`), '{"score": 32}');
    assert.match(await repo.git('show', `${best.commit}:pipeline.lock`), /report\.txt/);
    assert.equal(await repo.git('rev-parse', `${best.commit}^`), headBefore, 'its parent is the baseline');
  });

  test('text and markdown tables show every experiment with deltas; exp diff compares two', async () => {
    const text = await repo.run(['exp', 'show', '--md', '--sort-by', 'score', '--sort-order', 'desc'], { env });
    assert.equal(text.code, 0, text.all);
    const lines = text.stdout.trim().split('\n');
    assert.equal(lines.length, 2 + 1 + 6, text.stdout);
    // Metric columns name their file; model.txt is a dependency whose hash differs between rows.
    assert.match(lines[0]!, /\| Experiment \| Created \| metrics\.json:score \| train\.a \| evaluate\.scale \| model\.txt \|/);
    assert.match(lines[3]!, /\| 32 \(\+32\) \| 3 \| 2 \| [0-9a-f]{8} \|/);
    const names = (await show('--sort-by', 'score')).experiments.map((e) => e.name);
    const diff = await repo.run(['exp', 'diff', names[0]!, names[5]!, '--json'], { env });
    assert.equal(diff.code, 0, diff.all);
    const parsed = JSON.parse(diff.stdout) as { params: Record<string, Record<string, { old: number; new: number }>>; metrics: Record<string, Record<string, { old: number; new: number; diff: number }>> };
    assert.deepEqual(parsed.metrics['metrics.json']!['score'], { old: 11, new: 32, diff: 21 });
    assert.deepEqual(parsed.params['params.yaml']!['train.a'], { old: 1, new: 3, diff: 2 });
  });

  test('gc keeps what experiments use; exp apply of the best gives the bytes of a plain repro with its params', async () => {
    const gc = await repo.run(['gc', '--workspace'], { env });
    assert.equal(gc.code, 0, gc.all);
    const best = (await show('--sort-by', 'score', '--sort-order', 'desc')).experiments[0]!;
    const applied = await repo.run(['exp', 'apply', best.name], { env });
    assert.equal(applied.code, 0, applied.all);
    assert.match(await repo.read('params.yaml'), /a: 3 # the knob/);
    const status = await repo.run(['status'], { env });
    assert.equal(status.code, 0, status.all);
    assert.match(status.stdout, /up to date/i);

    // The same params by hand in a fresh clone, and a plain repro.
    const clone = await mkdtemp(join(tmpdir(), 'dvc-ts-exp-clone-'));
    try {
      await execa('git', ['clone', '-q', repo.root, clone]);
      const plainParams = PARAMS.replace('a: 0 # the knob', 'a: 3 # the knob').replace('scale: 0', 'scale: 2');
      await execa('sh', ['-c', `cat > params.yaml`], { cwd: clone, input: plainParams });
      const plain = await execa(process.execPath, [CLI, 'repro'], { cwd: clone, reject: false, all: true, env: { ...env, CI: 'true' } });
      assert.equal(plain.exitCode, 0, String(plain.all));
      for (const out of [...OUTPUTS, 'params.yaml']) {
        assert.deepEqual(await readFile(repo.path(out)), await readFile(join(clone, out)), `${out} is byte-identical`);
      }
    } finally {
      await rm(clone, { recursive: true, force: true });
    }
  });

  test('exp apply refuses to overwrite a params file edited by hand', async () => {
    const names = (await show()).experiments.map((e) => e.name);
    await repo.write({ 'params.yaml': PARAMS.replace('size: 5', 'size: 6') });
    const r = await repo.run(['exp', 'apply', names[0]!], { env });
    assert.equal(r.code, 1, r.all);
    assert.match(r.stderr, /would overwrite .*params\.yaml/);
    assert.match(await repo.read('params.yaml'), /size: 6/, 'nothing was written');
    await repo.git('checkout', '--', '.');
  });

  test('exp branch makes a branch at the experiment; exp remove deletes refs; bad input is a clear error', async () => {
    const [first, second] = (await show()).experiments;
    const b = await repo.run(['exp', 'branch', first!.name, 'tuned'], { env });
    assert.equal(b.code, 0, b.all);
    assert.equal(await repo.git('rev-parse', 'tuned'), first!.commit);
    assert.equal(await repo.git('rev-parse', 'HEAD'), headBefore);
    const rm1 = await repo.run(['exp', 'remove', second!.name], { env });
    assert.equal(rm1.code, 0, rm1.all);
    assert.equal((await show()).experiments.length, 5);
    const typo = await repo.run(['exp', 'run', '-S', 'train.aa=1'], { env });
    assert.equal(typo.code, 2, typo.all);
    assert.match(typo.stderr, /params\.yaml has no key 'train\.aa'/);
    const unknown = await repo.run(['exp', 'apply', 'nope'], { env });
    assert.notEqual(unknown.code, 0);
    assert.match(unknown.stderr, /no experiment named 'nope'/);
  });

  test('a failing experiment exits 1, is not saved, and is listed as failed with its error and its log until removed', async () => {
    const before = (await show()).experiments.length;
    const r = await repo.run(['exp', 'run', '-n', 'broken', '-S', 'prep.size=abc'], { env });
    assert.equal(r.code, 1, r.all);
    assert.match(r.stdout, /\[broken\] failed: stage 'prepare' failed/);
    const report = await show();
    assert.equal(report.experiments.length, before);
    assert.deepEqual(report.queued.map((q) => [q.name, q.state, q.running]), [['broken', 'failed', false]]);
    assert.match(report.queued[0]!.error!, /stage 'prepare' failed/);
    const table = await repo.run(['exp', 'show'], { env });
    assert.match(table.stdout, /broken .*Failed/);
    assert.doesNotMatch(table.stdout, /Queued/);
    const logs = await repo.run(['queue', 'logs', 'broken'], { env });
    assert.equal(logs.code, 0, logs.all);
    assert.match(logs.stdout, /seq: invalid floating point argument/, 'the log holds what the stage printed');
    const status = await repo.run(['queue', 'status'], { env });
    assert.match(status.stdout, /broken\s+\S+ \S+\s+Failed/);
    // --run-all does not run it again; --hide-failed leaves it out.
    const again = await repo.run(['exp', 'run', '--run-all'], { env });
    assert.equal(again.code, 0, again.all);
    assert.deepEqual((await show('--hide-failed')).queued, []);
    assert.equal(await repo.read('params.yaml'), PARAMS);
    const removed = await repo.run(['exp', 'remove', '--queue'], { env });
    assert.equal(removed.code, 0, removed.all);
    assert.deepEqual((await show()).queued, []);
    assert.equal((await repo.run(['queue', 'logs', 'broken'], { env })).code, 2, 'its log went with it');
  });
});

describe('exp: interrupted', () => {
  test('Ctrl-C during run-all stops the stages, saves nothing, keeps the queue and removes the temporary workspaces', async () => {
    const markDir = await mkdtemp(join(tmpdir(), 'dvc-ts-exp-int-'));
    const tmp = join(markDir, 'tmp');
    const env = { MARK: join(markDir, 'marks') };
    const repo = await TempRepo.create({
      'pipeline.yaml': 'stages:\n  slow:\n    cmd: echo start >> "$MARK" && sleep 30 && echo end >> "$MARK" && echo ${x} > out.txt\n    params: [x]\n    outs: [out.txt]\n',
      'params.yaml': 'x: 0\n',
    });
    try {
      assert.equal((await repo.run(['init'])).code, 0);
      await repo.git('add', '-A');
      await repo.git('commit', '-q', '-m', 'baseline');
      assert.equal((await repo.run(['exp', 'run', '--queue', '-S', 'x=1,2'], { env })).code, 0);
      await execa('mkdir', ['-p', tmp]);
      const child = execa(process.execPath, [CLI, 'exp', 'run', '--run-all', '-j', '2'], { cwd: repo.root, reject: false, all: true, env: { ...env, TMPDIR: tmp, CI: 'true' } });
      await waitFor(async () => (await readFile(env.MARK, 'utf8').catch(() => '')).split('\n').filter((l) => l === 'start').length === 2, 'both experiments to start');
      child.kill('SIGINT');
      const r = await child;
      assert.equal(r.exitCode, 130, String(r.all));
      assert.doesNotMatch(await readFile(env.MARK, 'utf8'), /end/, 'the stages were stopped');
      assert.deepEqual(await readdir(tmp), [], 'no temporary workspace left behind');
      const show = await repo.run(['exp', 'show', '--json']);
      const report = JSON.parse(show.stdout) as ShowJson;
      assert.equal(report.experiments.length, 0);
      assert.equal(report.queued.length, 2, 'both stay queued');
      assert.ok(report.queued.every((q) => !q.running));
      assert.equal(await repo.read('params.yaml'), 'x: 0\n');
      // A run killed outright (SIGKILL) leaves its claim on an entry: the next reader puts it back.
      const dir = repo.path('.dvc-ts/exps/queue');
      const [first] = (await readdir(dir)).filter((n) => n.endsWith('.json'));
      await rename(join(dir, first!), join(dir, `${first}.running.999999999`));
      const again = JSON.parse((await repo.run(['exp', 'show', '--json'])).stdout) as ShowJson;
      assert.deepEqual(again.queued.map((q) => q.running), [false, false]);
      assert.ok((await readdir(dir)).includes(first!));
    } finally {
      await repo.remove();
      await rm(markDir, { recursive: true, force: true });
    }
  });
});

describe('exp: a queued experiment runs on the workspace as it was when queued', () => {
  test('edits after queueing do not reach it; gc keeps what its snapshot needs; the snapshot goes once it ran', async () => {
    const markDir = await mkdtemp(join(tmpdir(), 'dvc-ts-exp-snap-'));
    const env = { MARK: join(markDir, 'marks') };
    const script = (n: number) => `echo $(( $1 * 10 + ${n} ))\n`;
    const repo = await TempRepo.create({
      'pipeline.yaml': 'stages:\n  s:\n    cmd: echo s >> "$MARK" && sh run.sh ${x} > o.txt\n    deps: [run.sh]\n    params: [x]\n    outs: [o.txt]\n  m:\n    cmd: sh m.sh\n    deps: [m.sh, o.txt]\n    metrics:\n      - m.json:\n          cache: false\n',
      'params.yaml': 'x: 1\n',
      'run.sh': script(1),
      'm.sh': `printf '{"v": %s}\\n' "$(cat o.txt)" > m.json\n`,
    });
    const runs = async () => (await readFile(env.MARK, 'utf8').catch(() => '')).split('\n').filter(Boolean).length;
    try {
      assert.equal((await repo.run(['init'], { env })).code, 0);
      assert.equal((await repo.run(['repro'], { env })).code, 0);
      await repo.git('add', '-A');
      await repo.git('commit', '-q', '-m', 'baseline');
      const baseline = await repo.git('rev-parse', 'HEAD');
      // An uncommitted edit, then queue: the experiment must run with this version of run.sh.
      await repo.write({ 'run.sh': script(2) });
      assert.equal((await repo.run(['repro'], { env })).code, 0);
      const queued = await repo.run(['exp', 'run', '--queue', '-n', 'q'], { env });
      assert.equal(queued.code, 0, queued.all);
      // Later edits and a repro: the workspace lock now names other bytes for o.txt, and gc
      // (workspace scope) must still keep the o.txt the queued experiment's lock names.
      await repo.write({ 'run.sh': script(3) });
      assert.equal((await repo.run(['repro'], { env })).code, 0);
      assert.equal(await runs(), 3);
      const gc = await repo.run(['gc', '--workspace'], { env });
      assert.equal(gc.code, 0, gc.all);

      const ran = await repo.run(['exp', 'run', '--run-all'], { env });
      assert.equal(ran.code, 0, ran.all);
      assert.equal(await runs(), 3, 's was restored from the cache for the experiment, not run again');
      const [exp] = (JSON.parse((await repo.run(['exp', 'show', '--json'])).stdout) as ShowJson).experiments;
      assert.equal(exp!.metrics['m.json']!['v'], 12, 'run.sh as it was when queued (13 would be the later edit)');
      assert.equal(await repo.git('show', `${exp!.commit}:run.sh`), script(2).trimEnd());
      assert.equal(await repo.git('rev-parse', `${exp!.commit}^`), baseline);
      assert.equal(await repo.read('run.sh'), script(3), 'the workspace keeps its own edit');
      assert.deepEqual(await readdir(repo.path('.dvc-ts/exps/snapshots')), [], 'the snapshot is removed once its experiment ran');
    } finally {
      await repo.remove();
      await rm(markDir, { recursive: true, force: true });
    }
  });
});
