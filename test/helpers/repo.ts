import { appendFile, mkdtemp, mkdir, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { execa } from 'execa';

/** The built CLI: dist/engine/bin/main.js (the bundle), next to this compiled helper's dist/test/helpers/. */
export const CLI = resolve(dirname(fileURLToPath(import.meta.url)), '../../engine/bin/main.js');
/** The repository's own root (for the flagship example and the shared corpus beside it). */
export const PROJECT_ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '../../..');

/** Poll `check` until it holds; fails the test after `ms` with what was awaited. */
export async function waitFor(check: () => Promise<boolean>, what: string, ms = 20_000): Promise<void> {
  const end = Date.now() + ms;
  while (Date.now() < end) {
    if (await check()) return;
    await new Promise((r) => setTimeout(r, 50));
  }
  throw new Error(`timed out waiting for ${what}`);
}

export interface CliResult {
  code: number;
  stdout: string;
  stderr: string;
  /** stdout and stderr together, for assertions that do not care which. */
  all: string;
}

/** A temporary git repository with real files, driven through the real CLI. */
export class TempRepo {
  private constructor(readonly root: string) {}

  static async create(files: Record<string, string> = {}, options: { git?: boolean } = {}): Promise<TempRepo> {
    const root = await mkdtemp(join(tmpdir(), 'dvc-ts-test-'));
    const repo = new TempRepo(root);
    if (options.git !== false) {
      await execa('git', ['init', '-q', '-b', 'main'], { cwd: root });
      // What three `git config` calls would write, without three more processes per repository.
      await appendFile(join(root, '.git', 'config'), '[user]\n\temail = test@dvc-ts.invalid\n\tname = dvc-ts test\n[commit]\n\tgpgsign = false\n');
    }
    await repo.write(files);
    return repo;
  }

  path(rel: string): string {
    return join(this.root, rel);
  }

  async write(files: Record<string, string>): Promise<void> {
    for (const [rel, text] of Object.entries(files)) {
      await mkdir(dirname(this.path(rel)), { recursive: true });
      await writeFile(this.path(rel), text);
    }
  }

  read(rel: string): Promise<string> {
    return readFile(this.path(rel), 'utf8');
  }

  async exists(rel: string): Promise<boolean> {
    return readFile(this.path(rel)).then(
      () => true,
      () => false,
    );
  }

  /** How many lines a counter file has: stages append a line each time they really run. */
  async count(rel: string): Promise<number> {
    const text = await readFile(this.path(rel), 'utf8').catch(() => '');
    return text.split('\n').filter((l) => l !== '').length;
  }

  async run(args: string[], options: { env?: Record<string, string>; cwd?: string } = {}): Promise<CliResult> {
    const r = await execa(process.execPath, [CLI, ...args], {
      cwd: options.cwd ?? this.root,
      reject: false,
      all: true,
      env: { CI: 'true', NO_COLOR: '1', ...options.env },
      stdin: 'ignore',
    });
    return { code: r.exitCode ?? -1, stdout: String(r.stdout), stderr: String(r.stderr), all: String(r.all) };
  }

  async git(...args: string[]): Promise<string> {
    return String((await execa('git', args, { cwd: this.root })).stdout);
  }

  async remove(): Promise<void> {
    await rm(this.root, { recursive: true, force: true });
  }
}
