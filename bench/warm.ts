// The warm rows: a `dvc-ts repro --watch` kept running beside the workspace, so a plain `repro`
// or `status` is answered by it (engine/warm). Started before a warm row and stopped before a
// cold one (and after the group), so no cold figure is ever answered warm.

import { spawn, type ChildProcess } from 'node:child_process';

/** How long the watcher may take to answer its first question (its first full check included). */
const READY_MS = 120_000;

export class WarmWatcher {
  private child: ChildProcess | undefined;
  private readonly killOnExit = () => this.child?.kill('SIGKILL');

  constructor(private readonly node: string, private readonly cli: string, private readonly cwd: string) {}

  /** Running and answering: a `status` with the trace on says it was answered by the watcher. */
  async ready(): Promise<void> {
    if (!this.child || this.child.exitCode !== null) {
      this.child = spawn(this.node, [this.cli, 'repro', '--watch'], { cwd: this.cwd, stdio: 'ignore', env: { ...process.env, CI: 'true' } });
      process.once('exit', this.killOnExit);
    }
    const end = Date.now() + READY_MS;
    while (Date.now() < end) {
      if (await this.answersWarm()) return;
      await new Promise((r) => setTimeout(r, 200));
    }
    throw new Error('repro --watch did not answer warm within 2 minutes');
  }

  async stop(): Promise<void> {
    const child = this.child;
    this.child = undefined;
    process.off('exit', this.killOnExit);
    if (!child || child.exitCode !== null) return;
    const exited = new Promise((r) => child.once('exit', r));
    child.kill('SIGINT');
    await exited;
  }

  private answersWarm(): Promise<boolean> {
    return new Promise((resolve) => {
      const probe = spawn(this.node, [this.cli, 'status'], { cwd: this.cwd, stdio: ['ignore', 'ignore', 'pipe'], env: { ...process.env, DVC_TS_WARM_TRACE: '1' } });
      let err = '';
      probe.stderr.on('data', (c: Buffer) => (err += c.toString()));
      probe.on('close', () => resolve(err.includes('warm: answered by the watcher')));
    });
  }
}
