import { isDirHash } from '../hash/dir.js';
import { collectWanted, type CollectOptions } from '../remote/collect.js';
import { openRemote } from '../remote/open.js';
import { objectKey } from '../remote/plan.js';
import { downloadObject, locateOnRemote } from '../remote/transfer.js';
import { PackIndex } from '../remote/pack-index.js';
import { totalRequests, type RequestCounts } from '../remote/types.js';
import { openDataWorkspace } from '../tracked/workspace.js';

export interface CloudObject {
  /** Workspace path the object is (part of). */
  path: string;
  hash: string;
}

export interface CloudStatus {
  remote: string;
  /** In the local cache, not on the remote: `push` sends these. */
  notOnRemote: CloudObject[];
  /** On the remote, not in the local cache: `pull` brings these. */
  notInCache: CloudObject[];
  /** Neither here nor there: lost unless someone else still has them. */
  nowhere: CloudObject[];
  /** Objects compared. */
  compared: number;
  requests: RequestCounts;
}

/**
 * `dvc-ts status -c`: compare the objects the workspace's lock and `.dvc` files need with the
 * local cache and the remote. A directory's manifest missing locally is fetched (verified) so
 * that its files can be compared one by one.
 */
export async function runCloudStatus(root: string, options: CollectOptions & { remote?: string; jobs?: number } = {}): Promise<CloudStatus> {
  const remote = await openRemote(root, options.remote);
  const ws = await openDataWorkspace(root);
  try {
    const jobs = options.jobs ?? remote.defaultJobs;
    const wanted = await collectWanted(root, options);
    const manifests = [...wanted.hashes].filter(isDirHash);
    const missingManifests = (await Promise.all(manifests.map(async (h) => ((await ws.store.has(h)) ? undefined : h)))).filter((h) => h !== undefined);
    if (missingManifests.length) {
      await Promise.all(missingManifests.map((h) => downloadObject(remote, ws.store, h).catch(() => 0)));
    }
    const all = new Map<string, string>();
    for (const h of wanted.hashes) {
      all.set(h, wanted.labels.get(h) ?? h);
      if (!isDirHash(h) || !(await ws.store.has(h))) continue;
      const base = wanted.labels.get(h) ?? '';
      for (const e of await ws.store.readManifest(h)) if (!all.has(e.hash)) all.set(e.hash, `${base}/${e.relpath}`);
    }
    const index = PackIndex.open(root, remote);
    const [present, localFlags] = await Promise.all([
      locateOnRemote(remote, index, all.keys(), jobs),
      Promise.all([...all.keys()].map((h) => ws.store.has(h))),
    ]);
    const status: CloudStatus = { remote: remote.name, notOnRemote: [], notInCache: [], nowhere: [], compared: all.size, requests: remote.requests };
    [...all].forEach(([hash, path], i) => {
      const here = localFlags[i]!;
      const there = present.has(hash);
      if (here && !there) status.notOnRemote.push({ path, hash });
      else if (!here && there) status.notInCache.push({ path, hash });
      else if (!here && !there) status.nowhere.push({ path, hash });
    });
    for (const list of [status.notOnRemote, status.notInCache, status.nowhere]) list.sort((a, b) => (a.path < b.path ? -1 : a.path > b.path ? 1 : 0));
    return status;
  } finally {
    await ws.close();
    await remote.close();
  }
}

export function formatCloudStatus(s: CloudStatus): string {
  const lines: string[] = [];
  for (const o of s.notOnRemote) lines.push(`not on remote:   ${o.path}  (${objectKey(o.hash)})`);
  for (const o of s.notInCache) lines.push(`not in cache:    ${o.path}  (${objectKey(o.hash)})`);
  for (const o of s.nowhere) lines.push(`missing on both: ${o.path}  (${objectKey(o.hash)})`);
  if (lines.length === 0) lines.push(`Cache and remote '${s.remote}' are in sync.`);
  lines.push(`${s.compared} objects compared with remote '${s.remote}' in ${totalRequests(s.requests)} requests.`);
  return lines.join('\n') + '\n';
}

