// The deps of each example stage must be exactly the compiled files its program loads: a missing
// one means an edit there would not rerun the stage; an extra one reruns it for nothing. The
// import graph is read from this build's compiled stage programs (dist/stages, the same sources
// the pipeline's `build` stage compiles into build/stages).
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { dirname, join, posix, relative } from 'node:path';
import { parse } from 'yaml';
import { PROJECT_ROOT } from '../helpers/repo.js';
import { STAGES_DIR } from './helpers.js';

type DepEntry = string | Record<string, unknown>;
interface StageYaml {
  cmd: string;
  deps?: DepEntry[];
  outs?: DepEntry[];
}

/** Relative module specifiers a compiled ES module loads at run time (static imports and re-exports). */
function relativeImports(source: string): string[] {
  const found: string[] = [];
  for (const m of source.matchAll(/^\s*(?:import|export)\s(?:[^'";]*?\sfrom\s)?['"](\.{1,2}\/[^'"]+)['"]/gm)) found.push(m[1]!);
  for (const m of source.matchAll(/\bimport\(\s*['"](\.{1,2}\/[^'"]+)['"]\s*\)/g)) found.push(m[1]!);
  return found;
}

/** Every compiled file `main` loads, itself included, as paths relative to the stages folder. */
function importClosure(stagesDir: string, main: string): string[] {
  const seen = new Set<string>();
  const queue = [main];
  while (queue.length > 0) {
    const rel = queue.pop()!;
    if (seen.has(rel)) continue;
    seen.add(rel);
    const source = readFileSync(join(stagesDir, rel), 'utf8');
    for (const spec of relativeImports(source)) queue.push(relative(stagesDir, join(stagesDir, dirname(rel), spec)).split('\\').join('/'));
  }
  return [...seen].sort();
}

const depPaths = (entries: DepEntry[] | undefined) => (entries ?? []).map((d) => (typeof d === 'string' ? d : Object.keys(d)[0]!));

describe('the example stages depend on exactly what their programs load', () => {
  const pipeline = parse(readFileSync(join(PROJECT_ROOT, 'pipeline.yaml'), 'utf8')) as { stages: Record<string, StageYaml> };

  test('the build stage compiles stages/ into build/stages/', () => {
    const build = pipeline.stages['build']!;
    assert.match(build.cmd, /tsc -p stages\/tsconfig\.json$/);
    assert.deepEqual(depPaths(build.deps), ['stages']);
    assert.deepEqual(depPaths(build.outs), ['build/stages']);
  });

  for (const [name, stage] of Object.entries(pipeline.stages)) {
    const program = /^node (build\/stages\/[\w-]+\.js)$/.exec(stage.cmd)?.[1];
    if (name === 'build') continue;
    test(`${name}: its deps on build/stages/ are its program's import closure`, () => {
      assert.ok(program, `${name} runs a compiled stage program (cmd: ${stage.cmd})`);
      const main = posix.relative('build/stages', program);
      const expected = importClosure(STAGES_DIR, main).map((f) => `build/stages/${f}`);
      const declared = depPaths(stage.deps).filter((p) => p.startsWith('build/') || p.startsWith('stages/')).sort();
      assert.deepEqual(declared, expected, `pipeline.yaml stage '${name}': deps should list exactly these compiled files`);
    });
  }

  test('the closure follows imports through libraries (a deliberately missing dep is caught)', () => {
    const closure = importClosure(STAGES_DIR, 'drift.js');
    assert.ok(closure.includes('lib/ks.js') && closure.includes('lib/special.js'), closure.join(', '));
    assert.ok(!closure.includes('lib/synth.js'), 'drift does not load the data generator');
  });
});
