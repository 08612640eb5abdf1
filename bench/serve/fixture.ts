// The flagship example after its first `repro`, made once per build of dvc-ts and per content of
// the example, then copied: a first `repro` costs ~10 CPU-seconds (tsc, then every stage) and
// its result is the same in every folder (the pipeline is deterministic), so tests and the serve
// benchmark that only need "the flagship after a first repro" copy this one instead.
//
// Where: <project>/dist/.test-fixtures/flagship-<key>/, inside the project's own build output,
// so clones side by side never share one and a rebuild can never meet a fixture of other code.
// The key hashes what makes it valid (the engine's build id, the example's inputs, the
// dependencies and Node's version); publishing a new key removes the older ones.
//
// Concurrency (test files run in parallel processes): a builder runs the repro in a temp folder
// of its own, stages the result in its `.build-<pid>-*` folder beside the fixtures and
// publishes it with one rename, so a fixture is whole or absent.
// A caller that finds a live builder waits for it; two that start together may both build, and
// the one whose rename comes second discards its copy.
import { createHash } from 'node:crypto';
import { cp, mkdir, mkdtemp, readdir, readFile, rename, rm, stat } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, relative } from 'node:path';
import { execa } from 'execa';
import { pidAlive } from '../../engine/util/pid.js';
import { BUILD_ID } from '../../engine/util/build-id.js';
import { copyFlagshipExample, EXAMPLE_FILES } from './example.js';

export const FIXTURES_DIR = 'dist/.test-fixtures';
const BUILDER_PREFIX = '.build-';
const FIXTURE_PREFIX = 'flagship-';

/**
 * Environment variables the flagship's stages read (stages/*.ts; test/serve/fixture.test.ts
 * keeps this list whole): alert.ts posts to ALERT_WEBHOOK_URL when an incident opens or resolves,
 * and names the CI run from the GITHUB_* three in reports/alert.md. monitor-plan.ts's
 * GITHUB_OUTPUT is read by no stage of the pipeline.
 */
export const STAGE_ENV = ['ALERT_WEBHOOK_URL', 'GITHUB_SERVER_URL', 'GITHUB_REPOSITORY', 'GITHUB_RUN_ID'] as const;
/** The CI run's variables: the fixture is built with this process's values, part of its key. */
const RUN_ENV = ['GITHUB_SERVER_URL', 'GITHUB_REPOSITORY', 'GITHUB_RUN_ID'] as const;

/** State files not copied: hashes.json keys each file by its inode, which no copy shares, so
 *  every entry would miss anyway; left out, the copy starts as cold as it is. */
const NOT_COPIED = new Set(['.git', '.dvc-ts/state/hashes.json']);

async function filesBelow(root: string, rel: string): Promise<string[]> {
  const st = await stat(join(root, rel));
  if (!st.isDirectory()) return [rel];
  const names = (await readdir(join(root, rel))).sort();
  return (await Promise.all(names.map((n) => filesBelow(root, join(rel, n))))).flat();
}

/** What the first repro's result depends on besides the environment, as a short hex key. */
export async function fixtureKey(projectRoot: string): Promise<string> {
  const digest = createHash('sha256').update(`${BUILD_ID}\0${process.version}\0`);
  for (const name of RUN_ENV) digest.update(`${name}=${process.env[name] ?? ''}\0`);
  // The example's own files, the ignores copied with it, and the dependencies its stages and
  // its tsc come from.
  const inputs = [...EXAMPLE_FILES, '.gitignore', 'package-lock.json'];
  for (const top of inputs) {
    for (const rel of await filesBelow(projectRoot, top)) digest.update(`${rel}\0`).update(await readFile(join(projectRoot, rel))).update('\0');
  }
  return digest.digest('hex').slice(0, 16);
}

/** The CLI of the project's build, in this process's environment without a webhook to post to. */
async function runFirstRepro(projectRoot: string, root: string): Promise<void> {
  await execa('git', ['init', '-q', '-b', 'main'], { cwd: root });
  await copyFlagshipExample(projectRoot, root);
  const env: NodeJS.ProcessEnv = { ...process.env, CI: 'true', NO_COLOR: '1' };
  delete env['ALERT_WEBHOOK_URL'];
  const r = await execa(process.execPath, [join(projectRoot, 'dist/engine/bin/main.js'), 'repro', '-q'], { cwd: root, env, extendEnv: false, reject: false, all: true, stdin: 'ignore' });
  if (r.exitCode !== 0) throw new Error(`the flagship's first repro failed (exit ${String(r.exitCode)}):\n${String(r.all)}`);
  // The fixture is only ever copied from: each copy gets a git repository of its own.
  await rm(join(root, '.git'), { recursive: true, force: true });
}

interface Builder {
  name: string;
  pid: number;
}

function builders(names: string[]): Builder[] {
  return names.flatMap((name) => {
    const m = new RegExp(`^${BUILDER_PREFIX.replace('.', '\\.')}(\\d+)-`).exec(name);
    return m ? [{ name, pid: Number(m[1]) }] : [];
  });
}

/** Remove what dead builders left and fixtures of other keys (another build or example). */
async function sweep(dir: string, keep: string): Promise<void> {
  const names = await readdir(dir).catch(() => [] as string[]);
  for (const b of builders(names)) if (!pidAlive(b.pid)) await rm(join(dir, b.name), { recursive: true, force: true });
  for (const n of names) if (n.startsWith(FIXTURE_PREFIX) && n !== keep) await rm(join(dir, n), { recursive: true, force: true });
}

async function exists(path: string): Promise<boolean> {
  return stat(path).then(() => true, () => false);
}

/**
 * Run the first repro where a test's own would run (the temp directory: tsc's module format
 * follows the nearest package.json, and the project's says "module"), then copy the result into
 * this builder's folder beside the fixtures and rename it into place; another builder's may be
 * there first, which is as good.
 */
async function buildAndPublish(projectRoot: string, dir: string, final: string): Promise<void> {
  const mine = await mkdtemp(join(dir, `${BUILDER_PREFIX}${process.pid}-`));
  const work = await mkdtemp(join(tmpdir(), 'dvc-ts-fixture-'));
  try {
    await runFirstRepro(projectRoot, work);
    const staged = join(mine, 'repo');
    await cp(work, staged, { recursive: true, preserveTimestamps: true, verbatimSymlinks: true });
    try {
      await rename(staged, final);
    } catch (e) {
      if (!(await exists(final))) throw e;
    }
  } finally {
    await rm(work, { recursive: true, force: true });
    await rm(mine, { recursive: true, force: true });
  }
}

/**
 * The published fixture's folder for this build and example, made if there is none yet. Waits
 * (polling) while another live process builds it; no time limit, as a build has none.
 */
export async function flagshipFixture(projectRoot: string): Promise<string> {
  const dir = join(projectRoot, FIXTURES_DIR);
  const name = `${FIXTURE_PREFIX}${await fixtureKey(projectRoot)}`;
  // One build per process even when its tests ask at once (the wait below skips its own pid).
  let made = inProcess.get(join(dir, name));
  if (!made) {
    made = findOrBuild(projectRoot, dir, name);
    inProcess.set(join(dir, name), made);
    made.catch(() => inProcess.delete(join(dir, name)));
  }
  return made;
}

const inProcess = new Map<string, Promise<string>>();

async function findOrBuild(projectRoot: string, dir: string, name: string): Promise<string> {
  const final = join(dir, name);
  for (;;) {
    if (await exists(final)) return final;
    await mkdir(dir, { recursive: true });
    const others = builders(await readdir(dir)).filter((b) => b.pid !== process.pid && pidAlive(b.pid));
    if (others.length === 0) {
      await sweep(dir, name);
      await buildAndPublish(projectRoot, dir, final);
      return final;
    }
    await new Promise((r) => setTimeout(r, 250));
  }
}

/**
 * Copy the flagship after its first repro into `dest` (an existing folder, typically a fresh git
 * repository): file times kept, git and the inode-keyed hash state left out. Nothing in it names
 * a folder (test/serve/fixture.test.ts checks), so nothing needs rewriting.
 */
export async function copyFlagshipAfterRepro(projectRoot: string, dest: string): Promise<void> {
  const fixture = await flagshipFixture(projectRoot);
  await cp(fixture, dest, {
    recursive: true,
    preserveTimestamps: true,
    verbatimSymlinks: true,
    filter: (src) => !NOT_COPIED.has(relative(fixture, src)),
  });
}

/**
 * Whether the fixture is what a first `repro` with `env` over this process's environment would
 * leave: `env` may only set ALERT_WEBHOOK_URL, and a webhook only matters when that first run
 * opens, or resolves, an incident (the fixture's did not).
 */
export async function fixtureServes(projectRoot: string, env: Record<string, string>): Promise<boolean> {
  if (Object.keys(env).some((name) => name !== 'ALERT_WEBHOOK_URL')) return false;
  const webhook = env['ALERT_WEBHOOK_URL'] ?? process.env['ALERT_WEBHOOK_URL'];
  return !webhook || fixtureAlertedNothing(projectRoot);
}

/** The fixture's alert stage opened, updated or resolved no incident (so posted nothing). */
export async function fixtureAlertedNothing(projectRoot: string): Promise<boolean> {
  const state = JSON.parse(await readFile(join(await flagshipFixture(projectRoot), 'incidents/state.json'), 'utf8')) as { last_run?: { events?: unknown[] } };
  return (state.last_run?.events ?? []).length === 0;
}
