#!/usr/bin/env node
// Runs the compiled tests with node's built-in runner and fails when no test ran, so a broken
// glob or an empty build can never pass silently. Arguments filter test files by substring.
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
const files = walk(root).filter((f) => filters.length === 0 || filters.some((s) => f.includes(s))).sort();
if (files.length === 0) {
  console.error(`run-tests: no test files under ${root}${filters.length ? ` matching ${filters.join(', ')}` : ''}`);
  process.exit(1);
}
const child = spawn(process.execPath, ['--test', '--test-reporter=spec', '--test-reporter-destination=stdout',
  '--test-reporter=tap', '--test-reporter-destination=dist/test-results.tap', ...files], { stdio: ['ignore', 'pipe', 'inherit'] });
let tail = '';
child.stdout.on('data', (chunk) => {
  process.stdout.write(chunk);
  tail = (tail + chunk.toString()).slice(-4000);
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
