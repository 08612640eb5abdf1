import { readConfig, type RepoConfig } from '../config.js';
import { ObjectStore } from '../cache/store.js';
import { Hasher } from '../hash/hasher.js';
import { StateCache } from '../hash/state.js';
import { digesterForThisMachine } from '../hash/worker-pool.js';
import { ensureDvcTsIgnored } from '../repo/dvc-ts-dir.js';

/** What commands on data need, without the pipeline: config, hasher with its state, the cache. */
export interface DataWorkspace {
  root: string;
  config: RepoConfig;
  state: StateCache;
  hasher: Hasher;
  store: ObjectStore;
  close(): Promise<void>;
}

export async function openDataWorkspace(root: string): Promise<DataWorkspace> {
  const [config] = await Promise.all([readConfig(root), ensureDvcTsIgnored(root)]);
  const state = new StateCache(root);
  const pool = digesterForThisMachine();
  const hasher = new Hasher(root, state, { digester: pool });
  const store = new ObjectStore(root, { state });
  return {
    root,
    config,
    state,
    hasher,
    store,
    async close() {
      await state.save();
      await pool?.close();
    },
  };
}
