// The canary: the champion (the bundle the service was started with, hot-switched as `package`
// publishes) and optionally a candidate bundle that gets a share of the keyed requests. Each
// request is routed once, so its score, its answer and its log line name the same model.
// Rollback stops routing to the candidate at once; promotion publishes the candidate's bundle
// in the champion's folder and hot-switches to it. Both are recorded in the canary state file,
// which every process serving with it follows at its next poll (several workers, a restart
// with the same --candidate); a candidate that became the champion ends the canary by itself.

import { BundleError, BundleHolder, type LoadedBundle } from './bundle.js';
import { publishBundle } from './bundle-publish.js';
import { routesToCandidate } from './canary-route.js';
import { readCanaryRecord, writeCanaryRecord, type CanaryRecord } from './canary-state.js';

export type CanaryArm = 'champion' | 'candidate';

export interface RoutedRequest {
  bundle: LoadedBundle;
  /** Which side of a running canary answered; absent when no canary runs or the request had no key. */
  arm?: CanaryArm;
}

export type CanaryState = 'none' | 'running' | 'rolled_back' | 'promoted';

export interface CanaryStatus {
  state: CanaryState;
  /** The champion's version; null while the service waits for its first bundle (--wait-for-bundle). */
  champion: string | null;
  /** The candidate's version while the canary runs, else the last one (rolled back or promoted). */
  candidate: string | null;
  /** Share of keyed requests routed to the candidate now (0 unless running). */
  share: number;
  since: string | null;
}

export interface CanaryOptions {
  /** The candidate bundle's folder and its share of keyed requests. */
  dir: string;
  share: number;
  /** Where rollbacks and promotions are recorded for every process serving this canary. */
  stateFile: string;
  reloadIntervalMs: number;
}

export interface CanaryHooks {
  log: (line: string) => void;
  /** Called whenever the routing changes (metrics follow it). */
  onChange: (status: CanaryStatus) => void;
}

/** The state file's name in the logs folder, by default. */
export const CANARY_STATE_FILE = 'canary-state.json';

/** How a candidate bundle that cannot be loaded is reported (the champion's own errors say how to build one). */
export const CANDIDATE_ERROR = 'canary candidate: ';

export class CanaryError extends Error {
  override name = 'CanaryError';
}

export class CanaryRouter {
  private candidate: BundleHolder | undefined;
  private state: CanaryState = 'none';
  private lastCandidate: string | null = null;
  private since: Date | null = null;
  private promoting: Promise<CanaryStatus> | undefined;
  private timer: NodeJS.Timeout | undefined;
  private recordError: string | undefined;

  private constructor(private readonly champion: BundleHolder, private readonly options: CanaryOptions | undefined, private readonly hooks: CanaryHooks) {}

  /** The router for `champion`; with a candidate, its canary starts unless the state file ended it. */
  static async open(champion: BundleHolder, options: CanaryOptions | undefined, hooks: CanaryHooks): Promise<CanaryRouter> {
    const router = new CanaryRouter(champion, options, hooks);
    if (options) await router.startCandidate(options);
    hooks.onChange(router.status());
    return router;
  }

  /** The model for a request with this key (undefined: no key). */
  pick(key: string | undefined): RoutedRequest {
    const candidate = this.candidate;
    if (!candidate || key === undefined) return { bundle: this.champion.current };
    return routesToCandidate(key, this.options!.share) ? { bundle: candidate.current, arm: 'candidate' } : { bundle: this.champion.current, arm: 'champion' };
  }

  status(): CanaryStatus {
    return {
      state: this.state,
      champion: this.champion.loaded?.version ?? null,
      candidate: this.candidate?.current.version ?? this.lastCandidate,
      share: this.candidate ? this.options!.share : 0,
      since: this.since?.toISOString() ?? null,
    };
  }

  /** Every request from now on goes to the champion, in this process at once, in others at their next poll. */
  async rollback(): Promise<CanaryStatus> {
    const version = this.running().current.version;
    this.end('rolled_back', `Canary rolled back: model ${version} stopped; model ${this.champion.current.version} answers every request`);
    await this.record({ candidate: version, state: 'rolled_back', at: new Date().toISOString() });
    return this.status();
  }

  /** The candidate becomes the champion: its bundle is published in the champion's folder. */
  promote(): Promise<CanaryStatus> {
    this.promoting ??= this.publishCandidate().finally(() => {
      this.promoting = undefined;
    });
    return this.promoting;
  }

  stop(): void {
    clearInterval(this.timer);
    this.candidate?.stop();
  }

  private async startCandidate(options: CanaryOptions): Promise<void> {
    const candidate = await BundleHolder.open(options.dir, {
      onSwitch: ({ from, to }) => {
        this.hooks.log(`Canary candidate switched to model ${to} (was ${from})`);
        this.hooks.onChange(this.status());
      },
      onError: (message) => this.hooks.log(`${CANDIDATE_ERROR}${message}`),
    }).catch((e: unknown) => {
      throw e instanceof BundleError ? new BundleError(`${CANDIDATE_ERROR}${e.message}`) : e;
    });
    this.candidate = candidate;
    this.state = 'running';
    this.since = new Date();
    this.hooks.log(`Canary: model ${candidate.current.version} answers ${formatShare(options.share)} of keyed requests, model ${this.champion.current.version} the rest`);
    candidate.start(options.reloadIntervalMs);
    await this.follow();
    this.timer = setInterval(() => void this.follow(), options.reloadIntervalMs);
    this.timer.unref();
  }

  /** End a running canary that another process (or an earlier run) ended, or whose candidate is now the champion. */
  private async follow(): Promise<void> {
    const candidate = this.candidate;
    if (!candidate || this.state !== 'running') return;
    const version = candidate.current.version;
    if (this.champion.current.version === version) return this.end('promoted', `Canary promoted: model ${version} is the champion and answers every request`);
    const record = await this.readRecord();
    if (record?.candidate === version && record.state === 'rolled_back' && this.candidate === candidate) {
      this.end('rolled_back', `Canary rolled back (${this.options!.stateFile}, ${record.at}): model ${version} stopped; model ${this.champion.current.version} answers every request`);
    }
  }

  private async readRecord(): Promise<CanaryRecord | undefined> {
    try {
      const record = await readCanaryRecord(this.options!.stateFile);
      this.recordError = undefined;
      return record;
    } catch (e) {
      if (this.recordError !== (e as Error).message) this.hooks.log(`canary state ignored: ${(e as Error).message}`);
      this.recordError = (e as Error).message;
      return undefined;
    }
  }

  private async record(record: CanaryRecord): Promise<void> {
    // Routing here has already changed; a record that cannot be written only fails to reach other processes.
    await writeCanaryRecord(this.options!.stateFile, record).catch((e: Error) => this.hooks.log(`canary state not written (${this.options!.stateFile}): ${e.message}`));
  }

  private async publishCandidate(): Promise<CanaryStatus> {
    const candidate = this.running();
    const version = candidate.current.version;
    await publishBundle(candidate.current.dir, this.champion.current.dir);
    // The champion's own hot switch takes it; the candidate keeps its share until then.
    await this.champion.poll();
    // A poll already under way may have looked before the swap: one more then.
    if (this.champion.current.version !== version) await this.champion.poll();
    if (this.champion.current.version !== version) {
      throw new CanaryError(`the champion's folder ${this.champion.current.dir} now holds model ${version}, but the service did not switch to it (see its log)`);
    }
    if (this.state === 'running') this.end('promoted', `Canary promoted: model ${version} is the champion and answers every request`);
    await this.record({ candidate: version, state: 'promoted', at: new Date().toISOString() });
    return this.status();
  }

  private running(): BundleHolder {
    if (!this.candidate || this.state !== 'running') throw new CanaryError(`no canary is running (state: ${this.state})`);
    return this.candidate;
  }

  private end(state: CanaryState, message: string): void {
    this.candidate?.stop();
    clearInterval(this.timer);
    this.lastCandidate = this.candidate?.current.version ?? this.lastCandidate;
    this.candidate = undefined;
    this.state = state;
    this.since = new Date();
    this.hooks.log(message);
    this.hooks.onChange(this.status());
  }
}

function formatShare(share: number): string {
  return `${Number((share * 100).toPrecision(4))} %`;
}
