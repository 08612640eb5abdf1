import { posix } from 'node:path';

/**
 * Normalise a path written in a pipeline file (relative to `wdir`) into a repository-relative
 * POSIX path. Returns undefined when it leaves the repository (`..` above the root, absolute).
 * Symlinks are checked separately, on disk (see engine/pipeline/check).
 */
export function toRepoPath(wdir: string, written: string): string | undefined {
  if (written.includes('\0')) return undefined;
  const slashed = written.replace(/\\/g, '/');
  if (posix.isAbsolute(slashed) || /^[A-Za-z]:\//.test(slashed)) return undefined;
  const joined = posix.normalize(posix.join(wdir === '' ? '.' : wdir, slashed));
  const trimmed = joined.replace(/\/+$/, '');
  if (trimmed === '..' || trimmed.startsWith('../')) return undefined;
  return trimmed === '' ? '.' : trimmed;
}

/** True when `inner` is `outer` itself or a path below it (both repository-relative). */
export function isSameOrInside(inner: string, outer: string): boolean {
  if (outer === '.') return true;
  return inner === outer || inner.startsWith(outer + '/');
}

const URL_LIKE = /^[A-Za-z][A-Za-z0-9+.-]*:\/\//;

/** A dependency written as a URL (`https://…`, `s3://…`): kept verbatim, never a repo path. */
export function isUrlPath(path: string): boolean {
  return URL_LIKE.test(path);
}

/**
 * Like toRepoPath, but a path that leaves the repository is kept instead of refused: absolute
 * paths as written (normalised), `..` paths relative to the root (`../data/x.csv`). Which roles
 * may leave the repository is decided by the caller (deps may, as in DVC; outs may not).
 */
export function toPipelinePath(wdir: string, written: string): string | undefined {
  const inside = toRepoPath(wdir, written);
  if (inside !== undefined) return inside;
  if (written.includes('\0')) return undefined;
  const slashed = written.replace(/\\/g, '/');
  if (posix.isAbsolute(slashed)) return posix.normalize(slashed).replace(/(.)\/+$/, '$1');
  if (/^[A-Za-z]:\//.test(slashed)) return slashed.replace(/\/+$/, '');
  return posix.normalize(posix.join(wdir === '' ? '.' : wdir, slashed)).replace(/\/+$/, '');
}

/** True for a path toPipelinePath kept although it is outside the repository. */
export function isOutsideRepo(path: string): boolean {
  return path === '..' || path.startsWith('../') || posix.isAbsolute(path) || /^[A-Za-z]:\//.test(path);
}
