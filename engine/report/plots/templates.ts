// DVC's plot templates as Vega-Lite specs (pure). Every spec colours by the `rev` field, so in
// a diff each revision is its own series in the same chart.
import type { PlotRecord } from './data.js';

/** A Vega-Lite specification, as plain JSON. */
export type VegaLiteSpec = { [key: string]: unknown };

export const TEMPLATE_NAMES = [
  'linear',
  'simple',
  'scatter',
  'smooth',
  'confusion',
  'confusion_normalized',
  'bar_horizontal',
  'bar_horizontal_sorted',
] as const;

export type TemplateName = (typeof TEMPLATE_NAMES)[number];

export const DEFAULT_TEMPLATE: TemplateName = 'linear';

/** The field every template colours (or facets) by: the revision, plus the series when several. */
export const REV_FIELD = 'rev';

export const VEGA_LITE_SCHEMA = 'https://vega.github.io/schema/vega-lite/v6.json';

export function isTemplateName(name: string): name is TemplateName {
  return (TEMPLATE_NAMES as readonly string[]).includes(name);
}

export interface SpecInput {
  values: PlotRecord[];
  /** Field names as they appear in the records (escaped here for Vega-Lite). */
  x: string;
  y: string;
  title: string;
  xLabel?: string;
  yLabel?: string;
  /** Colour labels in the order to show them (revisions oldest first); default: sorted. */
  revOrder?: string[];
}

/**
 * Vega-Lite reads `.` and `[]` in a field name as nested access; a CSV column named `train.loss`
 * is one flat field, so those characters are escaped (as DVC does).
 */
export function escapeField(name: string): string {
  return name.replace(/[\\.[\]]/g, (c) => `\\${c}`);
}

/** Build the spec for one plot. `template` must be one of TEMPLATE_NAMES. */
export function buildSpec(template: TemplateName, input: SpecInput): VegaLiteSpec {
  const x = escapeField(input.x);
  const y = escapeField(input.y);
  const xTitle = input.xLabel ?? input.x;
  const yTitle = input.yLabel ?? input.y;
  const base = { $schema: VEGA_LITE_SCHEMA, data: { values: input.values }, title: input.title };
  const order = input.revOrder ? { sort: input.revOrder } : {};
  const color = { field: REV_FIELD, type: 'nominal', title: REV_FIELD, ...order };
  const tooltip = [
    { field: REV_FIELD, type: 'nominal' },
    { field: x, type: 'quantitative', title: input.x },
    { field: y, type: 'quantitative', title: input.y },
  ];
  const xq = { field: x, type: 'quantitative', title: xTitle };
  const yq = { field: y, type: 'quantitative', title: yTitle, scale: { zero: false } };
  switch (template) {
    case 'linear':
      return {
        ...base,
        width: 300,
        height: 300,
        encoding: { x: xq, y: yq, color },
        layer: [{ mark: { type: 'line' } }, { mark: { type: 'point', filled: true, size: 30 }, encoding: { tooltip } }],
      };
    case 'simple':
      return { ...base, width: 300, height: 300, mark: { type: 'line' }, encoding: { x: xq, y: yq, color } };
    case 'scatter':
      return { ...base, width: 300, height: 300, mark: { type: 'point' }, encoding: { x: xq, y: yq, color, tooltip } };
    case 'smooth':
      return {
        ...base,
        width: 300,
        height: 300,
        encoding: { x: xq, y: yq, color },
        layer: [
          { mark: { type: 'line', opacity: 0.2 } },
          { mark: { type: 'line' }, transform: [{ loess: y, on: x, groupby: [REV_FIELD], bandwidth: 0.3 }] },
        ],
      };
    case 'confusion':
    case 'confusion_normalized':
      return confusionSpec(base, x, y, xTitle, yTitle, template === 'confusion_normalized', order);
    case 'bar_horizontal':
    case 'bar_horizontal_sorted':
      return {
        ...base,
        width: 300,
        height: 300,
        mark: { type: 'bar' },
        encoding: {
          x: { field: x, type: 'quantitative', title: xTitle, scale: { zero: false } },
          y: { field: y, type: 'nominal', title: yTitle, ...(template === 'bar_horizontal_sorted' ? { sort: '-x' } : {}) },
          yOffset: { field: REV_FIELD, ...order },
          color,
          tooltip: [{ field: REV_FIELD, type: 'nominal' }, { field: y, type: 'nominal', title: input.y }, { field: x, type: 'quantitative', title: input.x }],
        },
      };
  }
}

/** Counts of (x, y) pairs per revision, a facet per revision; normalised per y row on request. */
function confusionSpec(
  base: VegaLiteSpec,
  x: string,
  y: string,
  xTitle: string,
  yTitle: string,
  normalized: boolean,
  order: { sort?: string[] },
): VegaLiteSpec {
  const share = normalized ? 'percent_of_y' : 'percent_of_max';
  const transform: unknown[] = [
    { aggregate: [{ op: 'count', as: 'xy_count' }], groupby: [REV_FIELD, y, x] },
    { impute: 'xy_count', groupby: [REV_FIELD, y], key: x, value: 0 },
    { impute: 'xy_count', groupby: [REV_FIELD, x], key: y, value: 0 },
    normalized
      ? { joinaggregate: [{ op: 'sum', field: 'xy_count', as: 'sum_y' }], groupby: [REV_FIELD, y] }
      : { joinaggregate: [{ op: 'max', field: 'xy_count', as: 'max_count' }], groupby: [REV_FIELD] },
    { calculate: normalized ? 'datum.xy_count / datum.sum_y' : 'datum.xy_count / datum.max_count', as: share },
  ];
  return {
    ...base,
    facet: { field: REV_FIELD, type: 'nominal', title: REV_FIELD, ...order },
    spec: {
      width: 300,
      height: 300,
      transform,
      encoding: {
        x: { field: x, type: 'nominal', sort: 'ascending', title: xTitle },
        y: { field: y, type: 'nominal', sort: 'ascending', title: yTitle },
      },
      layer: [
        {
          mark: 'rect',
          encoding: {
            color: normalized
              ? { field: share, type: 'quantitative', title: '', scale: { domain: [0, 1] } }
              : { field: 'xy_count', type: 'quantitative', title: '', scale: { domainMin: 0, nice: true } },
            tooltip: [
              { field: x, type: 'nominal', title: xTitle },
              { field: y, type: 'nominal', title: yTitle },
              { field: 'xy_count', type: 'quantitative', title: 'count' },
            ],
          },
        },
        {
          mark: 'text',
          encoding: {
            text: normalized ? { field: share, type: 'quantitative', format: '.2f' } : { field: 'xy_count', type: 'quantitative' },
            color: { condition: { test: `datum.${share} > 0.5`, value: 'white' }, value: 'black' },
          },
        },
      ],
    },
  };
}
