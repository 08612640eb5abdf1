// The container image, checked without Docker (no daemon here): the Dockerfile is linted
// (dockerfile-utils, the checks of VS Code's Dockerfile language server) and parsed
// (dockerfile-ast), and what it says is held against the repository: multi-stage, an
// unprivileged user, no secret, COPY only of tracked files (or of the bundle the pipeline makes)
// that the build context lets through, the port and probe the service answers on, flags the
// service accepts, and a runtime that carries every module the service loads.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { builtinModules } from 'node:module';
import { dirname, join, relative, resolve } from 'node:path';
import { DockerfileParser, type Copy, type Instruction, type JSONInstruction } from 'dockerfile-ast';
import { validate } from 'dockerfile-utils';
import { execa } from 'execa';
import ts from 'typescript';
import { parse as parseYaml } from 'yaml';
import { PROJECT_ROOT } from '../helpers/repo.js';
import { serveFlags } from './serve-flags.js';

const DOCKERFILE = join(PROJECT_ROOT, 'Dockerfile');
const text = readFileSync(DOCKERFILE, 'utf8');

interface Stage { name: string; base: string; instructions: Instruction[] }

/** The instructions grouped by the FROM that starts each stage. */
function stagesOf(source: string): Stage[] {
  const stages: Stage[] = [];
  for (const instruction of DockerfileParser.parse(source).getInstructions()) {
    if (instruction.getKeyword() === 'FROM') {
      const args = instruction.getArguments().map((a) => a.getValue());
      stages.push({ name: args[2] ?? `#${stages.length}`, base: args[0]!, instructions: [] });
    } else stages.at(-1)?.instructions.push(instruction);
  }
  return stages;
}

/** An instruction's arguments: the strings of its JSON form, or its words. */
function argsOf(instruction: Instruction): string[] {
  const json = (instruction as Partial<JSONInstruction>).getJSONStrings?.() ?? [];
  return json.length ? json.map((s) => s.getJSONValue()) : instruction.getArguments().map((a) => a.getValue());
}

const stages = stagesOf(text);
const runtime = stages.at(-1)!;
const keyword = (stage: Stage, k: string) => stage.instructions.filter((i) => i.getKeyword() === k);
/** `COPY` arguments without their flags: sources, then the destination. */
const copyPaths = (i: Instruction) => argsOf(i).filter((a) => !a.startsWith('--'));
const fromStage = (i: Instruction) => (i as Copy).getFromFlag()?.getValue() ?? undefined;

test('Dockerfile: the linter finds nothing', () => {
  const findings = validate(text).map((d) => `Dockerfile:${d.range.start.line + 1}:${d.range.start.character + 1}: ${d.message}`);
  assert.deepEqual(findings, []);
});

test('Dockerfile: multi-stage, the runtime has production dependencies and dist/ only, as an unprivileged user', () => {
  assert.deepEqual(stages.map((s) => s.name).filter((n) => ['build', 'deps', 'runtime'].includes(n)), ['build', 'deps', 'runtime']);
  assert.equal(runtime.name, 'runtime', 'the runtime is the last stage, the one `docker build` makes by default');
  const build = stages.find((s) => s.name === 'build')!;
  assert.ok(keyword(build, 'RUN').some((r) => /npm ci\b/.test(r.getRawArgumentsContent() ?? '')) && keyword(build, 'RUN').some((r) => /npm run build/.test(r.getRawArgumentsContent() ?? '')));
  const deps = stages.find((s) => s.name === 'deps')!;
  assert.ok(keyword(deps, 'RUN').some((r) => /npm ci\b.*--omit=dev/.test(r.getRawArgumentsContent() ?? '')), 'the runtime\'s node_modules come from `npm ci --omit=dev`');
  assert.deepEqual(keyword(runtime, 'RUN').filter((r) => /\bnpm\b/.test(r.getRawArgumentsContent() ?? '')), [], 'no npm in the runtime stage');
  const fromBuild = keyword(runtime, 'COPY').filter((c) => fromStage(c) === 'build').flatMap((c) => copyPaths(c).slice(0, -1));
  assert.ok(fromBuild.length > 0 && fromBuild.every((p) => p === '/src/package.json' || p.startsWith('/src/dist/')), `the runtime copies from the build stage only dist/ and package.json: ${fromBuild.join(', ')}`);
  const users = keyword(runtime, 'USER').map((u) => argsOf(u)[0]!);
  assert.ok(users.length > 0, 'the runtime stage sets a USER');
  const user = users.at(-1)!.split(':')[0]!;
  assert.match(user, /^\d+$/, 'a numeric uid, so that Kubernetes\' runAsNonRoot can check it');
  assert.notEqual(Number(user), 0);
});

test('Dockerfile: no secret in the image, the build context is an allowlist', () => {
  for (const stage of stages) {
    for (const i of [...keyword(stage, 'ENV'), ...keyword(stage, 'ARG')]) {
      assert.doesNotMatch(i.getRawArgumentsContent() ?? '', /(token|secret|password|passwd|api_?key)\s*=/i, `line ${i.getRange().start.line + 1}: no credential in ENV or ARG`);
    }
  }
  const ignore = readFileSync(join(PROJECT_ROOT, '.dockerignore'), 'utf8').split('\n').map((l) => l.trim()).filter((l) => l && !l.startsWith('#'));
  assert.equal(ignore[0], '*', '.dockerignore starts by excluding everything');
  for (const excluded of ['**/.env', '**/node_modules']) assert.ok(ignore.includes(excluded), `.dockerignore excludes ${excluded}`);
});

test('Dockerfile: every COPY from the context is a tracked file or the bundle the pipeline makes, and the context lets it through', async () => {
  const tracked = new Set(String((await execa('git', ['ls-files'], { cwd: PROJECT_ROOT })).stdout).split('\n'));
  const isTracked = (p: string) => tracked.has(p) || [...tracked].some((f) => f.startsWith(`${p.replace(/\/$/, '')}/`));
  const pipeline = parseYaml(readFileSync(join(PROJECT_ROOT, 'pipeline.yaml'), 'utf8')) as { stages: Record<string, { outs?: (string | Record<string, unknown>)[] }> };
  const pipelineOuts = new Set(Object.values(pipeline.stages).flatMap((s) => (s.outs ?? []).map((o) => (typeof o === 'string' ? o : Object.keys(o)[0]!))));
  const allowed = readFileSync(join(PROJECT_ROOT, '.dockerignore'), 'utf8').split('\n').filter((l) => l.startsWith('!')).map((l) => l.slice(1).replace(/\/$/, ''));
  const sources = stages.flatMap((s) => keyword(s, 'COPY').filter((c) => !fromStage(c)).flatMap((c) => copyPaths(c).slice(0, -1)));
  assert.ok(sources.length > 0);
  for (const source of sources) {
    const path = source.replace(/\/$/, '');
    assert.ok(isTracked(path) || pipelineOuts.has(path), `COPY ${source}: neither tracked by git nor an output of pipeline.yaml`);
    assert.ok(allowed.some((a) => path === a || path.startsWith(`${a}/`)), `COPY ${source}: .dockerignore keeps it out of the build context`);
  }
});

test('Dockerfile: the port, the liveness probe, SIGTERM and flags the service knows', async () => {
  const cmd = argsOf(keyword(runtime, 'CMD').at(-1)!);
  const entrypoint = argsOf(keyword(runtime, 'ENTRYPOINT').at(-1)!);
  assert.deepEqual(entrypoint, ['node', 'dist/serve/main.js'], 'node runs the service as PID 1, so the signal reaches it');
  assert.equal(argsOf(keyword(runtime, 'STOPSIGNAL').at(-1)!)[0], 'SIGTERM');
  const port = cmd[cmd.indexOf('--port') + 1];
  assert.deepEqual(keyword(runtime, 'EXPOSE').map((e) => argsOf(e)[0]), [port]);
  assert.equal(cmd[cmd.indexOf('--host') + 1], '0.0.0.0', 'reachable from outside the container');
  const health = keyword(runtime, 'HEALTHCHECK').at(-1)!.getRawArgumentsContent() ?? '';
  assert.ok(health.includes(`http://127.0.0.1:${port}/health/live`), health);
  const unknown = cmd.filter((a) => a.startsWith('--') && !serveFlags().has(a));
  assert.deepEqual(unknown, [], 'flags `node dist/serve/main.js --help` does not list');
});

/** Every file and package the service loads, following relative imports from its entries. */
function loadedBy(entries: readonly string[]): { files: Set<string>; packages: Set<string> } {
  const files = new Set<string>();
  const packages = new Set<string>();
  const queue = [...entries];
  while (queue.length) {
    const file = queue.pop()!;
    if (files.has(file)) continue;
    files.add(file);
    for (const { fileName } of ts.preProcessFile(readFileSync(file, 'utf8'), true, true).importedFiles) {
      if (fileName.startsWith('.')) queue.push(resolve(dirname(file), fileName));
      else if (!fileName.startsWith('node:') && !builtinModules.includes(fileName)) packages.add(fileName.startsWith('@') ? fileName.split('/').slice(0, 2).join('/') : fileName.split('/')[0]!);
    }
  }
  return { files, packages };
}

test('Dockerfile: the runtime stage holds every module the service loads, and its packages are production dependencies', () => {
  const dist = join(PROJECT_ROOT, 'dist');
  const copied = keyword(runtime, 'COPY').filter((c) => fromStage(c) === 'build').flatMap((c) => copyPaths(c).slice(0, -1)).map((p) => p.replace(/^\/src\//, '').replace(/\/$/, ''));
  assert.ok(existsSync(join(dist, 'serve/main.js')), 'built');
  // Every program of the service's folder (the service, and the commands beside it) is an entry.
  const entries = readdirSync(join(dist, 'serve')).filter((f) => f.endsWith('.js')).map((f) => join(dist, 'serve', f));
  const { files, packages } = loadedBy(entries);
  const outside = [...files].map((f) => relative(PROJECT_ROOT, f)).filter((f) => !copied.some((c) => f === c || f.startsWith(`${c}/`)));
  assert.deepEqual(outside, [], 'modules the service loads that the runtime stage does not copy');
  const { dependencies } = JSON.parse(readFileSync(join(PROJECT_ROOT, 'package.json'), 'utf8')) as { dependencies: Record<string, string> };
  assert.deepEqual([...packages].filter((p) => !(p in dependencies)), [], 'packages the service loads that `npm ci --omit=dev` does not install');
  assert.ok(packages.has('fastify'), 'the walk sees the service\'s packages');
});
