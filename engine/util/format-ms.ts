/** A duration as the CLI prints it: `293ms`, `2.7s`. (Its own module: the warm client reads it before anything loads.) */
export function formatMs(ms: number): string {
  return ms < 1000 ? `${Math.round(ms)}ms` : `${(ms / 1000).toFixed(1)}s`;
}
