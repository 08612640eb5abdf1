// The packaged bundle the service scores with, and its hot switch. `package` builds a new
// bundle beside the old one and renames it into place, so for a moment the folder is missing
// or new; the service keeps serving the bundle it has in memory and swaps only once a complete
// new one is read (model.json matching the manifest's sha256). A request takes the current
// bundle once, so its score, its response and its log line name the same version.

import { createHash } from 'node:crypto';
import { readFile, stat } from 'node:fs/promises';
import { join } from 'node:path';
import { parseModel, type OccupancyModel } from '../stages/lib/model.js';

export interface LoadedBundle {
  /** The model's id (its coefficients' hash), as the manifest names it. */
  version: string;
  model: OccupancyModel;
  dir: string;
  loadedAt: Date;
}

export class BundleError extends Error {
  override name = 'BundleError';
}

interface Manifest {
  model_id: string;
  files: Record<string, { sha256: string; size: number }>;
}

function parseManifest(value: unknown, file: string): Manifest {
  const m = value as Partial<Manifest> | null;
  if (typeof m !== 'object' || m === null || typeof m.model_id !== 'string' || typeof m.files !== 'object' || m.files === null) {
    throw new BundleError(`${file} is not a bundle manifest (expected model_id and files)`);
  }
  if (!m.files['model.json']) throw new BundleError(`${file} does not list model.json`);
  return m as Manifest;
}

async function readOrFail(path: string): Promise<Buffer> {
  try {
    return await readFile(path);
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    throw new BundleError(code === 'ENOENT' ? `${path} does not exist` : `cannot read ${path} (${code ?? 'error'})`);
  }
}

/** Read and check a bundle: the manifest, then model.json against its recorded sha256. */
export async function loadBundle(dir: string): Promise<LoadedBundle> {
  const manifestFile = join(dir, 'manifest.json');
  const modelFile = join(dir, 'model.json');
  let manifestValue: unknown;
  try {
    manifestValue = JSON.parse((await readOrFail(manifestFile)).toString('utf8'));
  } catch (e) {
    throw e instanceof BundleError ? e : new BundleError(`${manifestFile} is not valid JSON`);
  }
  const manifest = parseManifest(manifestValue, manifestFile);
  const bytes = await readOrFail(modelFile);
  const digest = createHash('sha256').update(bytes).digest('hex');
  if (digest !== manifest.files['model.json']!.sha256) {
    throw new BundleError(`${modelFile} does not match ${manifestFile} (sha256 ${digest.slice(0, 12)}…); a bundle being replaced?`);
  }
  let model: OccupancyModel;
  try {
    model = parseModel(JSON.parse(bytes.toString('utf8')), modelFile);
  } catch (e) {
    throw new BundleError((e as Error).message);
  }
  if (model.model_id !== manifest.model_id) throw new BundleError(`${modelFile} is model ${model.model_id}, ${manifestFile} says ${manifest.model_id}`);
  return { version: manifest.model_id, model, dir, loadedAt: new Date() };
}

/** What identifies one state of the bundle folder on disk, cheaply (no read). */
async function fingerprint(dir: string): Promise<string | undefined> {
  try {
    const s = await stat(join(dir, 'manifest.json'));
    return `${s.ino}:${s.size}:${s.mtimeMs}`;
  } catch {
    return undefined;
  }
}

export interface BundleSwitch {
  /** Undefined for the first model of a service started with no valid bundle. */
  from: string | undefined;
  to: string;
}

/** Why the bundle on disk is not the one served (reported by /health/ready). */
export interface BundleRefusal {
  message: string;
  at: Date;
}

export interface BundleHandlers {
  onSwitch: (c: BundleSwitch) => void;
  onError: (m: string) => void;
}

/**
 * Holds the bundle being served and polls the folder for a new one. `poll()` may also be
 * called directly (SIGHUP). A bundle that fails to load (half-swapped, corrupt) is retried at the
 * next poll; the old one keeps serving meanwhile, and `refusal` says why the new one is not.
 */
export class BundleHolder {
  private timer: NodeJS.Timeout | undefined;
  private seen: string | undefined;
  private failed: string | undefined;
  private polling: Promise<void> | undefined;
  /** Set while the bundle on disk is refused; cleared once one loads. */
  refusal: BundleRefusal | undefined;

  private constructor(
    /** The folder the bundle is read from. */
    readonly dir: string,
    private model: LoadedBundle | undefined,
    private readonly onSwitch: (change: BundleSwitch) => void,
    private readonly onError: (message: string) => void,
  ) {}

  /** Open with the bundle in `dir`; a missing or invalid one throws a BundleError unless
   *  `waitForBundle`, which starts with no model and loads the first valid bundle polled. */
  static async open(dir: string, handlers: BundleHandlers, options: { waitForBundle?: boolean } = {}): Promise<BundleHolder> {
    const seen = await fingerprint(dir);
    let first: LoadedBundle | undefined;
    let refusal: BundleRefusal | undefined;
    try {
      first = await loadBundle(dir);
    } catch (e) {
      if (!options.waitForBundle || !(e instanceof BundleError)) throw e;
      // No manifest yet is waiting, not a refusal.
      if (seen !== undefined) refusal = { message: e.message, at: new Date() };
    }
    const holder = new BundleHolder(dir, first, handlers.onSwitch, handlers.onError);
    if (first) holder.seen = seen;
    else [holder.failed, holder.refusal] = [seen, refusal];
    return holder;
  }

  /** The model being served, if one has loaded. */
  get loaded(): LoadedBundle | undefined {
    return this.model;
  }

  /** The model being served; only for a holder known to have one (see `loaded`). */
  get current(): LoadedBundle {
    if (!this.model) throw new BundleError(`no model loaded from ${this.dir}: ${this.refusal?.message ?? 'no bundle yet'}`);
    return this.model;
  }

  start(intervalMs: number): void {
    this.timer = setInterval(() => void this.poll(), intervalMs);
    this.timer.unref();
  }

  stop(): void {
    clearInterval(this.timer);
  }

  poll(): Promise<void> {
    this.polling ??= this.check().finally(() => {
      this.polling = undefined;
    });
    return this.polling;
  }

  private async check(): Promise<void> {
    const now = await fingerprint(this.dir);
    if (now === undefined || now === this.seen) return;
    try {
      const next = await loadBundle(this.dir);
      this.seen = now;
      this.refusal = undefined;
      if (next.version === this.model?.version) return;
      const from = this.model?.version;
      this.model = next;
      this.onSwitch({ from, to: next.version });
    } catch (e) {
      // Retried at every poll (files copied in one by one complete later), said once.
      const message = (e as Error).message;
      if (this.failed !== now) {
        this.refusal = { message, at: new Date() };
        this.onError(this.model ? `keeping model ${this.model.version}: ${message}` : `no model yet: ${message}`);
      }
      this.failed = now;
    }
  }
}
