import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { imageMimeType, inferCell, parsePlotData, plotDataFormat, PlotDataError, recordsOf } from '../../../engine/report/plots/data.js';

describe('plot data: CSV and TSV', () => {
  test('a header row names the columns and numbers become numbers', () => {
    const rows = parsePlotData('m.csv', 'step,loss,name\n0,0.5,a\n1,0.25,b\n');
    assert.deepEqual(rows, [
      { step: 0, loss: 0.5, name: 'a' },
      { step: 1, loss: 0.25, name: 'b' },
    ]);
  });

  test('header: false names columns by position', () => {
    const rows = parsePlotData('m.csv', '0,0.5\n1,0.25\n', { header: false });
    assert.deepEqual(rows, [
      { '0': 0, '1': 0.5 },
      { '0': 1, '1': 0.25 },
    ]);
  });

  test('TSV splits on tabs only; CRLF line ends and a BOM are accepted', () => {
    const rows = parsePlotData('m.tsv', '\uFEFFstep\tlabel\r\n0\ta,b\r\n1\tc\r\n');
    assert.deepEqual(rows, [
      { step: 0, label: 'a,b' },
      { step: 1, label: 'c' },
    ]);
  });

  test('quoted cells keep delimiters, doubled quotes and newlines', () => {
    const rows = parsePlotData('q.csv', 'x,text\n1,"a, ""b""\nc"\n');
    assert.deepEqual(rows, [{ x: 1, text: 'a, "b"\nc' }]);
  });

  test('short rows fill with null; long rows and duplicate columns are errors', () => {
    assert.deepEqual(parsePlotData('s.csv', 'a,b\n1\n'), [{ a: 1, b: null }]);
    assert.throws(() => parsePlotData('l.csv', 'a,b\n1,2,3\n'), (e: unknown) => e instanceof PlotDataError && /row 2 has 3 cells/.test(e.message));
    assert.throws(() => parsePlotData('d.csv', 'a,a\n1,2\n'), /duplicate column 'a'/);
  });

  test('an empty file has no records', () => {
    assert.deepEqual(parsePlotData('e.csv', ''), []);
    assert.deepEqual(parsePlotData('h.csv', 'a,b\n'), []);
  });

  test('only text in decimal number syntax becomes a number', () => {
    assert.equal(inferCell('1e-3'), 0.001);
    assert.equal(inferCell('-2.5'), -2.5);
    assert.equal(inferCell('0x10'), '0x10');
    assert.equal(inferCell('12abc'), '12abc');
    assert.equal(inferCell('Infinity'), 'Infinity');
    assert.equal(inferCell(''), '');
  });
});

describe('plot data: JSON and YAML', () => {
  test('a JSON list of records', () => {
    assert.deepEqual(parsePlotData('p.json', '[{"step":0,"acc":0.5},{"step":1,"acc":0.75}]'), [
      { step: 0, acc: 0.5 },
      { step: 1, acc: 0.75 },
    ]);
  });

  test('a JSON mapping holding one list of records (DVC layout)', () => {
    const text = JSON.stringify({ train: [{ step: 0, loss: 1 }, { step: 1, loss: 0.5 }] });
    assert.deepEqual(parsePlotData('p.json', text), [
      { step: 0, loss: 1 },
      { step: 1, loss: 0.5 },
    ]);
  });

  test('with several lists, the first that has the needed fields wins', () => {
    const data = { meta: { other: [{ a: 1 }] }, curve: [{ fpr: 0, tpr: 0 }, { fpr: 1, tpr: 1 }] };
    assert.deepEqual(recordsOf(data, ['fpr', 'tpr']), data.curve);
    assert.deepEqual(recordsOf(data, []), data.meta.other);
  });

  test('a flat mapping of scalars is one record', () => {
    assert.deepEqual(parsePlotData('m.json', '{"acc": 0.9, "loss": 0.1}'), [{ acc: 0.9, loss: 0.1 }]);
  });

  test('YAML follows the same rules', () => {
    assert.deepEqual(parsePlotData('p.yaml', 'points:\n  - {x: 1, y: 2}\n  - {x: 2, y: 4}\n'), [
      { x: 1, y: 2 },
      { x: 2, y: 4 },
    ]);
    assert.deepEqual(parsePlotData('p.yml', '- {x: 1}\n'), [{ x: 1 }]);
  });

  test('malformed content is a PlotDataError', () => {
    assert.throws(() => parsePlotData('b.json', '[1,'), (e: unknown) => e instanceof PlotDataError && /invalid JSON/.test(e.message));
    assert.throws(() => parsePlotData('b.json', '[1, 2]'), /item 0 of the data list is not a record/);
    assert.throws(() => parsePlotData('b.json', '"text"'), /expected a list of records/);
    assert.throws(() => parsePlotData('b.yaml', 'a: [1\n'), /invalid YAML/);
    assert.throws(() => parsePlotData('b.txt', 'x'), /unsupported plot file type '\.txt'/);
  });

  test('formats and image types come from the extension', () => {
    assert.equal(plotDataFormat('a/B.CSV'), 'csv');
    assert.equal(plotDataFormat('a.yml'), 'yaml');
    assert.equal(plotDataFormat('a.png'), undefined);
    assert.equal(imageMimeType('c.SVG'), 'image/svg+xml');
    assert.equal(imageMimeType('c.jpg'), 'image/jpeg');
    assert.equal(imageMimeType('c.csv'), undefined);
  });
});
