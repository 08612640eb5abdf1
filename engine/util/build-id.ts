import { readFileSync } from 'node:fs';

/**
 * Which build of the engine this is (written by scripts/postbuild.mjs). Caches of parsed files
 * under `.dvc-ts/state/` carry it, so an upgrade of dvc-ts never reads a parse made by older
 * code. Without the file (running from a development build), every start counts as new.
 */
export const BUILD_ID: string = (() => {
  try {
    return readFileSync(new URL('../build-id.txt', import.meta.url), 'utf8').trim();
  } catch {
    return `dev-${process.pid}-${Date.now()}`;
  }
})();
