import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import * as vegaLite from 'vega-lite';
import * as vega from 'vega';
import { buildSpec, escapeField, isTemplateName, TEMPLATE_NAMES, type TemplateName, type VegaLiteSpec } from '../../../engine/report/plots/templates.js';

const values: Record<string, unknown>[] = [];
for (const rev of ['HEAD~1', 'HEAD']) {
  for (let i = 0; i < 6; i++) {
    values.push({ step: i, 'train.loss': 1 / (i + 1) + (rev === 'HEAD' ? 0.5 : 0), actual: i % 3, predicted: (i + 1) % 3, label: `c${i}`, rev });
  }
}

/** The fields each template is given: series templates plot loss over step, the others categories. */
function inputFor(template: TemplateName) {
  const revOrder = ['HEAD~1', 'HEAD'];
  if (template.startsWith('confusion')) return { values, x: 'actual', y: 'predicted', title: 'Confusion', revOrder };
  if (template.startsWith('bar')) return { values, x: 'train.loss', y: 'label', title: 'Bars', revOrder };
  return { values, x: 'step', y: 'train.loss', title: 'Loss', xLabel: 'epoch', revOrder };
}

/** Compile with Vega-Lite and render to SVG with Vega, collecting every warning. */
async function render(spec: VegaLiteSpec): Promise<{ svg: string; warnings: string[] }> {
  const warnings: string[] = [];
  const logger = {
    level() {
      return this;
    },
    warn(...args: unknown[]) {
      warnings.push(args.join(' '));
      return this;
    },
    info() {
      return this;
    },
    debug() {
      return this;
    },
    error(...args: unknown[]) {
      warnings.push(args.join(' '));
      return this;
    },
  };
  const compiled = vegaLite.compile(spec as unknown as vegaLite.TopLevelSpec, { logger });
  const view = new vega.View(vega.parse(compiled.spec), { renderer: 'none' });
  const svg = await view.toSVG();
  view.finalize();
  return { svg, warnings };
}

describe('plot templates', () => {
  for (const template of TEMPLATE_NAMES) {
    test(`${template}: compiles cleanly and draws both revisions`, async () => {
      const spec = buildSpec(template, inputFor(template));
      assert.deepEqual((spec['data'] as { values: unknown[] }).values, values);
      assert.equal(spec['title'], inputFor(template).title);
      const { svg, warnings } = await render(spec);
      assert.deepEqual(warnings, []);
      assert.match(svg, /^<svg/);
      // The colour legend (or the facet headers, for confusion matrices) names each revision.
      assert.match(svg, />HEAD~1</);
      assert.match(svg, />HEAD</);
      // In revision order (oldest first), not alphabetical.
      assert.ok(svg.indexOf('>HEAD~1<') < svg.indexOf('>HEAD<'), 'revisions shown oldest first');
    });
  }

  test('linear: lines and points over a quantitative x, coloured by rev, labels applied', () => {
    const spec = buildSpec('linear', inputFor('linear'));
    const enc = spec['encoding'] as Record<string, Record<string, unknown>>;
    assert.deepEqual(enc['x'], { field: 'step', type: 'quantitative', title: 'epoch' });
    assert.equal(enc['y']!['field'], 'train\\.loss');
    assert.equal(enc['y']!['title'], 'train.loss');
    assert.deepEqual(enc['color'], { field: 'rev', type: 'nominal', title: 'rev', sort: ['HEAD~1', 'HEAD'] });
    const marks = (spec['layer'] as { mark: { type: string } }[]).map((l) => l.mark.type);
    assert.deepEqual(marks, ['line', 'point']);
  });

  test('smooth: a loess transform per revision', () => {
    const spec = buildSpec('smooth', inputFor('smooth'));
    const layers = spec['layer'] as { transform?: Record<string, unknown>[] }[];
    assert.deepEqual(layers[1]!.transform, [{ loess: 'train\\.loss', on: 'step', groupby: ['rev'], bandwidth: 0.3 }]);
  });

  test('simple and scatter: one mark each', () => {
    assert.deepEqual(buildSpec('simple', inputFor('simple'))['mark'], { type: 'line' });
    assert.deepEqual(buildSpec('scatter', inputFor('scatter'))['mark'], { type: 'point' });
  });

  test('confusion: counts per cell, a facet per revision; normalised shares per y row', () => {
    const plain = buildSpec('confusion', inputFor('confusion'));
    assert.deepEqual(plain['facet'], { field: 'rev', type: 'nominal', title: 'rev', sort: ['HEAD~1', 'HEAD'] });
    const inner = plain['spec'] as { transform: Record<string, unknown>[] };
    assert.deepEqual(inner.transform[0], { aggregate: [{ op: 'count', as: 'xy_count' }], groupby: ['rev', 'predicted', 'actual'] });
    const normalized = buildSpec('confusion_normalized', inputFor('confusion_normalized'))['spec'] as { transform: Record<string, unknown>[] };
    assert.deepEqual(normalized.transform[4], { calculate: 'datum.xy_count / datum.sum_y', as: 'percent_of_y' });
  });

  test('bar_horizontal_sorted sorts categories by value; bar_horizontal keeps data order', () => {
    const sorted = buildSpec('bar_horizontal_sorted', inputFor('bar_horizontal_sorted'))['encoding'] as Record<string, Record<string, unknown>>;
    assert.equal(sorted['y']!['sort'], '-x');
    assert.deepEqual(sorted['yOffset'], { field: 'rev', sort: ['HEAD~1', 'HEAD'] });
    const plain = buildSpec('bar_horizontal', inputFor('bar_horizontal'))['encoding'] as Record<string, Record<string, unknown>>;
    assert.equal(plain['y']!['sort'], undefined);
  });

  test('field escaping and template names', () => {
    assert.equal(escapeField('a.b[0]'), 'a\\.b\\[0\\]');
    assert.equal(escapeField('back\\slash'), 'back\\\\slash');
    assert.equal(isTemplateName('linear'), true);
    assert.equal(isTemplateName('pie'), false);
  });
});
