import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { TempRepo } from '../helpers/repo.js';

const PIPELINE = `stages:
  train:
    cmd: |-
      mkdir -p metrics && echo "{\\"acc\\": \${acc}}" > metrics/train.json && echo "model \${acc}" > model.bin
    params: [acc]
    outs: [model.bin]
    metrics:
      - metrics/train.json:
          cache: false
  gate:
    cmd: echo gated > gated.txt
    deps: [model.bin]
    outs: [gated.txt]
    when:
      file: metrics/train.json
      if: acc > 0.95
`;

describe('committing results', () => {
  test('repro --commit --branch creates the branch with the results and a message with the metrics diff', async () => {
    const repo = await TempRepo.create({ 'pipeline.yaml': PIPELINE, 'params.yaml': 'acc: 0.9\n' });
    try {
      assert.equal((await repo.run(['repro'])).code, 0);
      await repo.git('add', '-A');
      await repo.git('commit', '-qm', 'first run');
      await repo.write({ 'params.yaml': 'acc: 0.97\n' });
      const r = await repo.run(['repro', '--commit', '--branch', 'retrain/x', '-m', 'Retrain after drift']);
      assert.equal(r.code, 0, r.all);
      assert.equal(await repo.git('rev-parse', '--abbrev-ref', 'HEAD'), 'retrain/x');
      assert.equal(await repo.git('status', '--porcelain'), '', 'the work tree is clean');
      const files = (await repo.git('show', '--name-only', '--format=', 'HEAD')).split('\n').sort();
      // .gitignore gains /gated.txt: the gated stage ran for the first time.
      assert.deepEqual(files, ['.gitignore', 'metrics/train.json', 'params.yaml', 'pipeline.lock']);
      const message = await repo.git('log', '-1', '--format=%B');
      assert.match(message, /^Retrain after drift\n/);
      assert.match(message, /Stages changed since the parent commit: train, gate/);
      assert.match(message, /gate: open \(acc = 0\.97\)/);
      assert.match(message, /\| metrics\/train\.json \| acc \| 0\.9 \| 0\.97 \| \+0\.07 \|/);
      // The table's columns are the two sides the heading names, not HEAD and the workspace.
      assert.match(message, /Metrics \(HEAD -> this commit\):\n\n\| Path \| Metric \| HEAD \| this commit \| Change \|/);
      // Cached outs' bytes never go into git.
      assert.equal(await repo.git('ls-files', 'model.bin', 'gated.txt'), '');
      assert.equal(await repo.git('rev-parse', 'main'), await repo.git('rev-parse', 'HEAD~1'), 'main is where it was');
    } finally {
      await repo.remove();
    }
  });

  test('refuses when other changes are staged by hand, and when there is nothing to commit', async () => {
    const repo = await TempRepo.create({ 'pipeline.yaml': PIPELINE, 'params.yaml': 'acc: 0.9\n', 'notes.txt': 'a\n' });
    try {
      assert.equal((await repo.run(['repro'])).code, 0);
      await repo.git('add', 'notes.txt');
      const r = await repo.run(['commit']);
      assert.equal(r.code, 1, r.all);
      assert.match(r.stderr, /refusing to commit: other changes are staged \(notes\.txt\)/);
      await repo.git('reset', '-q');
      const ok = await repo.run(['commit', '-m', 'results']);
      assert.equal(ok.code, 0, ok.all);
      assert.equal(await repo.git('log', '-1', '--format=%s'), 'results');
      assert.match(await repo.git('status', '--porcelain'), /^\?\? notes\.txt$/);
      const again = await repo.run(['commit']);
      assert.equal(again.code, 1);
      assert.match(again.stderr, /nothing to commit/);
    } finally {
      await repo.remove();
    }
  });

  test('after git checkout of an older commit, dvc-ts checkout restores its outputs byte for byte', async () => {
    const repo = await TempRepo.create({ 'pipeline.yaml': PIPELINE, 'params.yaml': 'acc: 0.9\n' });
    try {
      assert.equal((await repo.run(['repro', '--commit', '-m', 'v1'])).code, 0);
      await repo.write({ 'params.yaml': 'acc: 0.99\n' });
      assert.equal((await repo.run(['repro', '--commit', '-m', 'v2'])).code, 0);
      assert.equal(await repo.read('model.bin'), 'model 0.99\n');
      await repo.git('checkout', '-q', 'HEAD~1');
      const r = await repo.run(['checkout']);
      assert.equal(r.code, 0, r.all);
      assert.equal(await repo.read('model.bin'), 'model 0.9\n');
      assert.equal((await repo.run(['status', '-q'])).code, 0, 'the workspace matches the old lock');
      await repo.git('checkout', '-q', 'main');
      assert.equal((await repo.run(['checkout'])).code, 0);
      assert.equal(await repo.read('model.bin'), 'model 0.99\n');
    } finally {
      await repo.remove();
    }
  });

  test('repro --commit keeps the message under 4 KB: the decisions, then as many metric changes as fit and a count of the rest', async () => {
    // 300 metrics change at once: the full diff would be about 12 KB.
    const pipeline = `stages:
  train:
    cmd: node -e "const o={};for(let i=0;i<300;i++)o['metric_'+i]=\${acc}+i;require('fs').writeFileSync('metrics.json',JSON.stringify(o))"
    params: [acc]
    metrics:
      - metrics.json:
          cache: false
  gate:
    cmd: echo gated > gated.txt
    outs: [gated.txt]
    when:
      file: metrics.json
      if: metric_0 > 0.95
`;
    const repo = await TempRepo.create({ 'pipeline.yaml': pipeline, 'params.yaml': 'acc: 0.9\n' });
    try {
      assert.equal((await repo.run(['repro'])).code, 0);
      await repo.git('add', '-A');
      await repo.git('commit', '-qm', 'first run');
      await repo.write({ 'params.yaml': 'acc: 0.97\n' });
      const r = await repo.run(['repro', '--commit', '-m', 'Many metrics']);
      assert.equal(r.code, 0, r.all);
      const message = await repo.git('log', '-1', '--format=%B');
      assert.ok(Buffer.byteLength(message) < 4096, `${Buffer.byteLength(message)} bytes`);
      assert.match(message, /gate: open \(metric_0 = 0\.97\)/, 'the decisions are kept');
      assert.match(message, /\| metrics\.json \| metric_0 \| 0\.9 \| 0\.97 \| \+0\.07 \|/);
      const kept = message.split('\n').filter((l) => /^\| metrics\.json \| metric_\d+ /.test(l)).length;
      const leftOut = Number(/… (\d+) more changed metrics left out/.exec(message)?.[1]);
      assert.ok(kept > 10, `${kept} rows kept`);
      assert.equal(kept + leftOut, 300, 'every changed metric is either shown or counted');
    } finally {
      await repo.remove();
    }
  });
});
