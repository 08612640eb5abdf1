// The options `serve` accepts, read from its own --help, for the tests that hold the image's and
// the chart's command lines against it.
import { execFileSync } from 'node:child_process';
import { join } from 'node:path';
import { PROJECT_ROOT } from '../helpers/repo.js';

let cached: Set<string> | undefined;

export function serveFlags(): Set<string> {
  cached ??= new Set(execFileSync(process.execPath, [join(PROJECT_ROOT, 'dist/serve/main.js'), '--help'], { encoding: 'utf8' }).match(/--[a-z][a-z0-9-]*/g) ?? []);
  return cached;
}

/**
 * Options of the service's cluster-readiness and canary work (workers, body limit, waiting for
 * a bundle, a canary candidate and its share), used by the image and the chart before that
 * work is merged here. Once `serve --help` lists them all, this set should be emptied.
 */
export const PENDING_SERVE_FLAGS: ReadonlySet<string> = new Set(['--workers', '--body-limit-mb', '--wait-for-bundle', '--candidate', '--canary-share']);
