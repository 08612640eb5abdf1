// reports/drift.html as a browser sees it: headless Chromium parses the file (no network) and
// dumps the DOM it built; the assertions are on that DOM, not on the text we wrote.

import { describe, test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { chromiumSkip, renderedDom } from '../helpers/chromium.js';
import { makeWorkdir, mustRun, readJsonFile, removeDir } from './helpers.js';

describe('drift report in headless Chromium', { skip: chromiumSkip }, () => {
  let dir = '';
  let dom = '';
  let drift: Record<string, unknown> = {};
  before(async () => {
    dir = await makeWorkdir({ 'data.current_month': 7 });
    mustRun(dir, 'ingest');
    mustRun(dir, 'drift');
    drift = await readJsonFile(dir, 'reports/drift.json');
    dom = await renderedDom(join(dir, 'reports/drift.html'));
  });
  after(async () => {
    await removeDir(dir);
  });

  test('the verdict shown is the verdict in metrics/drift.json', () => {
    assert.equal(drift['dataset_drift'], true);
    assert.match(dom, /<p class="verdict drift" id="verdict">Dataset drift detected<\/p>/);
  });

  test('one SVG histogram per feature, with reference and current bars', () => {
    const sections = dom.split('<section class="feature').slice(1);
    assert.equal(sections.length, 7);
    for (const s of sections) {
      assert.equal(s.match(/<svg/g)?.length, 1);
      const ref = s.match(/<rect class="ref"/g)?.length ?? 0;
      const cur = s.match(/<rect class="cur"/g)?.length ?? 0;
      assert.ok(ref > 0 && ref === cur, `bars ${ref}/${cur}`);
    }
    // Numerical features have the configured 20 bins; hour has 24 categories.
    assert.equal(dom.split('id="feature-light"')[1]!.split('</section>')[0]!.match(/<rect class="ref"/g)?.length, 20);
    assert.equal(dom.split('id="feature-hour"')[1]!.split('</section>')[0]!.match(/<rect class="ref"/g)?.length, 24);
  });

  test('drifted features carry the DRIFT badge, stable ones do not', () => {
    const features = drift['features'] as Record<string, { drifted: boolean }>;
    for (const [name, f] of Object.entries(features)) {
      const section = dom.split(`id="feature-${name}"`)[1]!.split('</section>')[0]!;
      assert.ok(section.includes(f.drifted ? '<span class="badge">DRIFT</span>' : '<span class="badge">stable</span>'), name);
    }
  });

  test('the page forbids every fetch and references nothing external', () => {
    assert.ok(dom.includes(`content="default-src 'none'; style-src 'unsafe-inline'"`));
    assert.ok(!/(src|href)="(https?:)?\/\//.test(dom));
  });
});
