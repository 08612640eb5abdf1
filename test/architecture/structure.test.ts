// The shape of the engine's source, checked from the TypeScript files themselves: no function in
// engine/ longer than 80 lines, no import cycle between the folders of engine/ (the house plan
// is a layering, from the bottom: util, hash, gate, pipeline, lock, cache, graph, stage, git,
// repo, run, report, tracked, remote, exp, api, cli), and no node:fs in api/ or cli/ (they call
// the owners of the files).
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';
import ts from 'typescript';
import { PROJECT_ROOT } from '../helpers/repo.js';

const ENGINE = join(PROJECT_ROOT, 'engine');
const MAX_FUNCTION_LINES = 80;
/** Folders that call the owners of on-disk layout instead of touching files themselves. */
const NO_FS_FOLDERS = ['api', 'cli'];
/**
 * Known exceptions, each `file: function` or `file: node:fs`, with why. Only tolerated, never
 * required: an entry whose code has been fixed simply stops matching.
 */
const TOLERATED = new Map<string, string>([]);

function sourceFiles(dir: string): string[] {
  return readdirSync(dir).flatMap((name) => {
    const p = join(dir, name);
    return statSync(p).isDirectory() ? sourceFiles(p) : p.endsWith('.ts') && !p.endsWith('.d.ts') ? [p] : [];
  });
}

const parsed = new Map<string, ts.SourceFile>();
function parse(file: string): ts.SourceFile {
  let source = parsed.get(file);
  if (!source) parsed.set(file, (source = ts.createSourceFile(file, readFileSync(file, 'utf8'), ts.ScriptTarget.Latest, true)));
  return source;
}

/** Every function-like node with its name (or where it is) and its length in lines. */
export function functionLengths(source: ts.SourceFile): { name: string; lines: number }[] {
  const found: { name: string; lines: number }[] = [];
  const visit = (node: ts.Node): void => {
    if (ts.isFunctionLike(node) && 'body' in node && node.body) {
      const start = source.getLineAndCharacterOfPosition(node.getStart(source)).line;
      const end = source.getLineAndCharacterOfPosition(node.getEnd()).line;
      const named = (node as ts.FunctionLikeDeclaration).name;
      const name = named && ts.isIdentifier(named) ? named.text : `function at line ${start + 1}`;
      found.push({ name, lines: end - start + 1 });
    }
    ts.forEachChild(node, visit);
  };
  visit(source);
  return found;
}

/** Every module specifier a file imports or re-exports, static or dynamic, types included. */
function moduleSpecifiersOf(source: ts.SourceFile): string[] {
  const specs: string[] = [];
  const visit = (node: ts.Node): void => {
    if ((ts.isImportDeclaration(node) || ts.isExportDeclaration(node)) && node.moduleSpecifier && ts.isStringLiteral(node.moduleSpecifier)) {
      specs.push(node.moduleSpecifier.text);
    } else if (ts.isCallExpression(node) && node.expression.kind === ts.SyntaxKind.ImportKeyword && node.arguments[0] && ts.isStringLiteral(node.arguments[0])) {
      specs.push(node.arguments[0].text);
    }
    ts.forEachChild(node, visit);
  };
  visit(source);
  return specs;
}

/** Relative module specifiers a file imports or re-exports, static or dynamic, types included. */
export function importsOf(source: ts.SourceFile): string[] {
  return moduleSpecifiersOf(source).filter((s) => s.startsWith('.'));
}

/** Node's file-system modules a file imports, static or dynamic (`node:fs`, `fs/promises`, …). */
export function fsImportsOf(source: ts.SourceFile): string[] {
  return moduleSpecifiersOf(source).filter((s) => /^(node:)?fs(\/|$)/.test(s));
}

/** Findings of the long-function rule: `file: name (n lines)`, tolerated ones left out. */
export function longFunctions(files: readonly string[], parsed: (f: string) => ts.SourceFile): string[] {
  return files.flatMap((f) =>
    functionLengths(parsed(f))
      .filter((fn) => fn.lines > MAX_FUNCTION_LINES && !TOLERATED.has(`${relative(PROJECT_ROOT, f)}: ${fn.name}`))
      .map((fn) => `${relative(PROJECT_ROOT, f)}: ${fn.name} (${fn.lines} lines)`),
  );
}

/**
 * engine/repo/repo.ts → 'repo'. A file at the top of engine/ is a node of its own: types.ts and
 * errors.ts sit below every folder, index.ts (the API) above them all.
 */
function folderOf(file: string): string {
  const rel = relative(ENGINE, file).split(/[\\/]/);
  return rel[0]!;
}

/** Cycles in a small directed graph, each as a path that returns to its start. */
export function cyclesIn(edges: Map<string, Set<string>>): string[][] {
  const cycles: string[][] = [];
  const seen = new Set<string>();
  const path: string[] = [];
  const onPath = new Set<string>();
  const walk = (n: string): void => {
    path.push(n);
    onPath.add(n);
    for (const m of edges.get(n) ?? []) {
      if (onPath.has(m)) cycles.push([...path.slice(path.indexOf(m)), m]);
      else if (!seen.has(m)) walk(m);
    }
    path.pop();
    onPath.delete(n);
    seen.add(n);
  };
  for (const n of [...edges.keys()].sort()) if (!seen.has(n)) walk(n);
  return cycles;
}

describe('engine structure', () => {
  if (!existsSync(ENGINE)) {
    test('engine sources present', { skip: `no TypeScript sources at ${ENGINE}` }, () => {});
    return;
  }
  const files = sourceFiles(ENGINE);

  test(`no function in engine/ is longer than ${MAX_FUNCTION_LINES} lines`, () => {
    assert.deepEqual(longFunctions(files, parse), []);
  });

  test(`no node:fs import in ${NO_FS_FOLDERS.map((d) => `engine/${d}/`).join(' or ')}`, () => {
    const found = files
      .filter((f) => NO_FS_FOLDERS.includes(folderOf(f)) && !TOLERATED.has(`${relative(PROJECT_ROOT, f)}: node:fs`))
      .flatMap((f) => fsImportsOf(parse(f)).map((spec) => `${relative(PROJECT_ROOT, f)} imports ${spec}`));
    assert.deepEqual(found, []);
  });

  test('no import cycle between the folders of engine/', () => {
    const edges = new Map<string, Set<string>>();
    const why = new Map<string, string>();
    for (const f of files) {
      const from = folderOf(f);
      for (const spec of importsOf(parse(f))) {
        const target = resolve(dirname(f), spec.replace(/\.js$/, '.ts'));
        const to = folderOf(target);
        if (to === from || target.startsWith(ENGINE) === false) continue;
        if (!edges.has(from)) edges.set(from, new Set());
        edges.get(from)!.add(to);
        why.set(`${from}->${to}`, `${relative(ENGINE, f)} imports ${spec}`);
      }
    }
    const cycles = cyclesIn(edges).map((c) => `${c.join(' -> ')}  (${c.slice(1).map((to, i) => why.get(`${c[i]}->${to}`)).join('; ')})`);
    assert.deepEqual(cycles, []);
  });

  test('the checks can fail: a cycle, a long function and a file-system import are found', () => {
    assert.deepEqual(cyclesIn(new Map([['a', new Set(['b'])], ['b', new Set(['a'])]])), [['a', 'b', 'a']]);
    const long = ts.createSourceFile('x.ts', `function big() {\n${'  call();\n'.repeat(90)}}\n`, ts.ScriptTarget.Latest, true);
    assert.deepEqual(functionLengths(long), [{ name: 'big', lines: 92 }]);
    const anywhere = join(ENGINE, 'report', 'x.ts');
    assert.deepEqual(longFunctions([anywhere], () => long), ['engine/report/x.ts: big (92 lines)']);
    const fsUser = "import { readFile } from 'node:fs/promises';\nimport * as fs from 'fs';\nconst m = await import('node:fs');\nimport { join } from 'node:path';";
    assert.deepEqual(fsImportsOf(ts.createSourceFile('z.ts', fsUser, ts.ScriptTarget.Latest, true)), ['node:fs/promises', 'fs', 'node:fs']);
    assert.deepEqual(importsOf(ts.createSourceFile('y.ts', "import type { A } from '../a.js';\nconst m = await import('./b.js');\nimport 'node:fs';", ts.ScriptTarget.Latest, true)), ['../a.js', './b.js']);
  });
});
