// The canary: the champion (the bundle the service was started with, hot-switched as `package`
// publishes) and optionally a candidate bundle that gets a share of the keyed requests. Each
// request is routed once, so its score, its answer and its log line name the same model.
// Rollback stops routing to the candidate at once; promotion publishes the candidate's bundle
// in the champion's folder and hot-switches to it, then stops the canary.

import { BundleError, BundleHolder, type LoadedBundle } from './bundle.js';
import { publishBundle } from './bundle-publish.js';
import { routesToCandidate } from './canary-route.js';

export type CanaryArm = 'champion' | 'candidate';

export interface RoutedRequest {
  bundle: LoadedBundle;
  /** Which side of a running canary answered; absent when no canary runs or the request had no key. */
  arm?: CanaryArm;
}

export type CanaryState = 'none' | 'running' | 'rolled_back' | 'promoted';

export interface CanaryStatus {
  state: CanaryState;
  champion: string;
  /** The candidate's version while the canary runs, else the last one (rolled back or promoted). */
  candidate: string | null;
  /** Share of keyed requests routed to the candidate now (0 unless running). */
  share: number;
  since: string | null;
}

export interface CanaryHooks {
  log: (line: string) => void;
  /** Called whenever the routing changes (metrics follow it). */
  onChange: (status: CanaryStatus) => void;
}

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

  private constructor(private readonly champion: BundleHolder, private readonly share: number, private readonly hooks: CanaryHooks) {}

  /** The router for `champion`; with a candidate folder, its canary starts at once. */
  static async open(champion: BundleHolder, candidate: { dir: string; share: number; reloadIntervalMs: number } | undefined, hooks: CanaryHooks): Promise<CanaryRouter> {
    const router = new CanaryRouter(champion, candidate?.share ?? 0, hooks);
    if (candidate) {
      router.candidate = await BundleHolder.open(candidate.dir, {
        onSwitch: ({ from, to }) => {
          hooks.log(`Canary candidate switched to model ${to} (was ${from})`);
          router.lastCandidate = to;
          hooks.onChange(router.status());
        },
        onError: (message) => hooks.log(`${CANDIDATE_ERROR}${message}`),
      }).catch((e: unknown) => {
        throw e instanceof BundleError ? new BundleError(`${CANDIDATE_ERROR}${e.message}`) : e;
      });
      router.candidate.start(candidate.reloadIntervalMs);
      router.state = 'running';
      router.lastCandidate = router.candidate.current.version;
      router.since = new Date();
      hooks.log(`Canary: model ${router.lastCandidate} answers ${formatShare(router.share)} of keyed requests, model ${champion.current.version} the rest`);
    }
    hooks.onChange(router.status());
    return router;
  }

  /** The model for a request with this key (undefined: no key). */
  pick(key: string | undefined): RoutedRequest {
    const candidate = this.candidate;
    if (!candidate || key === undefined) return { bundle: this.champion.current };
    return routesToCandidate(key, this.share) ? { bundle: candidate.current, arm: 'candidate' } : { bundle: this.champion.current, arm: 'champion' };
  }

  status(): CanaryStatus {
    return {
      state: this.state,
      champion: this.champion.current.version,
      candidate: this.candidate?.current.version ?? this.lastCandidate,
      share: this.candidate ? this.share : 0,
      since: this.since?.toISOString() ?? null,
    };
  }

  /** Every request from now on goes to the champion. */
  rollback(): CanaryStatus {
    const candidate = this.running();
    this.stopCandidate('rolled_back');
    this.hooks.log(`Canary rolled back: model ${candidate.current.version} stopped; model ${this.champion.current.version} answers every request`);
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
    this.candidate?.stop();
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
    this.stopCandidate('promoted');
    this.hooks.log(`Canary promoted: model ${version} is the champion and answers every request`);
    return this.status();
  }

  private running(): BundleHolder {
    if (!this.candidate || this.state !== 'running') throw new CanaryError(`no canary is running (state: ${this.state})`);
    return this.candidate;
  }

  private stopCandidate(state: CanaryState): void {
    this.candidate?.stop();
    this.lastCandidate = this.candidate?.current.version ?? this.lastCandidate;
    this.candidate = undefined;
    this.state = state;
    this.since = new Date();
    this.hooks.onChange(this.status());
  }
}

function formatShare(share: number): string {
  return `${Number((share * 100).toPrecision(4))} %`;
}
