import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { collectPlots, FOLDED_Y_FIELD, type RevisionFiles, type RevisionInput, type VegaPlot } from '../../../engine/report/plots/collect.js';
import type { PlotDefinition } from '../../../engine/report/plots/defs.js';

/** A revision held in memory: path → text (or bytes). Directories are implied by paths. */
function memoryRevision(label: string, files: Record<string, string | Uint8Array>): RevisionFiles {
  const bytes = (v: string | Uint8Array) => (typeof v === 'string' ? new TextEncoder().encode(v) : v);
  return {
    label,
    async readFile(path) {
      const v = files[path];
      return v === undefined ? undefined : bytes(v);
    },
    async listDir(path) {
      const below = Object.keys(files)
        .filter((p) => p.startsWith(path + '/'))
        .map((p) => p.slice(path.length + 1))
        .sort();
      return below.length > 0 ? below : undefined;
    },
  };
}

const lossPlot: PlotDefinition = { id: 'loss.csv', sources: [{ file: 'loss.csv', fields: ['loss'] }], x: { field: 'step' } };

function rows(plot: VegaPlot): Record<string, unknown>[] {
  return (plot.spec!['data'] as { values: Record<string, unknown>[] }).values;
}

describe('collecting plots across revisions', () => {
  test('two revisions overlay in one chart, each point labelled with its revision', async () => {
    const inputs: RevisionInput[] = [
      { files: memoryRevision('HEAD~1', { 'loss.csv': 'step,loss\n0,1\n1,0.5\n' }), definitions: [lossPlot] },
      { files: memoryRevision('HEAD', { 'loss.csv': 'step,loss\n0,0.8\n1,0.3\n' }), definitions: [lossPlot] },
    ];
    const report = await collectPlots(inputs);
    assert.deepEqual(report.revisions, ['HEAD~1', 'HEAD']);
    assert.equal(report.plots.length, 1);
    const plot = report.plots[0] as VegaPlot;
    assert.equal(plot.kind, 'vega');
    assert.deepEqual(plot.revisions, ['HEAD~1', 'HEAD']);
    assert.deepEqual(plot.problems, []);
    assert.deepEqual(rows(plot), [
      { step: 0, loss: 1, rev: 'HEAD~1' },
      { step: 1, loss: 0.5, rev: 'HEAD~1' },
      { step: 0, loss: 0.8, rev: 'HEAD' },
      { step: 1, loss: 0.3, rev: 'HEAD' },
    ]);
    assert.equal(plot.template, 'linear');
    assert.equal(plot.title, 'loss.csv');
  });

  test('a field that is not a number where the template needs one is a problem (x of a bar chart, x and y of a line)', async () => {
    const csv = 'feature,score\ntemperature,0.5\nlight,0.9\n';
    const bars: PlotDefinition = { id: 'd.csv', sources: [{ file: 'd.csv', fields: ['score'] }], x: { field: 'feature' }, template: 'bar_horizontal' };
    const right: PlotDefinition = { ...bars, sources: [{ file: 'd.csv', fields: ['feature'] }], x: { field: 'score' } };
    const line: PlotDefinition = { id: 'd.csv', sources: [{ file: 'd.csv', fields: ['feature'] }], x: { field: 'score' } };
    const problems = async (def: PlotDefinition) =>
      ((await collectPlots([{ files: memoryRevision('workspace', { 'd.csv': csv }), definitions: [def] }])).plots[0] as VegaPlot).problems.map((p) => p.message);
    assert.deepEqual(await problems(bars), [
      "field 'feature' (x) is not a number in 2 of 2 data points (e.g. 'temperature'); the 'bar_horizontal' template needs numbers on x",
    ]);
    assert.deepEqual(await problems(right), [], 'the number on x, the name on y: what a horizontal bar chart needs');
    assert.deepEqual(await problems(line), [
      "field 'feature' (y) is not a number in 2 of 2 data points (e.g. 'temperature'); the 'linear' template needs numbers on y",
    ]);
    assert.deepEqual(await problems({ ...right, template: 'confusion' }), [], 'a confusion matrix takes labels on both axes');
  });

  test('a file missing at one revision is a problem for that revision only', async () => {
    const report = await collectPlots([
      { files: memoryRevision('v1', {}), definitions: [lossPlot] },
      { files: memoryRevision('workspace', { 'loss.csv': 'step,loss\n0,1\n' }), definitions: [lossPlot] },
    ]);
    const plot = report.plots[0] as VegaPlot;
    assert.deepEqual(plot.revisions, ['workspace']);
    assert.deepEqual(plot.problems, [{ rev: 'v1', file: 'loss.csv', message: 'file not found at this revision' }]);
    assert.equal(rows(plot).length, 1);
  });

  test('malformed data, a missing field and partial rows are reported, not thrown', async () => {
    const report = await collectPlots([
      { files: memoryRevision('a', { 'loss.csv': 'step,loss\n0,1,9\n' }), definitions: [lossPlot] },
      { files: memoryRevision('b', { 'loss.csv': 'step,acc\n0,1\n' }), definitions: [lossPlot] },
      { files: memoryRevision('c', { 'loss.csv': 'step,loss\n0,1\n1,\n' }), definitions: [lossPlot] },
    ]);
    const plot = report.plots[0] as VegaPlot;
    assert.deepEqual(
      plot.problems.map((p) => `${p.rev}: ${p.message}`),
      ['a: row 2 has 3 cells but there are 2 columns', "b: no field 'loss' in the data", "c: 1 of 2 data points lack 'loss' or x and are not drawn"],
    );
    assert.deepEqual(plot.revisions, ['c']);
  });

  test('no data anywhere: a plot without a spec', async () => {
    const report = await collectPlots([{ files: memoryRevision('w', {}), definitions: [lossPlot] }]);
    const plot = report.plots[0] as VegaPlot;
    assert.equal(plot.spec, undefined);
    assert.equal(plot.problems.length, 1);
  });

  test('several y fields fold into one y field, the series named in the colour label', async () => {
    const def: PlotDefinition = { id: 'curves', sources: [{ file: 'm.json', fields: ['loss', 'acc'] }], title: 'Curves' };
    const report = await collectPlots([{ files: memoryRevision('HEAD', { 'm.json': '[{"loss":1,"acc":0.1},{"loss":0.5,"acc":0.4}]' }), definitions: [def] }]);
    const plot = report.plots[0] as VegaPlot;
    assert.deepEqual(
      rows(plot).map((r) => [r['step'], r[FOLDED_Y_FIELD], r['rev']]),
      [
        [0, 1, 'HEAD::loss'],
        [1, 0.5, 'HEAD::loss'],
        [0, 0.1, 'HEAD::acc'],
        [1, 0.4, 'HEAD::acc'],
      ],
    );
    const y = (plot.spec!['encoding'] as Record<string, Record<string, unknown>>)['y']!;
    assert.equal(y['field'], FOLDED_Y_FIELD);
    assert.equal(y['title'], 'y');
  });

  test('x taken from another file is joined by row; y inferred as the last column', async () => {
    const def: PlotDefinition = { id: 'joined', sources: [{ file: 'values.csv', fields: [] }], x: { field: 'epoch', file: 'steps.csv' } };
    const report = await collectPlots([
      { files: memoryRevision('w', { 'steps.csv': 'epoch\n10\n20\n', 'values.csv': 'id,value\na,1\nb,2\n' }), definitions: [def] },
    ]);
    const plot = report.plots[0] as VegaPlot;
    assert.deepEqual(rows(plot), [
      { id: 'a', value: 1, epoch: 10, rev: 'w' },
      { id: 'b', value: 2, epoch: 20, rev: 'w' },
    ]);
  });

  test('a directory plot stands for each data or image file in it; images become data URIs', async () => {
    const def: PlotDefinition = { id: 'plots', sources: [{ file: 'plots', fields: [] }] };
    const png = new Uint8Array([0x89, 0x50, 0x4e, 0x47]);
    const report = await collectPlots([
      { files: memoryRevision('w', { 'plots/a.csv': 'x,y\n1,2\n', 'plots/b.png': png, 'plots/notes.txt': 'skip' }), definitions: [def] },
    ]);
    assert.deepEqual(report.plots.map((p) => [p.kind, p.id]), [
      ['vega', 'plots/a.csv'],
      ['image', 'plots/b.png'],
    ]);
    const image = report.plots[1]!;
    assert.equal(image.kind, 'image');
    if (image.kind === 'image') assert.deepEqual(image.images, [{ rev: 'w', file: 'plots/b.png', dataUri: 'data:image/png;base64,iVBORw==' }]);
  });

  test('plots declared at only one revision are still read at the others; the latest definition wins', async () => {
    const old: PlotDefinition = { ...lossPlot, title: 'old' };
    const report = await collectPlots([
      { files: memoryRevision('v1', { 'loss.csv': 'step,loss\n0,1\n' }), definitions: [old] },
      { files: memoryRevision('v2', { 'loss.csv': 'step,loss\n0,2\n' }), definitions: undefined },
      { files: memoryRevision('v3', { 'loss.csv': 'step,loss\n0,3\n' }), definitions: [{ ...lossPlot, title: 'new' }] },
    ]);
    const plot = report.plots[0] as VegaPlot;
    assert.equal(plot.title, 'new');
    assert.deepEqual(plot.revisions, ['v1', 'v2', 'v3']);
  });

  test('an unknown template is reported on the plot', async () => {
    const report = await collectPlots([{ files: memoryRevision('w', { 'loss.csv': 'step,loss\n0,1\n' }), definitions: [{ ...lossPlot, template: 'pie' }] }]);
    const plot = report.plots[0] as VegaPlot;
    assert.equal(plot.spec, undefined);
    assert.match(plot.problems[0]!.message, /unknown template 'pie'/);
  });
});
