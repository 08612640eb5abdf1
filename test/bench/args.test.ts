import { test } from 'node:test';
import assert from 'node:assert/strict';
import { parseBenchArgs } from '../../bench/args.js';
import { UserError } from '../../engine/errors.js';

test('defaults: scale 1, 5 runs, every workload, peers on', () => {
  const o = parseBenchArgs([]);
  assert.deepEqual([o.scale, o.runs, o.only, o.peers, o.linearity, o.out], [1, 5, ['W1', 'W2', 'W3', 'W4', 'W5'], true, false, undefined]);
});

test('every flag, in both --flag value and --flag=value forms', () => {
  const o = parseBenchArgs(['--scale=0.01', '--runs', '7', '--only', 'w3,W1', '--out', 'r.md', '--no-peers', '--linearity', '--no-install', '--keep', '--dir=/x', '--timeout', '60']);
  assert.deepEqual(
    [o.scale, o.runs, o.only, o.out, o.peers, o.linearity, o.install, o.keep, o.dir, o.timeoutSec],
    [0.01, 7, ['W1', 'W3'], 'r.md', false, true, false, true, '/x', 60],
  );
});

test('bad values are user errors that say what was expected', () => {
  const bad: Array<[string[], RegExp]> = [
    [['--scale', '-1'], /--scale: expected a number > 0, got '-1'/],
    [['--runs', '2.5'], /--runs: expected a whole number ≥ 1/],
    [['--runs', '0'], /--runs: expected a whole number ≥ 1/],
    [['--only', 'W6'], /--only: unknown workload W6/],
    [['--out'], /--out needs a value/],
    [['--timeout', '0'], /--timeout: expected seconds > 0/],
    [['--fast'], /unknown option '--fast'/],
  ];
  for (const [argv, message] of bad) {
    assert.throws(() => parseBenchArgs(argv), (e: unknown) => e instanceof UserError && message.test(e.message), argv.join(' '));
  }
});
