// Steady traffic for the monitoring tests: small batches of rows posted to /predict one after
// another, cycling through `rows` (which a test may switch, e.g. from a stable to a drifting
// month), until stopped. Bounded: one batch in flight, a pause between batches.
import { postJson, type Row } from '../serve/helpers.js';

export class TrafficLoop {
  readonly failures: string[] = [];
  private next = 0;
  private running = false;
  private loop: Promise<void> | undefined;

  constructor(private readonly url: string, public rows: readonly Row[], private readonly batch = 25, private readonly pauseMs = 100) {}

  /** Send the first batch, then keep sending in the background. */
  async start(): Promise<void> {
    await this.send();
    this.running = true;
    this.loop = this.run();
  }

  async stop(): Promise<void> {
    this.running = false;
    await this.loop;
  }

  private async run(): Promise<void> {
    while (this.running) {
      await this.send();
      await new Promise((r) => setTimeout(r, this.pauseMs));
    }
  }

  private async send(): Promise<void> {
    const rows = this.rows;
    const batch = Array.from({ length: this.batch }, (_, i) => rows[(this.next + i) % rows.length]!);
    this.next = (this.next + this.batch) % rows.length;
    const r = await postJson(`${this.url}/predict`, batch).catch((e: Error) => ({ status: 0, json: { message: e.message } }));
    if (r.status !== 200) this.failures.push(`${r.status} ${JSON.stringify(r.json)}`);
  }
}
