// Shared helpers for the pipeline loader tests.
import assert from 'node:assert/strict';
import { mkdtemp, mkdir, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { UserError, UserErrors } from '../../engine/errors.js';
import type { Pipeline, StageDef } from '../../engine/types.js';
import { resolvePipeline } from '../../engine/pipeline/resolve.js';
import type { ResolveInput } from '../../engine/pipeline/resolve.js';

/** Resolve pipeline text with other files given in memory (path → content). */
export function resolveText(text: string, files: Record<string, string> = {}, extra: Partial<ResolveInput> = {}): Pipeline {
  return resolvePipeline({
    file: 'pipeline.yaml',
    text,
    readFile: (p) => (Object.prototype.hasOwnProperty.call(files, p) ? files[p] : undefined),
    ...extra,
  });
}

export function stage(pipeline: Pipeline, name: string): StageDef {
  const found = pipeline.stages.find((s) => s.name === name);
  assert.ok(found, `stage '${name}' not found among ${pipeline.stages.map((s) => s.name).join(', ')}`);
  return found;
}

/** Run `fn`, which must throw a UserError; returns every individual error. */
export function userErrors(fn: () => unknown): UserError[] {
  try {
    fn();
  } catch (e) {
    assert.ok(e instanceof UserError, `expected a UserError, got ${String(e)}`);
    return e instanceof UserErrors ? e.errors : [e];
  }
  assert.fail('expected a UserError, but nothing was thrown');
}

export async function userErrorsAsync(fn: () => Promise<unknown>): Promise<UserError[]> {
  try {
    await fn();
  } catch (e) {
    assert.ok(e instanceof UserError, `expected a UserError, got ${String(e)}`);
    return e instanceof UserErrors ? e.errors : [e];
  }
  assert.fail('expected a UserError, but nothing was thrown');
}

/** The single error `fn` throws, checked against `pattern` and (optionally) its line:col. */
export function oneError(fn: () => unknown, pattern: RegExp, at?: [number, number]): UserError {
  const errors = userErrors(fn);
  assert.equal(errors.length, 1, `expected one error, got:\n${errors.map((e) => e.format()).join('\n')}`);
  const error = errors[0]!;
  assert.match(error.message, pattern);
  if (at) assert.deepEqual([error.pos?.line, error.pos?.col], at, `position of: ${error.format()}`);
  return error;
}

/** A fresh temporary repository with the given files (path → content). */
export async function tempRepo(files: Record<string, string>): Promise<string> {
  const root = await mkdtemp(join(tmpdir(), 'dvc-ts-pipeline-'));
  for (const [path, content] of Object.entries(files)) {
    await mkdir(dirname(join(root, path)), { recursive: true });
    await writeFile(join(root, path), content);
  }
  return root;
}
