// The Vega, Vega-Lite and vega-embed browser bundles, read from node_modules so the page can
// inline them and work offline. Only the plots commands load this.
import { access, readFile } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { UserError } from '../../errors.js';

export interface VegaLibrary {
  name: string;
  version: string;
  /** The minified UMD bundle. */
  source: string;
}

/** In load order: each bundle expects the previous ones as globals. */
const BUNDLES = [
  { name: 'vega', file: 'build/vega.min.js' },
  { name: 'vega-lite', file: 'build/vega-lite.min.js' },
  { name: 'vega-embed', file: 'build/vega-embed.min.js' },
] as const;

/** The packages' `exports` maps hide their build files from require.resolve, so walk up to node_modules. */
async function packageDir(name: string, from: string): Promise<string | undefined> {
  let dir = from;
  for (;;) {
    const candidate = join(dir, 'node_modules', name);
    try {
      await access(join(candidate, 'package.json'));
      return candidate;
    } catch {
      // keep looking above
    }
    const parent = dirname(dir);
    if (parent === dir) return undefined;
    dir = parent;
  }
}

export async function loadVegaLibraries(): Promise<VegaLibrary[]> {
  const here = dirname(fileURLToPath(import.meta.url));
  return Promise.all(
    BUNDLES.map(async ({ name, file }) => {
      const dir = await packageDir(name, here);
      if (!dir) throw new UserError(`cannot find the '${name}' package needed to render plots; reinstall dvc-ts`);
      const manifest = JSON.parse(await readFile(join(dir, 'package.json'), 'utf8')) as { version?: unknown };
      return { name, version: String(manifest.version ?? '?'), source: await readFile(join(dir, file), 'utf8') };
    }),
  );
}
