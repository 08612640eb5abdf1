// The plots page (pure): one self-contained HTML file with the Vega libraries inlined, each plot
// a section, its problems listed beside it. Every text from the repository (titles, file names,
// revision names, messages) is escaped; chart specs travel as JSON in a non-executed script
// element, escaped so no value can close it. A Content-Security-Policy forbids any network use.
import type { PlotProblem, PlotsReport, RenderedPlot } from './collect.js';
import type { VegaLibrary } from './libs.js';
import type { VegaLiteSpec } from './templates.js';

export function escapeHtml(text: string): string {
  return text.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);
}

/** JSON safe inside a <script> element: nothing in it can end the element or open a comment. */
export function jsonForScript(value: unknown): string {
  return JSON.stringify(value)
    .replace(/</g, '\\u003c')
    .replace(/>/g, '\\u003e')
    .replace(/&/g, '\\u0026')
    .replace(/\u2028/g, '\\u2028')
    .replace(/\u2029/g, '\\u2029');
}

/** A library's code made safe to inline: a `</script` inside it would end the element early. */
export function scriptSafe(source: string): string {
  return source.replace(/<\/(script)/gi, '<\\/$1').replace(/<!--/g, '<\\!--');
}

// Vega compiles its expressions with the Function constructor, hence 'unsafe-eval'; nothing may
// be fetched: no default source, images only as data URIs.
const CSP = "default-src 'none'; script-src 'unsafe-inline' 'unsafe-eval'; style-src 'unsafe-inline'; img-src data:";

const STYLE = `
body { font-family: system-ui, sans-serif; margin: 1.5rem; color: #222; }
h1 { font-size: 1.4rem; }
.revisions span { display: inline-block; margin-right: .5rem; padding: 0 .4rem; border: 1px solid #ccc; border-radius: 3px; }
section.plot { display: inline-block; vertical-align: top; margin: 0 1.5rem 1.5rem 0; padding: .75rem; border: 1px solid #e3e3e3; border-radius: 4px; }
section.plot h2 { font-size: 1rem; margin: 0 0 .25rem; }
.plot-id { color: #666; font-size: .8rem; margin: 0 0 .5rem; }
ul.problems { color: #a33; font-size: .85rem; padding-left: 1.2rem; }
.empty { color: #666; font-style: italic; }
figure { display: inline-block; margin: 0 1rem 1rem 0; }
figure img { max-width: 480px; border: 1px solid #eee; }
figcaption { font-size: .85rem; color: #444; }
`;

const BOOT = `(function () {
  var specs = JSON.parse(document.getElementById('dvc-ts-specs').textContent);
  var charts = document.querySelectorAll('div.chart[data-spec]');
  Array.prototype.forEach.call(charts, function (el) {
    var spec = specs[Number(el.getAttribute('data-spec'))];
    vegaEmbed(el, spec, { renderer: 'svg', actions: false }).catch(function (err) {
      el.className = 'chart render-error';
      el.textContent = 'This chart could not be drawn: ' + (err && err.message ? err.message : String(err));
    });
  });
})();`;

function problemList(problems: readonly PlotProblem[]): string {
  if (problems.length === 0) return '';
  const items = problems.map((p) => `<li>${escapeHtml(describeProblem(p))}</li>`);
  return `<ul class="problems">${items.join('')}</ul>`;
}

/** `HEAD~1: metrics.csv: file not found at this revision` */
export function describeProblem(p: PlotProblem): string {
  return [p.rev, p.file, p.message].filter((s): s is string => s !== undefined).join(': ');
}

function plotSection(plot: RenderedPlot, index: number, specIndex: number | undefined): string {
  const head = `<h2>${escapeHtml(plot.title)}</h2><p class="plot-id">${escapeHtml(plot.id)}${plot.kind === 'vega' ? ` · ${escapeHtml(plot.template)}` : ''}</p>`;
  let body: string;
  if (plot.kind === 'vega') {
    body = specIndex === undefined ? '<p class="empty">No data to draw.</p>' : `<div class="chart" data-spec="${specIndex}"></div>`;
  } else if (plot.images.length === 0) {
    body = '<p class="empty">No image found.</p>';
  } else {
    body = plot.images
      .map((img) => `<figure><img src="${escapeHtml(img.dataUri)}" alt="${escapeHtml(`${img.file} at ${img.rev}`)}"><figcaption>${escapeHtml(img.rev)}</figcaption></figure>`)
      .join('');
  }
  return `<section class="plot ${plot.kind}-plot" id="plot-${index}">${head}${body}${problemList(plot.problems)}</section>`;
}

/** Render the whole page. `libraries` are inlined in the order given. */
export function renderPlotsPage(report: PlotsReport, libraries: readonly VegaLibrary[], options: { title?: string } = {}): string {
  const title = options.title ?? 'dvc-ts plots';
  const specs: VegaLiteSpec[] = [];
  const sections = report.plots.map((plot, i) => {
    let specIndex: number | undefined;
    if (plot.kind === 'vega' && plot.spec) {
      specIndex = specs.length;
      specs.push(plot.spec);
    }
    return plotSection(plot, i, specIndex);
  });
  const revisions = report.revisions.map((r) => `<span class="rev">${escapeHtml(r)}</span>`).join('');
  const scripts = libraries.map((lib) => `<script data-library="${escapeHtml(`${lib.name}@${lib.version}`)}">${scriptSafe(lib.source)}</script>`);
  return [
    '<!DOCTYPE html>',
    '<html lang="en">',
    '<head>',
    '<meta charset="utf-8">',
    `<meta http-equiv="Content-Security-Policy" content="${escapeHtml(CSP)}">`,
    `<title>${escapeHtml(title)}</title>`,
    `<style>${STYLE}</style>`,
    '</head>',
    '<body>',
    `<h1>${escapeHtml(title)}</h1>`,
    `<p class="revisions">Revisions: ${revisions}</p>`,
    problemList(report.problems),
    report.plots.length === 0 ? '<p class="empty">No plots.</p>' : '',
    ...sections,
    ...scripts,
    `<script type="application/json" id="dvc-ts-specs">${jsonForScript(specs)}</script>`,
    `<script>${BOOT}</script>`,
    '</body>',
    '</html>',
    '',
  ].join('\n');
}
