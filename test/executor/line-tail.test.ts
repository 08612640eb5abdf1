import { test } from 'node:test';
import assert from 'node:assert/strict';
import { LineTail } from '../../engine/executor/local/line-tail.js';

test('a line split across chunks is one line', () => {
  const tail = new LineTail(20);
  for (const chunk of ['head: error wri', 'ting standard output\nsecond', ' line\n']) tail.push(Buffer.from(chunk));
  assert.deepEqual(tail.lastLines(), ['head: error writing standard output', 'second line']);
});

test('a character split across chunks is decoded whole', () => {
  const bytes = Buffer.from('température élevée\n');
  const tail = new LineTail(5);
  tail.push(bytes.subarray(0, 5));
  tail.push(bytes.subarray(5));
  assert.deepEqual(tail.lastLines(), ['température élevée']);
});

test('only the last lines are kept, blank ones dropped, the unfinished last line included', () => {
  const tail = new LineTail(3);
  for (let i = 0; i < 100; i++) tail.push(Buffer.from(`line ${i}\n\n\n\n\n`));
  tail.push(Buffer.from('no newline at the end'));
  assert.deepEqual(tail.lastLines(), ['line 98', 'line 99', 'no newline at the end']);
});
