// The remote integration suite, run against each kind of remote (folder.test.ts, s3.test.ts):
// real repositories, the real CLI, a real server or folder; nothing mocked.
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { readdir, readFile, stat, writeFile, mkdir } from 'node:fs/promises';
import { after, before, describe, test } from 'node:test';
import { execa } from 'execa';
import { CLI, TempRepo, waitFor } from '../helpers/repo.js';
import { blake3Hex } from '../../engine/hash/digest.js';
import { hashOfKey } from '../../engine/remote/plan.js';
import { parseIndex, parsePackKey, type PackMember } from '../../engine/remote/pack.js';
import type { TestRemote } from './servers.js';

const PIPELINE = `stages:
  prepare:
    cmd: cat data/*.csv data/sub/*.csv | sort > prepared.txt && echo prepare >> runs.log
    deps: [data]
    outs: [prepared.txt]
  train:
    cmd: mkdir -p model && (cat prepared.txt; echo "factor=\${factor}") > model/weights.txt && echo train >> runs.log
    deps: [prepared.txt]
    params: [factor]
    outs: [model]
`;

function dataFiles(): Record<string, string> {
  const files: Record<string, string> = {};
  // 40 parts: enough small files for a push to pack them (MIN_PACKED_OBJECTS).
  for (let i = 0; i < 40; i++) files[`data/part-${i}.csv`] = `id,value\n${i},${i * i}\n`;
  files['data/sub/extra.csv'] = 'id,value\n99,1\n';
  return files;
}

/** Every file below `rel` in a repository, path → bytes (hex of blake3 to keep diffs short). */
async function snapshot(repo: TempRepo, rels: string[]): Promise<Record<string, string>> {
  const out: Record<string, string> = {};
  const walk = async (rel: string): Promise<void> => {
    const st = await stat(repo.path(rel));
    if (st.isDirectory()) for (const name of (await readdir(repo.path(rel))).sort()) await walk(`${rel}/${name}`);
    else out[rel] = blake3Hex(await readFile(repo.path(rel)));
  };
  for (const r of rels) await walk(r);
  return out;
}

async function cloneOf(src: TempRepo): Promise<TempRepo> {
  const repo = await TempRepo.create({}, { git: false });
  await execa('git', ['clone', '-q', src.root, '.'], { cwd: repo.root });
  await execa('git', ['config', 'user.email', 'test@dvc-ts.invalid'], { cwd: repo.root });
  await execa('git', ['config', 'user.name', 'dvc-ts test'], { cwd: repo.root });
  return repo;
}

function ok(r: { code: number; all: string }, what: string): void {
  assert.equal(r.code, 0, `${what} failed:\n${r.all}`);
}

/** What the remote stores: loose objects, packs by their index, and packs without one. */
async function remoteContents(remote: TestRemote): Promise<{ loose: string[]; packs: Map<string, PackMember[]>; orphans: string[]; keys: string[] }> {
  const keys = await remote.keys();
  const loose: string[] = [];
  const packs = new Map<string, PackMember[]>();
  const packFiles: string[] = [];
  for (const key of keys) {
    if (key.startsWith('runs/')) continue;
    const p = parsePackKey(key);
    if (p?.kind === 'idx') packs.set(p.id, parseIndex((await remote.read(key)).toString('utf8'), p.id));
    else if (p?.kind === 'pack') packFiles.push(p.id);
    else {
      const hash = hashOfKey(key);
      assert.ok(hash, `unexpected key on the remote: ${key}`);
      loose.push(hash);
    }
  }
  return { loose, packs, orphans: packFiles.filter((id) => !packs.has(id)), keys };
}

/** Every object hash the remote holds, loose or packed, once per copy stored. */
async function remoteObjectList(remote: TestRemote): Promise<string[]> {
  const c = await remoteContents(remote);
  return [...c.loose, ...[...c.packs.values()].flatMap((members) => members.map((m) => m.hash))];
}

/**
 * Every object on the remote must hash to its name, loose or inside a pack: nothing partial,
 * nothing foreign, no pack without its index, no temp file or unfinished upload.
 */
async function assertRemoteSound(remote: TestRemote): Promise<string[]> {
  const c = await remoteContents(remote);
  for (const hash of c.loose) {
    const bytes = await remote.read(`files/b3/${hash.slice(0, 2)}/${hash.slice(2)}`);
    assert.equal(blake3Hex(bytes) + (hash.endsWith('.dir') ? '.dir' : ''), hash, `loose object ${hash} on the remote is damaged or partial`);
  }
  for (const [id, members] of c.packs) {
    const bytes = await remote.read(`packs/${id}.pack`);
    const end = members.length ? members[members.length - 1]!.offset + members[members.length - 1]!.length : 0;
    assert.equal(bytes.length, end, `pack ${id} is not as long as its index says`);
    for (const m of members) assert.equal(blake3Hex(bytes.subarray(m.offset, m.offset + m.length)), m.hash, `object ${m.hash} in pack ${id} is damaged`);
  }
  assert.deepEqual(c.orphans, [], 'a pack without its index was left on the remote');
  assert.deepEqual(await remote.leftovers(), [], 'temp files or unfinished uploads left on the remote');
  return remoteObjectList(remote);
}

export function remoteSuite(name: string, makeRemote: () => Promise<TestRemote>, skip: string | false): void {
  describe(`remote suite: ${name}`, { skip }, () => {
    let remote: TestRemote;
    let origin: TempRepo;
    const cleanup: TempRepo[] = [];
    const cli = (repo: TempRepo, args: string[]) => repo.run(args, { env: remote.env });

    before(async () => {
      remote = await makeRemote();
      origin = await TempRepo.create({ ...dataFiles(), 'pipeline.yaml': PIPELINE, 'params.yaml': 'factor: 1\n', '.gitignore': '/runs.log\n' });
      cleanup.push(origin);
      ok(await cli(origin, ['add', 'data']), 'add');
      ok(await cli(origin, ['repro']), 'repro');
      ok(await cli(origin, ['remote', 'add', '-d', 'shared', remote.url]), 'remote add');
      for (const [k, v] of Object.entries(remote.options)) ok(await cli(origin, ['remote', 'modify', 'shared', k, v]), 'remote modify');
      await origin.git('add', '-A');
      await origin.git('commit', '-qm', 'data, pipeline, remote');
    });

    after(async () => {
      for (const r of cleanup) await r.remove();
      await remote?.close();
    });

    test('push --run-cache; a fresh clone pulls byte-identical data and outputs, and repro runs nothing', async () => {
      const pushed = await cli(origin, ['push', '--run-cache']);
      ok(pushed, 'push');
      assert.match(pushed.stdout, /45 objects pushed/); // 41 data files + manifest, prepared.txt, model manifest + file
      assert.match(pushed.stdout, /2 run-cache entries/);
      const objects = await assertRemoteSound(remote);
      assert.equal(objects.length, 45);
      // The 43 small files went up in one pack (written before its index), the manifests alone.
      const contents = await remoteContents(remote);
      assert.equal(contents.packs.size, 1);
      assert.equal([...contents.packs.values()][0]!.length, 43);
      assert.equal(contents.loose.filter((h) => h.endsWith('.dir')).length, 2);

      const again = await cli(origin, ['push', '--run-cache']);
      ok(again, 'no-op push');
      assert.match(again.stdout, /^0 objects pushed .*45 of 45 already on the remote/m);
      // The outs are checked, not each file: a manifest on the remote vouches for its files.
      const requests = Number(/ (\d+) requests/.exec(again.stdout)?.[1]);
      assert.ok(requests <= 5, `a no-op push made ${requests} requests`);

      const clone = await cloneOf(origin);
      cleanup.push(clone);
      assert.equal(await clone.exists('data/part-0.csv'), false);
      ok(await cli(clone, ['pull', '--run-cache']), 'pull');
      const paths = ['data', 'prepared.txt', 'model'];
      assert.deepEqual(await snapshot(clone, paths), await snapshot(origin, paths));
      const repro = await cli(clone, ['repro']);
      ok(repro, 'repro in the clone');
      assert.match(repro.stdout, /0 ran, 0 restored, 2 up to date/);
      assert.equal(await clone.count('runs.log'), 0, 'a stage ran in the clone');
    });

    test('a clone that sets a param back to a value run elsewhere restores from the shared run-cache', async () => {
      // Elsewhere: factor 2 is run and pushed, then committed.
      await origin.write({ 'params.yaml': 'factor: 2\n' });
      ok(await cli(origin, ['repro']), 'repro factor 2');
      ok(await cli(origin, ['push', '--run-cache']), 'push factor 2');
      await origin.git('commit', '-qam', 'factor 2');
      const weights1 = 'factor=1';

      const clone = await cloneOf(origin);
      cleanup.push(clone);
      ok(await cli(clone, ['pull', '--run-cache']), 'pull');
      assert.match(await clone.read('model/weights.txt'), /factor=2/);
      await clone.write({ 'params.yaml': 'factor: 1\n' });
      const repro = await cli(clone, ['repro']);
      ok(repro, 'repro factor 1');
      assert.match(repro.stdout, /Stage 'train' restored from the run-cache/);
      assert.equal(await clone.count('runs.log'), 0, 'train ran instead of being restored');
      assert.match(await clone.read('model/weights.txt'), new RegExp(weights1));

      // repro --pull in a clone that pulled nothing: every stage comes from the remote.
      const bare = await cloneOf(origin);
      cleanup.push(bare);
      await bare.write({ 'params.yaml': 'factor: 1\n' });
      const pulled = await cli(bare, ['repro', '--pull']);
      ok(pulled, 'repro --pull');
      assert.equal(await bare.count('runs.log'), 0, `a stage ran despite --pull:\n${pulled.all}`);
      assert.match(await bare.read('model/weights.txt'), /factor=1/);
    });

    test('repro --pull TARGET fetches only what the selected stages need', async () => {
      const bare = await cloneOf(origin);
      cleanup.push(bare);
      const pulled = await cli(bare, ['repro', '--pull', 'prepare']);
      ok(pulled, 'repro --pull prepare');
      // data (40 parts + extra + its manifest) and prepared.txt; nothing of train's model, nor its run-cache entries.
      assert.match(pulled.stdout, /Pulled for repro: 43 objects fetched/);
      assert.equal(await bare.count('runs.log'), 0, `prepare ran despite --pull:\n${pulled.all}`);
      assert.equal(await bare.exists('prepared.txt'), true);
      assert.equal(await bare.exists('model'), false);
      const cached = await cli(bare, ['status', '-c', '--json']);
      const s = JSON.parse(cached.stdout) as { notInCache: { path: string }[] };
      assert.deepEqual(s.notInCache.map((o) => o.path), ['model/weights.txt']);
    });

    test('status -c lists exactly what is missing on each side', async () => {
      const clone = await cloneOf(origin);
      cleanup.push(clone);
      const remoteObjects = new Set(await remoteObjectList(remote));
      const before = await cli(clone, ['status', '-c', '--json']);
      ok(before, 'status -c in a fresh clone');
      const s1 = JSON.parse(before.stdout) as { notOnRemote: unknown[]; notInCache: { hash: string; path: string }[]; nowhere: unknown[] };
      assert.deepEqual(s1.notOnRemote, []);
      assert.deepEqual(s1.nowhere, []);
      // The clone's lock and data.dvc need 45 objects; status fetched the 2 directory manifests
      // (to compare the files they list), so 43 are left to pull, each of them on the remote.
      assert.equal(s1.notInCache.length, 43);
      for (const o of s1.notInCache) assert.ok(remoteObjects.has(o.hash), `${o.path} said to be on the remote but is not`);
      assert.ok(s1.notInCache.some((o) => o.path === 'data/sub/extra.csv'));

      ok(await cli(clone, ['pull']), 'pull');
      await clone.write({ 'notes/extra.txt': 'new data\n' });
      ok(await cli(clone, ['add', 'notes/extra.txt']), 'add extra');
      const after = await cli(clone, ['status', '-c', '--json']);
      ok(after, 'status -c after add');
      const s2 = JSON.parse(after.stdout) as { notOnRemote: { path: string; hash: string }[]; notInCache: unknown[]; nowhere: unknown[] };
      assert.deepEqual(s2.notOnRemote.map((o) => o.path), ['notes/extra.txt']);
      assert.equal(s2.notOnRemote[0]!.hash, blake3Hex('new data\n'));
      assert.deepEqual(s2.notInCache, []);
      assert.deepEqual(s2.nowhere, []);
      const text = await cli(clone, ['status', '-c']);
      assert.match(text.stdout, /not on remote: +notes\/extra\.txt/);
    });

    test('a push killed midway and run again completes with no partial or duplicate object, packs included', async () => {
      const repo = await TempRepo.create({ 'README.md': 'kill test\n' });
      cleanup.push(repo);
      await mkdir(repo.path('big'), { recursive: true });
      for (let i = 0; i < 300; i++) await writeFile(repo.path(`big/small-${i}.bin`), randomBytes(4096));
      // Large enough to go up in parts on S3 (and to take a while through a folder).
      await writeFile(repo.path('big/large.bin'), randomBytes(70 * 1024 * 1024));
      ok(await cli(repo, ['add', 'big']), 'add big');
      ok(await cli(repo, ['remote', 'add', '-d', 'shared', remote.url]), 'remote add');
      for (const [k, v] of Object.entries(remote.options)) ok(await cli(repo, ['remote', 'modify', 'shared', k, v]), 'remote modify');
      // Packs of 4 small files: 75 packs, so the kill lands between packs (and between a pack and its index).
      ok(await cli(repo, ['remote', 'modify', 'shared', 'pack_size', '16384']), 'remote modify pack_size');
      const before = new Set(await remote.keys());
      const objectsBefore = (await remoteObjectList(remote)).length;
      const fresh = async () => (await remote.keys()).filter((k) => !before.has(k));
      const child = execa(process.execPath, [CLI, 'push', '-j', '2'], { cwd: repo.root, env: { CI: 'true', ...remote.env }, reject: false });
      let partialSeen = false;
      await waitFor(async () => {
        partialSeen ||= (await remote.leftovers()).length > 0;
        return partialSeen || (await fresh()).length >= 30;
      }, 'the push to be under way', 60_000);
      child.kill('SIGKILL');
      const killed = await child;
      assert.equal(killed.signal, 'SIGKILL', `the push finished before it could be killed:\n${killed.all ?? killed.stdout}`);
      // Requests the killed process had fully sent may still complete on the server: count once
      // the remote has settled. Objects count as landed once loose or in a pack with its index.
      let landedKeys = -1;
      for (;;) {
        await new Promise((r) => setTimeout(r, 300));
        const now = (await fresh()).length;
        if (now === landedKeys) break;
        landedKeys = now;
      }
      const landed = (await remoteObjectList(remote)).length - objectsBefore;
      assert.ok(landed < 302, `every object was already there (${landed})`);

      const rerun = await cli(repo, ['push']);
      process.stdout.write(`# after the kill (${landed} objects had landed, ${landedKeys} keys): ${rerun.stdout.trim()}\n`);
      ok(rerun, 'push after the kill');
      assert.match(rerun.stdout, new RegExp(`^${302 - landed} objects pushed`, 'm'));
      const objects = await assertRemoteSound(remote);
      assert.equal(new Set(objects).size, objects.length, 'an object is stored twice');
      // 300 small files, the large one and the manifest, each exactly once.
      assert.equal(objects.length - objectsBefore, 302);
      await repo.git('add', '-A');
      await repo.git('commit', '-qm', 'big');
      const c2 = await cloneOf(repo);
      cleanup.push(c2);
      ok(await cli(c2, ['pull']), 'pull after the interrupted push');
      assert.deepEqual(await snapshot(c2, ['big']), await snapshot(repo, ['big']));
    });

    test('an object altered inside a pack is refused on pull, named, and kept out of the cache', async () => {
      const clone = await cloneOf(origin);
      cleanup.push(clone);
      const target = blake3Hex('id,value\n3,9\n');
      const { packs } = await remoteContents(remote);
      const [pack, member] = [...packs].flatMap(([id, ms]) => ms.filter((m) => m.hash === target).map((m) => [id, m] as const))[0] ?? [];
      assert.ok(pack && member, 'data/part-3.csv is not in a pack');
      const key = `packs/${pack}.pack`;
      const original = await remote.read(key);
      const altered = Buffer.from(original);
      altered[member.offset + member.length - 2] = '8'.charCodeAt(0); // 3,9 -> 3,8: same length, other bytes
      await remote.tamper(key, altered);
      try {
        const pulled = await cli(clone, ['pull']);
        assert.equal(pulled.code, 1, pulled.all);
        const where = `files/b3/${target.slice(0, 2)}/${target.slice(2)} in ${key} bytes ${member.offset}-${member.offset + member.length - 1}`;
        assert.match(pulled.stderr, new RegExp(`data/part-3\\.csv \\(object ${where.replace(/[/.]/g, '\\$&')}\\): .*refused, not entered into the cache`));
        assert.equal(await clone.exists(`.dvc-ts/cache/files/b3/${target.slice(0, 2)}/${target.slice(2)}`), false);
        assert.deepEqual(await readdir(clone.path('.dvc-ts/tmp/pull')).catch(() => []), [], 'a temp file was left behind');
        // Everything else arrived in the cache, its neighbours in the pack too; the directory is not checked out half-made.
        const other = blake3Hex('id,value\n4,16\n');
        assert.equal(await clone.exists(`.dvc-ts/cache/files/b3/${other.slice(0, 2)}/${other.slice(2)}`), true);
        assert.equal(await clone.exists('data/part-3.csv'), false);
      } finally {
        await remote.tamper(key, original);
      }
      ok(await cli(clone, ['pull']), 'pull once the pack is repaired');
      assert.equal(await clone.read('data/part-3.csv'), 'id,value\n3,9\n');
    });

    test('a remote pushed object by object (the layout before packs) pulls, refuses an altered object, and status -c is exact', async () => {
      const files: Record<string, string> = { 'legacy/a.txt': 'legacy a\n', 'legacy/b.txt': 'legacy b\n', 'legacy/c/d.txt': 'legacy d\n', 'single.txt': 'single\n' };
      // Enough small files that a push would pack them, were pack_size not 0.
      for (let i = 0; i < 40; i++) files[`legacy/many/f-${i}.txt`] = `legacy many ${i}\n`;
      const legacy = await TempRepo.create(files);
      cleanup.push(legacy);
      ok(await cli(legacy, ['add', 'legacy', 'single.txt']), 'add');
      ok(await cli(legacy, ['remote', 'add', '-d', 'shared', remote.url]), 'remote add');
      for (const [k, v] of Object.entries(remote.options)) ok(await cli(legacy, ['remote', 'modify', 'shared', k, v]), 'remote modify');
      // pack_size 0 on this machine only: every object goes up alone, as before packs.
      ok(await cli(legacy, ['remote', 'modify', '--local', 'shared', 'pack_size', '0']), 'pack_size 0');
      const packsBefore = (await remoteContents(remote)).packs.size;
      ok(await cli(legacy, ['push']), 'loose push');
      const after = await remoteContents(remote);
      assert.equal(after.packs.size, packsBefore, 'pack_size 0 still made a pack');
      for (const text of ['legacy a\n', 'legacy d\n', 'single\n']) assert.ok(after.loose.includes(blake3Hex(text)), `${text.trim()} is not loose`);
      await legacy.git('add', '-A');
      await legacy.git('commit', '-qm', 'legacy');

      const clone = await cloneOf(legacy);
      cleanup.push(clone);
      const status = await cli(clone, ['status', '-c', '--json']);
      ok(status, 'status -c');
      const s = JSON.parse(status.stdout) as { notOnRemote: unknown[]; notInCache: { path: string }[]; nowhere: unknown[] };
      assert.deepEqual(s.notOnRemote, []);
      assert.deepEqual(s.nowhere, []);
      assert.deepEqual(s.notInCache.map((o) => o.path).filter((p) => !p.includes('/many/')).sort(), ['legacy/a.txt', 'legacy/b.txt', 'legacy/c/d.txt', 'single.txt']);
      assert.equal(s.notInCache.length, 44);

      const target = blake3Hex('legacy b\n');
      const key = `files/b3/${target.slice(0, 2)}/${target.slice(2)}`;
      const original = await remote.read(key);
      await remote.tamper(key, Buffer.from('legacy B\n'));
      try {
        const pulled = await cli(clone, ['pull']);
        assert.equal(pulled.code, 1, pulled.all);
        assert.match(pulled.stderr, new RegExp(`legacy/b\\.txt \\(object ${key.replace(/[/.]/g, '\\$&')}\\): .*refused, not entered into the cache`));
        assert.equal(await clone.exists(`.dvc-ts/cache/${key}`), false);
        assert.equal(await clone.read('single.txt'), 'single\n');
      } finally {
        await remote.tamper(key, original);
      }
      ok(await cli(clone, ['pull']), 'pull once the object is repaired');
      assert.equal(await clone.read('legacy/b.txt'), 'legacy b\n');
      const synced = await cli(clone, ['status', '-c']);
      assert.match(synced.stdout, /are in sync/);
    });

    // Last: concurrent pushers may each store an object both send (correct, not deduplicated).
    test('two clones pushing at once do not corrupt each other: every pack whole, both pull back', async () => {
      const shared: Record<string, string> = {};
      for (let i = 0; i < 120; i++) shared[`set/shared-${i}.txt`] = `shared ${i} ${'x'.repeat(i * 37)}\n`;
      const repos: TempRepo[] = [];
      for (const side of ['left', 'right']) {
        const files: Record<string, string> = { ...shared };
        for (let i = 0; i < 80; i++) files[`set/${side}-${i}.txt`] = `${side} ${i}\n`;
        const repo = await TempRepo.create(files);
        cleanup.push(repo);
        ok(await cli(repo, ['add', 'set']), `add ${side}`);
        ok(await cli(repo, ['remote', 'add', '-d', 'shared', remote.url]), 'remote add');
        for (const [k, v] of Object.entries(remote.options)) ok(await cli(repo, ['remote', 'modify', 'shared', k, v]), 'remote modify');
        ok(await cli(repo, ['remote', 'modify', 'shared', 'pack_size', '8192']), 'pack_size');
        await repo.git('add', '-A');
        await repo.git('commit', '-qm', side);
        repos.push(repo);
      }
      const pushes = await Promise.all(repos.map((r) => cli(r, ['push', '-j', '4'])));
      pushes.forEach((p, i) => ok(p, `concurrent push ${i}`));
      await assertRemoteSound(remote);
      for (const repo of repos) {
        const clone = await cloneOf(repo);
        cleanup.push(clone);
        const status = JSON.parse((await cli(clone, ['status', '-c', '--json'])).stdout) as { notOnRemote: unknown[]; nowhere: unknown[]; notInCache: unknown[] };
        assert.deepEqual([status.notOnRemote, status.nowhere], [[], []]);
        assert.equal(status.notInCache.length, 200);
        ok(await cli(clone, ['pull']), 'pull');
        assert.deepEqual(await snapshot(clone, ['set']), await snapshot(repo, ['set']));
      }
    });
  });
}
