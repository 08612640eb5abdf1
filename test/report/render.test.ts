import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { formatChange, formatValue, renderMarkdown, renderText } from '../../engine/report/render.js';

describe('number display', () => {
  test('six significant digits, integers whole, absent as -', () => {
    assert.equal(formatValue(0.1 + 0.2), '0.3');
    assert.equal(formatValue(1 / 3), '0.333333');
    assert.equal(formatValue(123456789), '123456789');
    assert.equal(formatValue(1234.56789), '1234.57');
    assert.equal(formatValue(undefined), '-');
    assert.equal(formatValue(true), 'true');
    assert.equal(formatChange(0.25), '+0.25');
    assert.equal(formatChange(-0.25), '-0.25');
    assert.equal(formatChange(0), '0');
    assert.equal(formatChange(undefined), '-');
  });
});

describe('tables', () => {
  const table = { headers: ['Path', 'Metric', 'Value'], rows: [['m.json', 'acc', '0.9'], ['scores.json', 'a|b', '1']] };

  test('text columns are aligned with no trailing spaces', () => {
    assert.equal(renderText(table), 'Path         Metric  Value\nm.json       acc     0.9\nscores.json  a|b     1\n');
  });

  test('markdown escapes pipes', () => {
    assert.equal(renderMarkdown(table), '| Path | Metric | Value |\n|---|---|---|\n| m.json | acc | 0.9 |\n| scores.json | a\\|b | 1 |\n');
  });
});
