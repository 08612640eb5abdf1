import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import type { PlotsReport } from '../../../engine/report/plots/collect.js';
import { escapeHtml, jsonForScript, renderPlotsPage, scriptSafe } from '../../../engine/report/plots/html.js';
import { loadVegaLibraries } from '../../../engine/report/plots/libs.js';
import { buildSpec } from '../../../engine/report/plots/templates.js';

const EVIL = `"><img src=x onerror=alert(1)></script><script>alert(2)</script>`;
const fakeLibraries = [{ name: 'vega', version: '6', source: 'var vega = {}; // </script> inside a comment' }];

function evilReport(): PlotsReport {
  const values = [{ step: 0, [EVIL]: 1, note: EVIL, rev: EVIL }];
  return {
    revisions: [EVIL, 'workspace'],
    problems: [{ rev: EVIL, message: `pipeline not readable: ${EVIL}` }],
    plots: [
      { kind: 'vega', id: `${EVIL}.csv`, title: EVIL, template: 'linear', revisions: [EVIL], spec: buildSpec('linear', { values, x: 'step', y: EVIL, title: EVIL }), problems: [{ rev: 'HEAD', file: EVIL, message: 'file not found' }] },
      { kind: 'image', id: `${EVIL}.png`, title: EVIL, revisions: [EVIL], images: [{ rev: EVIL, file: `${EVIL}.png`, dataUri: 'data:image/png;base64,AAAA' }], problems: [] },
      { kind: 'vega', id: 'empty.csv', title: 'empty', template: 'linear', revisions: [], problems: [] },
    ],
  };
}

describe('plots page', () => {
  test('text from the repository cannot inject markup or scripts', () => {
    const html = renderPlotsPage(evilReport(), fakeLibraries);
    // Only the page's own elements: the library, the JSON data block and the boot script.
    assert.equal(html.match(/<script/g)!.length, 3);
    assert.equal(html.match(/<\/script>/g)!.length, 3);
    assert.equal(html.match(/<img /g)!.length, 1);
    assert.doesNotMatch(html, /onerror=alert\(1\)>/);
    assert.match(html, /&#34;&#62;&#60;img src=x onerror=alert\(1\)&#62;/);
    // The data block parses back to exactly the spec values, EVIL strings intact.
    const json = /<script type="application\/json" id="dvc-ts-specs">([^<]*)<\/script>/.exec(html)![1]!;
    const specs = JSON.parse(json) as { data: { values: Record<string, unknown>[] } }[];
    assert.equal(specs.length, 1);
    assert.equal(specs[0]!.data.values[0]!['note'], EVIL);
  });

  test('one chart container per drawable plot; an empty plot says so; problems are listed', () => {
    const html = renderPlotsPage(evilReport(), fakeLibraries);
    assert.equal(html.match(/<div class="chart" data-spec="\d+"><\/div>/g)!.length, 1);
    assert.match(html, /No data to draw\./);
    assert.match(html, /<li>HEAD: &#34;&#62;&#60;img[^<]*file not found<\/li>/);
    assert.match(html, /<figcaption>&#34;&#62;/);
  });

  test('works offline: no external source, a policy that forbids fetching', () => {
    const html = renderPlotsPage(evilReport(), fakeLibraries);
    assert.doesNotMatch(html, /\b(src|href)\s*=\s*["']?\s*(https?:)?\/\//i);
    assert.doesNotMatch(html, /@import|url\(/i);
    assert.match(html, /http-equiv="Content-Security-Policy" content="default-src &#39;none&#39;;/);
  });

  test('escaping helpers', () => {
    assert.equal(escapeHtml(`<a href="x">'&'</a>`), '&#60;a href=&#34;x&#34;&#62;&#39;&#38;&#39;&#60;/a&#62;');
    assert.equal(jsonForScript({ a: '</script><!--\u2028' }), '{"a":"\\u003c/script\\u003e\\u003c!--\\u2028"}');
    assert.equal(JSON.parse(jsonForScript({ a: '</script>&' })).a, '</script>&');
    assert.equal(scriptSafe('x = "</SCRIPT>"; <!--'), 'x = "<\\/SCRIPT>"; <\\!--');
  });

  test('the real libraries are found and inlined in load order', async () => {
    const libs = await loadVegaLibraries();
    assert.deepEqual(libs.map((l) => l.name), ['vega', 'vega-lite', 'vega-embed']);
    assert.match(libs[0]!.version, /^6\./);
    assert.match(libs[1]!.version, /^6\.4\./);
    for (const lib of libs) assert.ok(lib.source.length > 10_000, `${lib.name} bundle looks empty`);
    const html = renderPlotsPage({ revisions: ['workspace'], problems: [], plots: [] }, libs);
    const order = ['vega@', 'vega-lite@', 'vega-embed@'].map((n) => html.indexOf(`data-library="${n}`));
    assert.ok(order.every((i, k) => i > 0 && (k === 0 || i > order[k - 1]!)), `library order ${order.join(',')}`);
    assert.match(html, /No plots\./);
  });
});
