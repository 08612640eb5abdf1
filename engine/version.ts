/** Kept in step with package.json by hand; the CLI prints it for `--version`. */
export const VERSION = '0.1.0';
