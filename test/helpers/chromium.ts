// Headless Chromium for tests that check a page as a browser renders it (charts drawn, marks
// counted). CI installs chromium (.ci/run); where it is missing, such tests skip, saying why.
import { spawnSync } from 'node:child_process';
import { accessSync, constants } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { delimiter, join } from 'node:path';
import { pathToFileURL } from 'node:url';

/** The first Chromium-like browser on PATH (Debian names it `chromium`). */
function findChromium(): string | undefined {
  for (const dir of (process.env['PATH'] ?? '').split(delimiter)) {
    for (const name of ['chromium', 'chromium-browser', 'google-chrome']) {
      const candidate = join(dir, name);
      try {
        accessSync(candidate, constants.X_OK);
        return candidate;
      } catch {
        // not here
      }
    }
  }
  return undefined;
}

const chromium = findChromium();

/** The reason to skip, for `describe(…, { skip: chromiumSkip })`; false when a browser is there. */
export const chromiumSkip: string | false =
  chromium !== undefined ? false : 'chromium is not installed (apt-get install -y chromium); CI installs it';

/** The DOM of a local HTML file once its scripts have run (virtual time lets the charts render). */
export async function renderedDom(file: string): Promise<string> {
  if (chromium === undefined) throw new Error(String(chromiumSkip));
  const profile = await mkdtemp(join(tmpdir(), 'dvc-ts-chromium-'));
  try {
    const flags = ['--headless', '--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-component-update', '--disable-sync', '--no-first-run'];
    const r = spawnSync(chromium, [...flags, `--user-data-dir=${profile}`, '--virtual-time-budget=5000', '--dump-dom', pathToFileURL(file).href], { encoding: 'utf8', timeout: 120_000, stdio: ['ignore', 'pipe', 'pipe'] });
    if (r.status !== 0) throw new Error(`chromium exited ${r.status}: ${r.stderr}`);
    return r.stdout;
  } finally {
    await rm(profile, { recursive: true, force: true });
  }
}

/** How many elements the rendered SVG has with this aria-roledescription (`line mark`, `point`, …). */
export function countMarks(dom: string, role: string): number {
  return dom.split(`aria-roledescription="${role}"`).length - 1;
}
