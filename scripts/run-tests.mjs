#!/usr/bin/env node
// Runs the compiled tests with node's built-in runner and fails when no test ran, so a broken
// glob or an empty build can never pass silently. Arguments filter test files by substring.
// Test files run three at a time (DVC_TS_TEST_CONCURRENCY=<n> to change it): many of them wait on
// child processes and servers, so on two cores three side by side keep both busy (a fourth only
// adds contention); every test has its own temporary folders and free ports, so they may.
import { readdirSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { spawn } from 'node:child_process';

const root = 'dist/test';
function walk(dir) {
  return readdirSync(dir).flatMap((name) => {
    const p = join(dir, name);
    return statSync(p).isDirectory() ? walk(p) : p.endsWith('.test.js') ? [p] : [];
  });
}
const filters = process.argv.slice(2);
// The longest files start first, so none of them is left running alone at the end while the
// other slots sit idle (longest-first is the classic rule for a short makespan). Measured wall
// times of a full run, longest first; every other file follows in name order.
const LONGEST_FIRST = [
  'executor/slurm.test', 'remote/s3.test', 'executor/slurm-grid.test', 'reliability/kill-exp-run', 'reliability/interrupts.test',
  'reliability/kill-gc-push', 'e2e/decide-agreement.test', 'e2e/corpus-cli.test', 'bench/study.test',
  'reliability/kill-checkout-gc', 'e2e/dvc-repositories.test', 'remote/folder.test', 'monitoring/prometheus-e2e.test',
  'e2e/flagship.test', 'e2e/exp-team.test', 'reliability/kill-repro-checkout', 'reliability/kill-pull-add', 'e2e/exp.test',
  'e2e/own-project.test',
];
const rank = (f) => {
  const i = LONGEST_FIRST.findIndex((s) => f.includes(s));
  return i === -1 ? LONGEST_FIRST.length : i;
};
const files = walk(root)
  .filter((f) => filters.length === 0 || filters.some((s) => f.includes(s)))
  .sort((a, b) => rank(a) - rank(b) || a.localeCompare(b));
if (files.length === 0) {
  console.error(`run-tests: no test files under ${root}${filters.length ? ` matching ${filters.join(', ')}` : ''}`);
  process.exit(1);
}
const child = spawn(process.execPath, ['--test', `--test-concurrency=${process.env.DVC_TS_TEST_CONCURRENCY ?? 3}`, '--test-reporter=spec', '--test-reporter-destination=stdout',
  '--test-reporter=tap', '--test-reporter-destination=dist/test-results.tap', ...files], { stdio: ['ignore', 'pipe', 'inherit'] });
// The runner's summary lines (ℹ tests N, …), kept whole: a long list of failures printed after
// them must not push them out of view, or a failing run would look like one that ran nothing.
let tail = '';
let partial = '';
child.stdout.on('data', (chunk) => {
  process.stdout.write(chunk);
  const lines = (partial + chunk.toString()).split('\n');
  partial = lines.pop() ?? '';
  for (const line of lines) if (/^(ℹ|#) (tests|pass|fail|cancelled) \d+/.test(line)) tail += `${line}\n`;
});
child.on('close', (code) => {
  const tests = Number(/ℹ tests (\d+)/.exec(tail)?.[1] ?? /# tests (\d+)/.exec(tail)?.[1] ?? 0);
  const failed = Number(/ℹ fail (\d+)/.exec(tail)?.[1] ?? 0);
  const passed = Number(/ℹ pass (\d+)/.exec(tail)?.[1] ?? 0);
  // A test cancelled (its file ended with a promise pending, or a timeout) did not pass either.
  const cancelled = Number(/ℹ cancelled (\d+)/.exec(tail)?.[1] ?? 0);
  if (tests === 0) {
    console.error('run-tests: the runner executed no test');
    process.exit(1);
  }
  console.log(`${passed} passed, ${failed} failed${cancelled > 0 ? `, ${cancelled} cancelled` : ''}`);
  process.exit(cancelled > 0 && code === 0 ? 1 : (code ?? 1));
});
