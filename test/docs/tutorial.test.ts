// docs/tutorial.md, followed literally in an empty folder with the built CLI.
//
// How the tutorial is read (the conventions its author follows):
// - A fenced block whose info string has `file=PATH` (```js file=src/train.mjs) is a file the reader
//   creates or replaces: it is written to PATH, relative to the current folder, at that point.
// - A ```console block holds commands, each on a line starting with `$ `; the lines after a
//   command, up to the next one, are what it prints. Each such line must appear (spaces at either
//   end aside) among the lines the command printed, `…` standing for any text.
// - Every command must exit 0. `npx dvc-ts` runs the built CLI (node dist/engine/bin/main.js).
//   `npm …` lines are not run: they install dvc-ts, which is what the built CLI stands for here
//   (test/e2e/own-project.test.ts installs the packed package the way a user does).
// - `cd DIR` changes the folder the next commands run in; any other command runs with `bash -c`.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { execa } from 'execa';
import { CLI, PROJECT_ROOT } from '../helpers/repo.js';

export type TutorialStep = { kind: 'file'; path: string; text: string } | { kind: 'command'; command: string; expected: string[] };

/** The tutorial's steps in order (pure). */
export function tutorialSteps(markdown: string): TutorialStep[] {
  const steps: TutorialStep[] = [];
  for (const block of markdown.matchAll(/^```([^\n]*)\n([\s\S]*?)^```$/gm)) {
    const info = block[1]!.trim();
    const body = block[2]!;
    const file = /\bfile=(\S+)/.exec(info)?.[1];
    if (file) steps.push({ kind: 'file', path: file, text: body });
    else if (info === 'console') {
      for (const line of body.split('\n')) {
        if (line.startsWith('$ ')) steps.push({ kind: 'command', command: line.slice(2), expected: [] });
        else if (line.trim() !== '') {
          const last = steps[steps.length - 1];
          assert.ok(last?.kind === 'command', `output line before any command: ${line}`);
          last.expected.push(line.trim());
        }
      }
    }
  }
  return steps;
}

/** Does `printed` hold a line matching `expected`, where `…` stands for any text? (pure) */
export function printedHas(printed: string, expected: string): boolean {
  const pattern = new RegExp(`^${expected.split('…').map((p) => p.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')).join('.*')}$`);
  return printed.split('\n').some((l) => pattern.test(l.trim()));
}

test('tutorialSteps and printedHas read the conventions', () => {
  const md = '```js file=a/b.mjs\nx\n```\n\n```console\n$ npx dvc-ts repro\nran in …\n\n$ ls\n```\n';
  assert.deepEqual(tutorialSteps(md), [
    { kind: 'file', path: 'a/b.mjs', text: 'x\n' },
    { kind: 'command', command: 'npx dvc-ts repro', expected: ['ran in …'] },
    { kind: 'command', command: 'ls', expected: [] },
  ]);
  assert.equal(printedHas('x\n  ran in 3.1s  \n', 'ran in …'), true);
  assert.equal(printedHas('ran (in 3.1s)', 'ran in …'), false);
});

test('docs/tutorial.md runs from an empty folder to a teammate pulling the results', { timeout: 600_000 }, async () => {
  const steps = tutorialSteps(await readFile(join(PROJECT_ROOT, 'docs', 'tutorial.md'), 'utf8'));
  assert.ok(steps.filter((s) => s.kind === 'command').length >= 20, 'the tutorial has its commands');
  const classroom = await mkdtemp(join(tmpdir(), 'dvc-ts-tutorial-'));
  const env = {
    CI: 'true',
    NO_COLOR: '1',
    GIT_AUTHOR_NAME: 'Student',
    GIT_AUTHOR_EMAIL: 'student@dvc-ts.invalid',
    GIT_COMMITTER_NAME: 'Student',
    GIT_COMMITTER_EMAIL: 'student@dvc-ts.invalid',
  };
  let cwd = classroom;
  try {
    for (const step of steps) {
      if (step.kind === 'file') {
        const path = resolve(cwd, step.path);
        await mkdir(dirname(path), { recursive: true });
        await writeFile(path, step.text);
        continue;
      }
      const { command, expected } = step;
      if (/^npm\b/.test(command)) continue;
      const cd = /^cd (\S+)$/.exec(command);
      if (cd) {
        cwd = resolve(cwd, cd[1]!);
        continue;
      }
      const script = command.replace(/^npx dvc-ts\b/, `'${process.execPath}' '${CLI}'`);
      const r = await execa('bash', ['-c', script], { cwd, env, reject: false, all: true, stdin: 'ignore' });
      const printed = String(r.all ?? '');
      assert.equal(r.exitCode, 0, `$ ${command}\n${printed}`);
      for (const line of expected) assert.ok(printedHas(printed, line), `$ ${command}\nexpected a line '${line}' in:\n${printed}`);
    }
    // The teammate's copy holds the outputs byte for byte, pulled rather than recomputed.
    const mine = await readFile(join(classroom, 'my-pipeline', 'models', 'model.json'), 'utf8');
    assert.equal(await readFile(join(classroom, 'teammate', 'models', 'model.json'), 'utf8'), mine);
  } finally {
    await rm(classroom, { recursive: true, force: true });
  }
});
