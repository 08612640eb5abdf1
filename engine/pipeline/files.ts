/** Names of a pipeline file, in the order they are looked for (a module of its own: the CLI's start-up reads it without loading the loader). */
export const PIPELINE_FILES = ['pipeline.yaml', 'dvc.yaml'] as const;
