// The watcher's side of the warm path: it keeps the answer of a full check, throws it away on
// any event in what that check read, and hands it to a client only while nothing has moved.
//
// Why a client can never be told "up to date" about a stale workspace:
// 1. A check is kept only if every directory it depends on was watched before it began (the
//    set it reports at its end adds nothing) and the event counter did not move while it ran.
//    So every change after the check read something produces an event.
// 2. Any event throws the kept answer away (state 'dirty') until a new full check ends clean.
// 3. A write a client finished before it connected queued its inotify event in the kernel
//    (synchronously, inside write()) before the connection existed. libuv takes the events of
//    every ready descriptor from one epoll_wait, reads the inotify one until EAGAIN, and fs.watch
//    emits synchronously; the new connection is accepted in that poll phase at the earliest and
//    its query read in a later one. On top of that the answer is given from setImmediate, after
//    the poll phase that read the query has run every ready handle, so even an event that became
//    ready in the same batch as the query is counted first. Either way the event of such a write
//    has marked us dirty before we look at the state. (Writes racing with the question itself
//    may or may not be seen, as with any check that reads files one after the other.)
// 4. `veto` runs synchronously at answer time, for what is cheaper to read than to watch
//    (another dvc-ts holding the repository lock, temp files a killed one left).
import { createServer, connect, type Server, type Socket } from 'node:net';
import { existsSync, lstatSync, unlinkSync } from 'node:fs';
import { DirWatcher } from './dir-watch.js';
import { makePrivateDir, parseLine, socketPathFor, PROTOCOL, type WarmAnswer, type WarmCommand } from './protocol.js';

/** What a full check found: the answer per command (undefined: not up to date, with why) and what to watch. */
export interface WarmCheck {
  answers: Partial<Record<WarmCommand, { stdout: string; exitCode: number }>>;
  /** Why a command has no answer (stale, an error, a symlink…). */
  notAnswered: string;
  /** Absolute directories (and files with other hard links) the check read. */
  watch: Set<string>;
  /** Why this workspace cannot be watched reliably; the watcher then never answers. */
  unsupported?: string;
}

export interface WarmChecker {
  /** The pipeline file this watcher answers for, relative to root (null: the default one). */
  readonly file: string | null;
  check(): Promise<WarmCheck>;
  /** Synchronous, at answer time: why not to answer now, or undefined. */
  veto(): string | undefined;
}

/** Quiet time after an event before re-checking: a save is often several writes. */
const SETTLE_MS = 100;
/** Longest wait between checks that keep being invalidated by events. */
const MAX_BACKOFF_MS = 5000;

/** A "not up to date" older than this is checked again when someone asks. */
const RECHECK_NO_AFTER_MS = 1000;

type State = { kind: 'dirty' } | { kind: 'busy' } | { kind: 'clean'; check: WarmCheck; at: number } | { kind: 'unsupported'; why: string };

export class WarmServer {
  private state: State = { kind: 'dirty' };
  private readonly dirs: DirWatcher;
  private server: Server | undefined;
  private socketPath: string | undefined;
  private timer: NodeJS.Timeout | undefined;
  private checking: Promise<void> | undefined;
  private again = false;
  private busy = false;
  private closed = false;
  /** Set when watching itself failed (watch limit, a network file system). */
  private stopped = false;
  private failures = 0;
  private readonly unlinkOnExit = () => this.removeSocket();

  constructor(
    private readonly root: string,
    private readonly build: string,
    private readonly checker: WarmChecker,
    private readonly log: (line: string) => void = () => undefined,
  ) {
    this.dirs = new DirWatcher(() => this.onEvent());
  }

  /** Listen; false (saying why through log) when another watcher already serves this root or the socket cannot be made safe. */
  async start(): Promise<boolean> {
    const { dir, path } = await socketPathFor(this.root);
    const unsafe = makePrivateDir(dir);
    if (unsafe) {
      this.log(`warm answers off: ${unsafe}`);
      return false;
    }
    if (existsSync(path)) {
      if (await answersConnect(path)) {
        this.log('warm answers off: another watcher serves this repository');
        return false;
      }
      // A killed watcher's socket: nobody listens on it.
      if (lstatSync(path, { throwIfNoEntry: false })?.isSocket()) unlinkSync(path);
    }
    const server = createServer((socket) => this.serve(socket));
    const listening = await new Promise<boolean>((resolve) => {
      server.once('error', () => resolve(false));
      server.listen(path, () => resolve(true));
    });
    if (!listening) {
      this.log('warm answers off: cannot listen on the socket');
      return false;
    }
    server.unref();
    this.server = server;
    this.socketPath = path;
    process.once('exit', this.unlinkOnExit);
    this.schedule(0);
    return true;
  }

  /** While the watcher runs stages, nothing is answered; after, a full check. */
  setBusy(busy: boolean): void {
    this.busy = busy;
    if (busy) this.state = { kind: 'busy' };
    else this.schedule(SETTLE_MS);
  }

  async close(): Promise<void> {
    this.closed = true;
    clearTimeout(this.timer);
    this.dirs.close();
    await new Promise<void>((resolve) => (this.server ? this.server.close(() => resolve()) : resolve()));
    this.removeSocket();
    process.off('exit', this.unlinkOnExit);
    await this.checking;
  }

  private removeSocket(): void {
    // libuv unlinks a listening socket on close; this covers an exit without close().
    if (this.socketPath && lstatSync(this.socketPath, { throwIfNoEntry: false })?.isSocket()) {
      try {
        unlinkSync(this.socketPath);
      } catch {
        // already gone
      }
    }
    this.socketPath = undefined;
  }

  private onEvent(): void {
    if (this.state.kind === 'clean') this.state = { kind: 'dirty' };
    if (!this.busy) this.schedule(SETTLE_MS);
  }

  private schedule(ms: number): void {
    if (this.closed || this.stopped) return;
    clearTimeout(this.timer);
    this.timer = setTimeout(() => this.recheck(), ms);
  }

  private recheck(): void {
    if (this.checking) {
      this.again = true;
      return;
    }
    this.checking = this.checkOnce().finally(() => {
      this.checking = undefined;
      if (this.again && !this.closed) {
        this.again = false;
        this.recheck();
      }
    });
  }

  private async checkOnce(): Promise<void> {
    if (this.busy || this.closed) return;
    const generation = this.dirs.generation;
    let check: WarmCheck;
    try {
      check = await this.checker.check();
    } catch (e) {
      check = { answers: {}, notAnswered: `check failed: ${(e as Error).message}`, watch: new Set() };
    }
    if (this.closed) return;
    const added = this.dirs.sync(check.watch);
    if (typeof added === 'string') {
      // Nothing can be watched reliably any more: answer nothing until the watcher restarts.
      this.dirs.close();
      this.stopped = true;
      this.state = { kind: 'unsupported', why: added };
      this.log(`warm answers off: ${added}`);
      return;
    }
    if (check.unsupported) {
      // Kept watching what it read: a change (the symlink replaced…) prompts a new check.
      if (this.state.kind !== 'unsupported' || this.state.why !== check.unsupported) this.log(`warm answers off for now: ${check.unsupported}`);
      this.state = { kind: 'unsupported', why: check.unsupported };
      return;
    }
    if (added > 0) {
      // It read what was not watched yet: now that it is, check again at once.
      this.schedule(0);
      return;
    }
    if (this.dirs.generation !== generation || this.busy) {
      // Changed under the check: try again, backing off while something keeps writing.
      this.failures++;
      this.schedule(Math.min(MAX_BACKOFF_MS, SETTLE_MS * 2 ** this.failures));
      return;
    }
    this.failures = 0;
    this.state = { kind: 'clean', check, at: Date.now() };
  }

  private serve(socket: Socket): void {
    socket.setEncoding('utf8');
    let buffered = '';
    socket.on('error', () => socket.destroy());
    socket.on('data', (chunk: string) => {
      buffered += chunk;
      const end = buffered.indexOf('\n');
      if (end < 0) {
        if (buffered.length > 64 * 1024) socket.destroy();
        return;
      }
      socket.removeAllListeners('data');
      const line = buffered.slice(0, end);
      // Not now: after this poll phase, so the events of writes made before the client
      // connected are counted first (point 3 above).
      setImmediate(() => socket.end(JSON.stringify(this.answer(line)) + '\n'));
    });
  }

  private answer(line: string): WarmAnswer {
    const no = (reason: string): WarmAnswer => ({ protocol: PROTOCOL, build: this.build, upToDate: false, reason });
    const query = parseLine(line);
    if (!query || query.protocol !== PROTOCOL) return no('protocol mismatch');
    if (query.build !== this.build) return no('another build of dvc-ts');
    if (query.root !== this.root) return no('another repository');
    if ((query.file ?? null) !== this.checker.file) return no('another pipeline file');
    const command = query.command === 'repro' || query.command === 'status' ? query.command : undefined;
    if (!command) return no('unknown command');
    const state = this.state;
    if (state.kind === 'unsupported') return no(state.why);
    if (state.kind === 'busy') return no('the watcher is running stages');
    if (state.kind === 'dirty') return no('changes not checked yet');
    const found = state.check.answers[command];
    if (!found) {
      // A failed check may not watch what its fix will touch (the deps of a pipeline that did
      // not load): a question about an old "no" prompts a new check.
      if (!this.checking && Date.now() - state.at > RECHECK_NO_AFTER_MS) this.schedule(0);
      return no(state.check.notAnswered);
    }
    const vetoed = this.checker.veto();
    if (vetoed) return no(vetoed);
    return { protocol: PROTOCOL, build: this.build, upToDate: true, stdout: found.stdout, exitCode: found.exitCode };
  }
}

/** Whether something answers on `path` (a live watcher), within a short time. */
function answersConnect(path: string): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = connect(path);
    const done = (alive: boolean) => {
      socket.destroy();
      resolve(alive);
    };
    socket.once('connect', () => done(true));
    socket.once('error', () => done(false));
    socket.setTimeout(500, () => done(false));
  });
}
