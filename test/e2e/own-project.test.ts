// The README's "Use dvc-ts in your own project", followed literally in an empty folder: its shell
// blocks run in order in one bash session, its `yaml file=NAME` blocks are written to NAME where
// they appear. The package is this checkout packed by `npm pack` (as the README says), put where
// the README's install command looks for it. Only npm flags that keep it fast and quiet are added.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdir, mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { execa } from 'execa';
import { PROJECT_ROOT } from '../helpers/repo.js';

/** The section's blocks as one bash script (pure). */
export function scriptFromSection(readme: string, heading: string): string {
  const start = readme.indexOf(`\n## ${heading}\n`);
  assert.ok(start >= 0, `README has a section '${heading}'`);
  const rest = readme.slice(start + heading.length + 5);
  const end = rest.search(/\n## /);
  const section = end >= 0 ? rest.slice(0, end) : rest;
  const lines = ['set -euo pipefail'];
  for (const block of section.matchAll(/```([^\n]*)\n([\s\S]*?)```/g)) {
    const info = block[1]!.trim();
    const body = block[2]!;
    const file = /\bfile=(\S+)/.exec(info)?.[1];
    if (file) {
      lines.push(`cat > ${file} <<'README_BLOCK_END'`, body.replace(/\n$/, ''), 'README_BLOCK_END');
    } else if (info === 'sh') {
      for (const line of body.split('\n')) {
        lines.push(/^npm install\b/.test(line) ? `${line} --prefer-offline --no-audit --no-fund` : line);
      }
    }
  }
  return lines.join('\n') + '\n';
}

describe("the README's own-project section, in an empty folder", () => {
  let dir = '';
  let version = '';
  before(async () => {
    dir = await mkdtemp(join(tmpdir(), 'dvc-ts-own-'));
    await mkdir(join(dir, 'dvc-ts'));
    version = (JSON.parse(await readFile(join(PROJECT_ROOT, 'package.json'), 'utf8')) as { version: string }).version;
    // The engine is already built (npm test builds first): no prepare script needed here.
    const pack = await execa('npm', ['pack', '--ignore-scripts', '--pack-destination', join(dir, 'dvc-ts')], { cwd: PROJECT_ROOT, reject: false });
    assert.equal(pack.exitCode, 0, String(pack.stderr));
  });
  after(async () => rm(dir, { recursive: true, force: true }));

  test('its commands install dvc-ts, run the three-stage example twice and commit what it says', async () => {
    const readme = await readFile(join(PROJECT_ROOT, 'README.md'), 'utf8');
    const script = scriptFromSection(readme, 'Use dvc-ts in your own project');
    assert.match(script, new RegExp(`dvc-ts-${version.replace(/\./g, '\\.')}\\.tgz`), 'the README names the tarball npm pack makes');
    const r = await execa('bash', ['-c', script], {
      cwd: dir,
      reject: false,
      all: true,
      stdin: 'ignore',
      env: {
        CI: 'true',
        NO_COLOR: '1',
        GIT_AUTHOR_NAME: 'README reader',
        GIT_AUTHOR_EMAIL: 'reader@dvc-ts.invalid',
        GIT_COMMITTER_NAME: 'README reader',
        GIT_COMMITTER_EMAIL: 'reader@dvc-ts.invalid',
        npm_config_update_notifier: 'false',
      },
      timeout: 20 * 60_000,
    });
    assert.equal(r.exitCode, 0, `${script}\n---\n${String(r.all)}`);
    const out = String(r.all);
    assert.match(out, /3 ran, 0 restored, 0 up to date, 0 failed/, 'the first repro runs the three stages');
    assert.match(out, /0 ran, 0 restored, 3 up to date, 0 failed/, 'the second runs nothing');
    const project = join(dir, 'my-project');
    // 1² + 2² + … + 100² = 338,350.
    assert.deepEqual(JSON.parse(await readFile(join(project, 'metrics.json'), 'utf8')), { count: 100, sum: 338350 });
    const git = async (...args: string[]) => String((await execa('git', args, { cwd: project })).stdout);
    assert.equal(await git('status', '--porcelain', '--untracked-files=all'), '', 'everything is committed or ignored');
    const committed = (await git('ls-files')).split('\n');
    assert.ok(committed.includes('pipeline.lock') && committed.includes('data/.gitignore'), committed.join(', '));
    assert.ok(!committed.some((f) => f.startsWith('node_modules/') || f === 'data/numbers.txt' || f.startsWith('.dvc-ts/cache')), committed.join(', '));
    const dev = (JSON.parse(await readFile(join(project, 'package.json'), 'utf8')) as { devDependencies?: Record<string, string> }).devDependencies;
    assert.ok(dev?.['dvc-ts'], 'dvc-ts is a dev dependency');
  });
});
