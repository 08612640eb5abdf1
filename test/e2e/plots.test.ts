import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { readFile, rm } from 'node:fs/promises';
import { copyFlagshipAfterRepro } from '../../bench/serve/fixture.js';
import { PROJECT_ROOT, TempRepo } from '../helpers/repo.js';
import { chromiumSkip, renderedDom } from '../helpers/chromium.js';

// A stage writes a loss curve scaled by a param (a cached plot out, so at old revisions it is
// read through the lock and the cache); another writes an uncached JSON file in git that a
// top-level plot reads.
const PIPELINE = `stages:
  train:
    cmd: sh make_loss.sh \${train.scale}
    deps: [make_loss.sh]
    params: [train.scale]
    plots:
      - logs/loss.csv:
          x: step
          y: loss
          title: Training loss
  evaluate:
    cmd: echo '{"history":[{"epoch":1,"acc":0.5},{"epoch":2,"acc":\${train.acc}}]}' > eval/acc.json
    params: [train.acc]
    metrics:
      - eval/acc.json:
          cache: false
plots:
  - accuracy:
      x: epoch
      y:
        eval/acc.json: acc
      template: scatter
      title: Accuracy
`;

const MAKE_LOSS = `mkdir -p logs
awk -v s="$1" 'BEGIN { print "step,loss"; for (i = 0; i < 4; i++) print i "," s / (i + 1) }' > logs/loss.csv
`;

/** Marks drawn in each chart section: one per bar or point, one per line (Vega's SVG mark groups). */
function marksPerChart(dom: string): { title: string; marks: number; byKind: Record<string, number> }[] {
  const sections = dom.split('<section class="plot').slice(1);
  return sections.map((section) => {
    const title = /<h2>([^<]*)<\/h2>/.exec(section)?.[1] ?? '?';
    const byKind: Record<string, number> = {};
    for (const g of section.matchAll(/<g class="mark-(symbol|rect|line|area) role-mark[^"]*"[^>]*>(.*?)<\/g>/gs)) {
      byKind[g[1]!] = (byKind[g[1]!] ?? 0) + (g[2]!.match(/<path/g) ?? []).length;
    }
    return { title, marks: Object.values(byKind).reduce((a, b) => a + b, 0), byKind };
  });
}

/** The text of every <text> element inside the rendered SVG of each chart section. */
function chartTexts(dom: string): string[][] {
  const sections = dom.split('<section class="plot').slice(1);
  return sections.map((s) => [...s.matchAll(/<text[^>]*>([^<]*)<\/text>/g)].map((m) => m[1]!));
}

describe('plots diff between two commits', () => {
  let repo: TempRepo;

  before(async () => {
    repo = await TempRepo.create({
      'pipeline.yaml': PIPELINE,
      'params.yaml': 'train:\n  scale: 10\n  acc: 0.6\n',
      'make_loss.sh': MAKE_LOSS,
      'eval/.keep': '',
    });
    const first = await repo.run(['repro']);
    assert.equal(first.code, 0, first.all);
    await repo.git('add', '-A');
    await repo.git('commit', '-q', '-m', 'scale 10');
    await repo.write({ 'params.yaml': 'train:\n  scale: 20\n  acc: 0.8\n', 'extra.csv': 'x,y\n1,2\n' });
    const second = await repo.run(['repro']);
    assert.equal(second.code, 0, second.all);
    await repo.git('add', '-A');
    await repo.git('commit', '-q', '-m', 'scale 20');
  });
  after(async () => repo.remove());

  test('--json: each revision’s data, the cached plot read through that revision’s lock', async () => {
    const r = await repo.run(['plots', 'diff', 'HEAD~1', 'HEAD', '--json']);
    assert.equal(r.code, 0, r.all);
    const report = JSON.parse(r.stdout) as { revisions: string[]; plots: { id: string; revisions: string[]; problems: unknown[]; spec: { data: { values: Record<string, unknown>[] } } }[] };
    assert.deepEqual(report.revisions, ['HEAD~1', 'HEAD']);
    assert.deepEqual(report.plots.map((p) => p.id), ['accuracy', 'logs/loss.csv']);
    for (const plot of report.plots) {
      assert.deepEqual(plot.revisions, ['HEAD~1', 'HEAD']);
      assert.deepEqual(plot.problems, []);
    }
    const loss = report.plots[1]!.spec.data.values.filter((v) => v['step'] === 0).map((v) => [v['rev'], v['loss']]);
    assert.deepEqual(loss, [
      ['HEAD~1', 10],
      ['HEAD', 20],
    ]);
    const acc = report.plots[0]!.spec.data.values.filter((v) => v['epoch'] === 2).map((v) => [v['rev'], v['acc']]);
    assert.deepEqual(acc, [
      ['HEAD~1', 0.6],
      ['HEAD', 0.8],
    ]);
  });

  test('a plot file missing at a revision is reported, not fatal', async () => {
    const r = await repo.run(['plots', 'diff', 'HEAD~1', 'HEAD', '--targets', 'extra.csv', '-o', 'extra.html']);
    assert.equal(r.code, 0, r.all);
    assert.match(r.stderr, /warning: extra\.csv: HEAD~1: extra\.csv: file not found at this revision/);
    const html = await repo.read('extra.html');
    assert.match(html, /<li>HEAD~1: extra\.csv: file not found at this revision<\/li>/);
  });

  test('an unknown revision is a clear error', async () => {
    const r = await repo.run(['plots', 'diff', 'nope', 'HEAD']);
    assert.equal(r.code, 2);
    assert.match(r.stderr, /unknown revision 'nope'/);
  });

  test('plots show writes dvc_plots/index.html for the workspace', async () => {
    const r = await repo.run(['plots', 'show']);
    assert.equal(r.code, 0, r.all);
    assert.equal(r.stdout.trim(), repo.path('dvc_plots/index.html'));
    const html = await repo.read('dvc_plots/index.html');
    assert.match(html, /<span class="rev">workspace<\/span>/);
    assert.equal(html.match(/<div class="chart" data-spec=/g)?.length, 2);
  });

  test('HTML of the diff renders in headless Chromium: one chart per plot, both revisions in each legend (skipped when chromium is not installed)', async (t) => {
    const r = await repo.run(['plots', 'diff', 'HEAD~1', 'HEAD', '-o', 'out.html']);
    assert.equal(r.code, 0, r.all);
    assert.equal(r.stdout.trim(), repo.path('out.html'));
    const html = await readFile(repo.path('out.html'), 'utf8');
    assert.doesNotMatch(html, /<script[^>]+src=/i);
    assert.doesNotMatch(html, /<link[^>]+href=/i);
    if (chromiumSkip) {
      t.skip(chromiumSkip);
      return;
    }
    const dom = await renderedDom(repo.path('out.html'));
    assert.doesNotMatch(dom, /class="chart render-error"/);
    const svgs = dom.match(/<svg[^>]*class="marks"/g) ?? [];
    assert.equal(svgs.length, 2, 'one rendered chart per plot');
    const texts = chartTexts(dom);
    assert.equal(texts.length, 2);
    for (const t of texts) {
      assert.ok(t.includes('HEAD~1'), `legend lacks HEAD~1: ${t.join('|')}`);
      assert.ok(t.includes('HEAD'), `legend lacks HEAD: ${t.join('|')}`);
    }
    assert.ok(texts[0]!.includes('Accuracy'));
    assert.ok(texts[1]!.includes('Training loss'));
  });
});

describe('plots in a repository without commits', () => {
  let repo: TempRepo;
  before(async () => {
    repo = await TempRepo.create({ 'pipeline.yaml': 'plots:\n  - curve.csv:\n      y: v\n', 'curve.csv': 'v\n3\n1\n' });
  });
  after(async () => repo.remove());

  test('diff without revisions shows the workspace alone', async () => {
    const r = await repo.run(['plots', 'diff', '--json']);
    assert.equal(r.code, 0, r.all);
    const report = JSON.parse(r.stdout) as { revisions: string[]; plots: { id: string; spec: { data: { values: unknown[] } } }[] };
    assert.deepEqual(report.revisions, ['workspace']);
    assert.deepEqual(report.plots[0]!.spec.data.values, [
      { v: 3, step: 0, rev: 'workspace' },
      { v: 1, step: 1, rev: 'workspace' },
    ]);
  });

  test('show of a file no plot declares plots it as is; -o to a directory writes index.html there', async () => {
    await repo.write({ 'other.json': '{"points": [{"a": 1, "b": 2}]}', 'out/.keep': '' });
    const r = await repo.run(['plots', 'show', 'other.json', '-o', 'out']);
    assert.equal(r.code, 0, r.all);
    assert.equal(r.stdout.trim(), repo.path('out/index.html'));
    const html = await repo.read('out/index.html');
    assert.match(html, /<h2>other\.json<\/h2>/);
    assert.doesNotMatch(html, /<h2>curve\.csv<\/h2>/);
  });
});

describe('plots of the flagship example, as a person sees them', () => {
  let repo: TempRepo;
  before(async () => {
    repo = await TempRepo.create();
    await copyFlagshipAfterRepro(PROJECT_ROOT, repo.root);
    // Without the project's ignores the copy brings along, so the test below sees whether
    // dvc_plots/ ignores itself.
    await rm(repo.path('.gitignore'));
  });
  after(async () => repo.remove());

  test('plots show: every chart draws more than 5 marks, no warning; the page is git-ignored (Chromium; skipped without it)', async (t) => {
    const r = await repo.run(['plots', 'show']);
    assert.equal(r.code, 0, r.all);
    assert.equal(r.stderr, '', 'no warnings');
    assert.equal(await repo.git('status', '--porcelain', '--untracked-files=all', '--', 'dvc_plots'), '', 'dvc_plots/ is ignored');
    if (chromiumSkip) {
      t.skip(chromiumSkip);
      return;
    }
    const dom = await renderedDom(repo.path('dvc_plots/index.html'));
    assert.doesNotMatch(dom, /class="chart render-error"/);
    const charts = marksPerChart(dom);
    assert.equal(charts.length, 3, charts.map((c) => c.title).join(', '));
    for (const c of charts) assert.ok(c.marks > 5, `'${c.title}' draws ${c.marks} marks`);
    const byTitle = (start: string) => charts.find((c) => c.title.startsWith(start))!.byKind;
    assert.deepEqual(byTitle('Hyperparameter search'), { line: 2, symbol: 6 }, 'one line per learning rate, a point per setting');
    assert.deepEqual(byTitle('Drift score per feature'), { rect: 7 }, 'a bar per feature');
  });

  test('a wrong field warns on the terminal and in the page', async (t) => {
    const pipeline = await repo.read('pipeline.yaml');
    await repo.write({ 'pipeline.yaml': pipeline.replace('x: score\n', 'x: method\n').replace('y: tpr\n', 'y: true_positive_rate\n') });
    try {
      const r = await repo.run(['plots', 'show', '-o', 'wrong.html']);
      assert.equal(r.code, 0, r.all);
      assert.match(r.stderr, /warning: plots\/drift_features\.csv: workspace: plots\/drift_features\.csv: field 'method' \(x\) is not a number in 7 of 7 data points .*'bar_horizontal' template needs numbers on x/);
      assert.match(r.stderr, /warning: plots\/roc\.csv: .*no field 'true_positive_rate' in the data/);
      const html = await repo.read('wrong.html');
      assert.match(html, /<ul class="problems"><li>workspace: plots\/drift_features\.csv: field &#39;method&#39; \(x\) is not a number/);
      if (chromiumSkip) {
        t.skip(chromiumSkip);
        return;
      }
      const dom = await renderedDom(repo.path('wrong.html'));
      assert.match(dom, /<ul class="problems"><li>workspace: plots\/drift_features\.csv: field 'method' \(x\) is not a number/);
      assert.match(dom, /no field 'true_positive_rate' in the data/);
    } finally {
      await repo.write({ 'pipeline.yaml': pipeline });
    }
  });
});
